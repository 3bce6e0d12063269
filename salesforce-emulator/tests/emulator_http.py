"""Plain-HTTP helpers for the emulator API tests: a bearer-authenticated client, error checks."""

from __future__ import annotations

from typing import Any

import requests
from salesforce_emulator.models.org import DEMO
from salesforce_emulator.pytest_plugin import RunningEmulator

VERSION = "64.0"


class Api:
    """Plain ``requests`` against one emulator as the demo user (paths relative to ``vNN.N/``)."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.emulator = emulator
        self.admin = emulator.admin
        self.base = f"{emulator.url}/services/data/v{VERSION}/"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {emulator.access_token}"

    def login(self) -> str:
        """A fresh access token by the OAuth password grant (password + security token); use it."""
        response = requests.post(
            f"{self.emulator.url}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": DEMO.client_id,
                "client_secret": DEMO.client_secret,
                "username": DEMO.username,
                "password": DEMO.password + DEMO.security_token,
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text
        token = str(response.json()["access_token"])
        self.http.headers["Authorization"] = f"Bearer {token}"
        return token

    def url(self, path: str) -> str:
        """Absolute URL: ``/services/...`` as given, other paths under ``/services/data/vNN.N/``."""
        return self.emulator.url + path if path.startswith("/") else self.base + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call."""
        return self.http.request(method, self.url(path), timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST."""
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        """PATCH."""
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        """PUT."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)

    def query(self, soql: str, **kwargs: Any) -> requests.Response:
        """GET query?q=."""
        return self.get("query", params={"q": soql}, **kwargs)

    def query_all_pages(self, soql: str, resource: str = "query") -> list[dict[str, Any]]:
        """Every record of a query, following ``nextRecordsUrl``."""
        response = self.get(resource, params={"q": soql})
        records: list[dict[str, Any]] = []
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            records += body["records"]
            if body["done"]:
                return records
            response = self.get(body["nextRecordsUrl"])


def error_of(response: requests.Response, status: int) -> dict[str, Any]:
    """The single Salesforce error entry of a response, checking status and array shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list), body
    assert len(body) == 1, body
    assert set(body[0]) <= {"message", "errorCode", "fields"}, body
    return dict(body[0])

"""The ``salesforce-emulator`` command as a subprocess: serve, build, reuse, faults, SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from salesforce_emulator.admin_client import AdminClient

COMMAND = str(Path(sys.executable).with_name("salesforce-emulator"))


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run ``serve`` until its ready file appears; yield (url, written config); SIGTERM it."""
    ready, config = tmp_path / "ready.txt", tmp_path / "config.json"
    ready.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            COMMAND,
            "serve",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--write-config",
            str(config),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (ready.exists() and ready.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the emulator did not get ready"
            time.sleep(0.05)
        yield ready.read_text().strip(), json.loads(config.read_text())
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "salesforce-emulator serving" in stdout
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def login(config: dict[str, Any]) -> requests.Session:
    """OAuth password grant with the written config (password + security token concatenated)."""
    response = requests.post(
        f"{config['domain']}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": config["client_id"],
            "client_secret": config["client_secret"],
            "username": config["username"],
            "password": config["password"] + config["security_token"],
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["instance_url"] == config["domain"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    return session


def count(session: requests.Session, url: str, obj: str) -> int:
    response = session.get(
        f"{url}/services/data/v64.0/query", params={"q": f"SELECT COUNT() FROM {obj}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return int(response.json()["totalSize"])


def test_serve_login_query_sigterm_with_fault(tmp_path):
    fault = json.dumps({"endpoint": "limits", "status": 503, "times": 1})
    with serving(tmp_path, "--scale", "300", "--fault", fault) as (url, config):
        assert config["domain"] == url
        session = login(config)
        records = session.get(
            f"{url}/services/data/v64.0/query",
            params={"q": "SELECT Id, Name FROM Account"},
            timeout=10,
        ).json()["records"]
        assert records
        assert records[0]["attributes"]["type"] == "Account"
        assert session.get(f"{url}/services/data/v64.0/limits", timeout=10).status_code == 503
        assert session.get(f"{url}/services/data/v64.0/limits", timeout=10).status_code == 200


def test_build_then_serve_the_same_db(tmp_path):
    db = tmp_path / "org.sqlite"
    built = subprocess.run(
        [COMMAND, "build", "--scale", "500", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    summary = json.loads(built.stdout)
    assert summary["objects"]["Account"] > 0
    assert summary["rows"] == sum(summary["objects"].values())
    with serving(tmp_path, "--db", str(db)) as (url, _config):
        rows = {o["name"]: o["rows"] for o in AdminClient(url).objects()}
        assert {name: rows[name] for name in summary["objects"]} == summary["objects"]


def test_empty_org(tmp_path):
    with serving(tmp_path, "--org", "empty") as (url, config):
        session = login(config)
        assert count(session, url, "Account") == 0
        assert count(session, url, "Contact") == 0


def test_serve_with_new_fault_kinds_and_an_added_field(tmp_path):
    faults = [
        json.dumps({"endpoint": "query", "kind": "echo", "times": 1}),
        json.dumps({"endpoint": "describe", "kind": "truncate", "cut": 0.5, "times": 1}),
    ]
    field = 'Contact={"name": "Email_Key__c", "type": "email", "externalId": true, "unique": true}'
    args = ["--scale", "300", "--fault", faults[0], "--fault", faults[1], "--field", field]
    with serving(tmp_path, *args) as (url, config):
        session = login(config)
        base = f"{url}/services/data/v64.0"
        echoed = session.get(f"{base}/query", params={"q": "SELECT Id FROM Account"}, timeout=10)
        assert echoed.status_code == 500
        assert "Authorization: Bearer " in echoed.json()[0]["message"]
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            session.get(f"{base}/sobjects/Contact/describe", timeout=10)
        fields = session.get(f"{base}/sobjects/Contact/describe", timeout=10).json()["fields"]
        assert [f["externalId"] for f in fields if f["name"] == "Email_Key__c"] == [True]
        upsert = session.patch(
            f"{base}/composite/sobjects/Contact/Email_Key__c",
            json={"records": [{"attributes": {"type": "Contact"}, "Email_Key__c": "k@x.io",
                               "LastName": "K"}]},
            timeout=10,
        )  # fmt: skip
        assert upsert.json()[0]["created"] is True

"""A small client for the emulator's ``/__admin/`` API, for tests, benchmarks and demos."""

from __future__ import annotations

from typing import Any

import requests


class AdminClient:
    """Calls ``/__admin/`` endpoints of one emulator."""

    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        """Talk to the emulator at ``base_url``, through ``session`` if one is given."""
        self.base_url = base_url.rstrip("/")
        self.http = session or requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method, f"{self.base_url}/__admin/{path}", timeout=600, **kwargs
        )
        if response.status_code >= 400:
            raise RuntimeError(
                f"admin {method} {path} failed: {response.status_code} {response.text}"
            )
        return response.json()

    def health(self) -> dict[str, Any]:
        """Liveness and summary."""
        return dict(self._call("GET", "health"))

    def reset(self) -> None:
        """Forget usage counts, faults, cursors and jobs."""
        self._call("POST", "reset")

    def calls(self) -> dict[str, Any]:
        """API calls counted: ``{"total": n, "by_endpoint": {...}}``."""
        return dict(self._call("GET", "calls"))

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules, with how often each has fired."""
        return list(self._call("GET", "faults"))

    def add_fault(self, **rule: Any) -> list[dict[str, Any]]:
        """Add a fault rule (see ``faults.FaultRule``)."""
        return list(self._call("POST", "faults", json=rule))

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "faults")

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Read, or change then read, the org's settings."""
        if changes:
            return dict(self._call("PATCH", "settings", json=changes))
        return dict(self._call("GET", "settings"))

    def expire_sessions(self) -> int:
        """Invalidate every access token."""
        return int(self._call("POST", "sessions/expire")["expired"])

    def expire_cursors(self) -> int:
        """Invalidate every open query cursor."""
        return int(self._call("POST", "cursors/expire")["expired"])

    def objects(self) -> list[dict[str, Any]]:
        """Objects with row counts."""
        return list(self._call("GET", "objects"))

    def define_object(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Define a custom object: ``{name, fields: [{name, type, ...}]}``."""
        return dict(self._call("POST", "objects", json=spec))

    def set_object_flags(self, name: str, **flags: bool) -> dict[str, Any]:
        """Change ``queryable`` / ``bulk_supported`` of an object."""
        return dict(self._call("PATCH", f"objects/{name}", json=flags))

    def add_field(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Add a custom field to object ``name``; returns its describe entry.

        ``spec``: ``{"name": "Email_Key__c", "type": "email", "externalId": True,
        "unique": True, "caseSensitive": False}`` (also ``label``, ``length``, ``nillable``).
        """
        return dict(self._call("POST", f"objects/{name}/fields", json=spec))

    def generate(self, name: str, count: int, seed: int = 42) -> dict[str, Any]:
        """Append generated rows to an object."""
        return dict(
            self._call("POST", f"objects/{name}/generate", json={"count": count, "seed": seed})
        )

    def records(self, name: str, ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Stored rows (raw column values) of an object."""
        params = {"ids": ",".join(ids)} if ids else None
        return list(self._call("GET", f"records/{name}", params=params))

    def insert(self, name: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert raw rows (system fields defaulted)."""
        return list(self._call("POST", f"records/{name}", json={"records": records}))

    def update(
        self, name: str, records: list[dict[str, Any]], *, touch: bool = True
    ) -> list[dict[str, Any]]:
        """Update raw rows by Id; ``touch`` bumps SystemModstamp and LastModifiedDate."""
        return list(
            self._call("PATCH", f"records/{name}", json={"records": records, "touch": touch})
        )

    def delete(self, name: str, ids: list[str]) -> list[str]:
        """Soft-delete (recycle bin)."""
        return list(self._call("POST", f"records/{name}/delete", json={"ids": ids})["deleted"])

    def purge(self, name: str, ids: list[str]) -> int:
        """Hard-delete."""
        return int(self._call("POST", f"records/{name}/purge", json={"ids": ids})["purged"])

    def add_connected_app(self, **app: Any) -> dict[str, Any]:
        """Register a connected app (``client_id``, ``client_secret``, ``public_key_pem``...)."""
        return dict(self._call("POST", "connected_apps", json=app))

    def add_user(self, username: str, password: str, security_token: str = "") -> dict[str, Any]:
        """Create a user who can log in."""
        body = {"username": username, "password": password, "security_token": security_token}
        return dict(self._call("POST", "users", json=body))

"""Constants and builders for the fake Salesforce used by these tests."""

from __future__ import annotations

from typing import Any

LOGIN_URL = "https://login.salesforce.com"
TOKEN_URL = f"{LOGIN_URL}/services/oauth2/token"
INSTANCE = "https://acme.my.salesforce.com"
DATA = f"{INSTANCE}/services/data/v64.0"

# Distinctive secret values, so a leak is easy to grep for.
PASSWORD = "pw-Sekret-111"
SECURITY_TOKEN = "st-Sekret-222"
CLIENT_SECRET = "cs-Sekret-333"
REFRESH_TOKEN = "rt-Sekret-444"
ACCESS_TOKEN = "at-Sekret-555"
SERVER_TOKEN = "00Dsrv!Sekret-666"
SERVER_TOKEN_2 = "00Dsrv!Sekret-777"
PASSPHRASE = "pp-Sekret-888"
SECRETS = (
    PASSWORD,
    SECURITY_TOKEN,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    ACCESS_TOKEN,
    SERVER_TOKEN,
    SERVER_TOKEN_2,
    PASSPHRASE,
)

PASSWORD_CONFIG: dict[str, Any] = {
    "username": "user@example.com",
    "password": PASSWORD,
    "security_token": SECURITY_TOKEN,
    "client_id": "3MVG9-consumer-key",
    "client_secret": CLIENT_SECRET,
}


def token_body(token: str = SERVER_TOKEN, instance: str = INSTANCE) -> dict[str, str]:
    """A successful token response."""
    return {
        "access_token": token,
        "instance_url": instance,
        "id": f"{LOGIN_URL}/id/00Dxx0000001gPL/005xx000001Sv6e",
        "token_type": "Bearer",
        "issued_at": "1731000000000",
        "signature": "c2lnbmF0dXJl",
    }


def sf_error(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    """A REST error body."""
    return [{"message": message, "errorCode": code, "fields": fields or []}]

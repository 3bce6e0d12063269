"""The token endpoint's four grants, bearer checks, token expiry, and SOAP login."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from salesforce_emulator.models.org import DEMO
from salesforce_emulator.pytest_plugin import rsa_key_pair

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def token(url: str, **form: str) -> requests.Response:
    return requests.post(f"{url}/services/oauth2/token", data=form, timeout=10)


def assert_token_body(response: requests.Response, instance_url: str) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert "expires_in" not in body
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == instance_url
    return str(body["access_token"])


def assert_oauth_error(response: requests.Response, error: str, description: str) -> None:
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}


def test_password_grant_concatenates_security_token(emulator):
    good = token(
        emulator.url,
        grant_type="password",
        client_id=DEMO.client_id,
        client_secret=DEMO.client_secret,
        username=DEMO.username,
        password=DEMO.password + DEMO.security_token,
    )
    access = assert_token_body(good, emulator.url)
    limits = requests.get(
        f"{emulator.url}/services/data/v64.0/limits",
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert limits.status_code == 200
    without_token = token(
        emulator.url, grant_type="password", username=DEMO.username, password=DEMO.password
    )
    assert_oauth_error(without_token, "invalid_grant", "authentication failure")


@pytest.mark.parametrize(
    ("form", "error", "description"),
    [
        (
            {"client_id": "nope", "username": DEMO.username},
            "invalid_client_id",
            "client identifier invalid",
        ),
        (
            {"client_id": DEMO.client_id, "client_secret": "wrong", "username": DEMO.username},
            "invalid_client",
            "invalid client credentials",
        ),
        ({"username": "someone@else.example.com"}, "invalid_grant", "authentication failure"),
    ],
)
def test_password_grant_failures(emulator, form, error, description):
    response = token(
        emulator.url, grant_type="password", password=DEMO.password + DEMO.security_token, **form
    )
    assert_oauth_error(response, error, description)


def test_client_credentials(emulator):
    good = token(
        emulator.url,
        grant_type="client_credentials",
        client_id=DEMO.client_id,
        client_secret=DEMO.client_secret,
    )
    assert_token_body(good, emulator.url)
    bad = token(
        emulator.url, grant_type="client_credentials", client_id=DEMO.client_id, client_secret="x"
    )
    assert_oauth_error(bad, "invalid_client", "invalid client credentials")
    no_secret = token(emulator.url, grant_type="client_credentials", client_id=DEMO.client_id)
    assert_oauth_error(no_secret, "invalid_client", "invalid client credentials")


def test_refresh_token(emulator):
    good = token(
        emulator.url,
        grant_type="refresh_token",
        client_id=DEMO.client_id,
        client_secret=DEMO.client_secret,
        refresh_token=DEMO.refresh_token,
    )
    assert_token_body(good, emulator.url)
    bad = token(
        emulator.url,
        grant_type="refresh_token",
        client_id=DEMO.client_id,
        refresh_token="5Aep-nope",
    )
    assert_oauth_error(bad, "invalid_grant", "expired access/refresh token")


def test_refresh_token_issued_for_new_app(emulator):
    app = emulator.admin.add_connected_app(
        client_id="app-2", client_secret="s2", refresh_token_for=DEMO.username
    )
    good = token(
        emulator.url,
        grant_type="refresh_token",
        client_id="app-2",
        client_secret="s2",
        refresh_token=app["refresh_token"],
    )
    assert_token_body(good, emulator.url)
    other_app = token(
        emulator.url,
        grant_type="refresh_token",
        client_id=DEMO.client_id,
        refresh_token=app["refresh_token"],
    )
    assert_oauth_error(other_app, "invalid_grant", "expired access/refresh token")


@pytest.fixture
def jwt_app(emulator):
    private, public = rsa_key_pair()
    emulator.admin.add_connected_app(client_id="jwt-app", public_key_pem=public)
    return private


def assertion(private: str, **overrides: object) -> str:
    claims = {
        "iss": "jwt-app",
        "sub": DEMO.username,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    }
    claims.update(overrides)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, private, algorithm="RS256"
    )


def test_jwt_bearer_accepts_login_test_and_own_audience(emulator, jwt_app):
    for audience in ("https://login.salesforce.com", "https://test.salesforce.com", emulator.url):
        response = token(
            emulator.url, grant_type=JWT_GRANT, assertion=assertion(jwt_app, aud=audience)
        )
        assert_token_body(response, emulator.url)


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"exp": int(time.time()) - 600}, "invalid_grant", "expired authorization code"),
        ({"aud": "https://evil.example.com"}, "invalid_grant", "audience is invalid"),
        ({"sub": "ghost@example.com"}, "invalid_grant", "user hasn't approved this consumer"),
        ({"iss": "unknown-app"}, "invalid_client_id", "client identifier invalid"),
        ({"exp": None}, "invalid_grant", "invalid assertion"),
    ],
)
def test_jwt_bearer_rejections(emulator, jwt_app, overrides, error, description):
    response = token(emulator.url, grant_type=JWT_GRANT, assertion=assertion(jwt_app, **overrides))
    assert_oauth_error(response, error, description)


def test_jwt_signed_with_another_key_is_rejected(emulator, jwt_app):
    other_private, _ = rsa_key_pair()
    response = token(emulator.url, grant_type=JWT_GRANT, assertion=assertion(other_private))
    assert_oauth_error(response, "invalid_grant", "invalid assertion")


def test_unsupported_grant(emulator):
    assert_oauth_error(
        token(emulator.url, grant_type="authorization_code"),
        "unsupported_grant_type",
        "grant type not supported",
    )


def rest(url: str, access: str) -> requests.Response:
    return requests.get(
        f"{url}/services/data/v64.0/sobjects",
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )


def test_bad_bearer_is_invalid_session(emulator):
    response = rest(emulator.url, "garbage")
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    missing = requests.get(f"{emulator.url}/services/data/v64.0/sobjects", timeout=10)
    assert missing.status_code == 401


def login(url: str) -> str:
    response = token(
        url,
        grant_type="client_credentials",
        client_id=DEMO.client_id,
        client_secret=DEMO.client_secret,
    )
    return str(response.json()["access_token"])


def test_token_expires_after_n_calls(emulator):
    emulator.admin.settings(token_ttl_calls=3)
    access = login(emulator.url)
    assert [rest(emulator.url, access).status_code for _ in range(4)] == [200, 200, 200, 401]
    assert rest(emulator.url, login(emulator.url)).status_code == 200


def test_token_expires_after_seconds(emulator):
    emulator.admin.settings(token_ttl_seconds=1.5)
    access = login(emulator.url)
    assert rest(emulator.url, access).status_code == 200
    time.sleep(1.6)
    assert rest(emulator.url, access).status_code == 401


def test_admin_expires_every_session(emulator):
    access = login(emulator.url)
    assert emulator.admin.expire_sessions() >= 1
    assert rest(emulator.url, access).status_code == 401


SOAP_LOGIN = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:urn="urn:partner.soap.sforce.com"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">
<n1:username>{username}</n1:username><n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>"""


def test_soap_login(emulator):
    body = SOAP_LOGIN.format(username=DEMO.username, password=DEMO.password + DEMO.security_token)
    response = requests.post(
        f"{emulator.url}/services/Soap/u/64.0",
        data=body,
        headers={"SOAPAction": "login", "content-type": "text/xml"},
        timeout=10,
    )
    assert response.status_code == 200
    session_id = response.text.split("<sessionId>")[1].split("</sessionId>")[0]
    assert f"<serverUrl>{emulator.url}/services/Soap/u/64.0/" in response.text
    assert rest(emulator.url, session_id).status_code == 200
    bad = requests.post(
        f"{emulator.url}/services/Soap/u/64.0",
        data=SOAP_LOGIN.format(username=DEMO.username, password="wrong"),
        headers={"content-type": "text/xml"},
        timeout=10,
    )
    assert bad.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in bad.text

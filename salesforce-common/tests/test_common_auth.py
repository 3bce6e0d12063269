"""Choosing and running the auth flows."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import jwt
import pytest
import responses
from responses import matchers
from salesforce_common import (
    AccessTokenFlow,
    AuthenticationError,
    ClientCredentialsFlow,
    ConfigError,
    JwtBearerFlow,
    PasswordFlow,
    RefreshTokenFlow,
    SalesforceSession,
    TransientError,
    select_flow,
)
from sfc_fakes import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    DATA,
    INSTANCE,
    PASSPHRASE,
    PASSWORD,
    PASSWORD_CONFIG,
    REFRESH_TOKEN,
    SECURITY_TOKEN,
    SERVER_TOKEN,
    TOKEN_URL,
    token_body,
)

LIMITS = f"{DATA}/limits"
MakeSession = Callable[..., SalesforceSession]


@pytest.mark.parametrize(
    ("present", "flow"),
    [
        ({"access_token"}, "access token"),
        ({"username", "password"}, "username/password"),
        (
            {"username", "password", "security_token", "client_id", "client_secret"},
            "username/password",
        ),
        ({"refresh_token", "client_id"}, "refresh token"),
        ({"refresh_token", "client_id", "client_secret"}, "refresh token"),
        ({"private_key", "client_id", "username"}, "JWT bearer"),
        ({"private_key", "private_key_passphrase", "client_id", "username"}, "JWT bearer"),
        ({"client_id", "client_secret"}, "client credentials"),
    ],
)
def test_select_flow(present: set[str], flow: str) -> None:
    assert select_flow(present) == flow


@pytest.mark.parametrize(
    ("present", "message"),
    [
        (
            {"access_token", "password", "username"},
            "conflicting settings access_token, password: they select the access token flow "
            "and the username/password flow; keep the settings of one flow only",
        ),
        (
            {"access_token", "client_id"},
            "conflicting settings access_token, client_id: client_id cannot be used with the "
            "access token flow",
        ),
        (
            {"private_key", "password", "username", "client_id"},
            "conflicting settings password, private_key: they select the JWT bearer flow and "
            "the username/password flow; keep the settings of one flow only",
        ),
        (
            {"refresh_token", "private_key", "client_id"},
            "conflicting settings refresh_token, private_key: they select the JWT bearer flow "
            "and the refresh token flow; keep the settings of one flow only",
        ),
        (
            {"private_key", "client_id", "username", "client_secret"},
            "conflicting settings client_secret, private_key: client_secret cannot be used with "
            "the JWT bearer flow",
        ),
        (
            {"username"},
            "missing setting password (username/password flow) or private_key and client_id "
            "(JWT bearer flow): username alone cannot log in",
        ),
        ({"password"}, "missing setting username for the username/password flow"),
        (
            {"security_token"},
            "missing setting username, password for the username/password flow",
        ),
        ({"private_key", "username"}, "missing setting client_id for the JWT bearer flow"),
        ({"private_key", "client_id"}, "missing setting username for the JWT bearer flow"),
        ({"refresh_token"}, "missing setting client_id for the refresh token flow"),
        ({"client_secret"}, "missing setting client_id for the client credentials flow"),
        (
            {"client_id"},
            "missing setting client_secret for the client credentials flow (or username and "
            "password, refresh_token, or private_key and username)",
        ),
        (
            {"private_key_passphrase"},
            "missing setting private_key: private_key_passphrase alone is unused",
        ),
        (
            set(),
            "missing Salesforce credentials: set access_token (with domain), username and "
            "password, refresh_token and client_id, private_key with client_id and username, "
            "client_id and client_secret, or uri",
        ),
    ],
)
def test_select_flow_errors(present: set[str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        select_flow(present)
    assert str(info.value) == message


def test_config_errors_come_before_any_request(mocked: responses.RequestsMock) -> None:
    with pytest.raises(ConfigError, match="missing setting username"):
        SalesforceSession({"password": PASSWORD})
    assert len(mocked.calls) == 0


def test_access_token_needs_a_specific_domain() -> None:
    with pytest.raises(ConfigError, match="domain must be the org's My Domain"):
        SalesforceSession({"access_token": ACCESS_TOKEN})


def test_access_token_flow(mocked: responses.RequestsMock, make_session: MakeSession) -> None:
    mocked.get(
        LIMITS,
        json={},
        match=[matchers.header_matcher({"Authorization": f"Bearer {ACCESS_TOKEN}"})],
    )
    session = make_session({"access_token": ACCESS_TOKEN, "domain": "acme.my"})
    assert isinstance(session.flow, AccessTokenFlow)
    assert session.get_json("limits") == {}
    assert session.logins == 0
    assert session.instance_url == INSTANCE


def test_password_flow_form(mocked: responses.RequestsMock, make_session: MakeSession) -> None:
    mocked.post(
        TOKEN_URL,
        json=token_body(instance="https://na99.salesforce.com"),
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "password",
                    "client_id": "3MVG9-consumer-key",
                    "client_secret": CLIENT_SECRET,
                    "username": "user@example.com",
                    "password": PASSWORD + SECURITY_TOKEN,
                }
            ),
            matchers.header_matcher({"Content-Type": "application/x-www-form-urlencoded"}),
        ],
    )
    mocked.get(
        "https://na99.salesforce.com/services/data/v64.0/limits",
        json={"DailyApiRequests": {"Max": 5000, "Remaining": 4990}},
        match=[matchers.header_matcher({"Authorization": f"Bearer {SERVER_TOKEN}"})],
    )
    session = make_session()
    assert isinstance(session.flow, PasswordFlow)
    assert session.get_json("limits")["DailyApiRequests"]["Max"] == 5000
    assert session.instance_url == "https://na99.salesforce.com"
    assert session.logins == 1


def test_password_flow_minimal_form(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.post(
        "https://test.salesforce.com/services/oauth2/token",
        json=token_body(),
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "password", "username": "u", "password": PASSWORD}
            )
        ],
    )
    mocked.get(LIMITS, json={})
    make_session({"username": "u", "password": PASSWORD, "domain": "test"}).get_json("limits")


def test_refresh_token_flow_form(mocked: responses.RequestsMock, make_session: MakeSession) -> None:
    mocked.post(
        "https://acme.my.salesforce.com/services/oauth2/token",
        json=token_body(),
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "client_id": "cid",
                    "client_secret": CLIENT_SECRET,
                    "refresh_token": REFRESH_TOKEN,
                }
            )
        ],
    )
    mocked.get(LIMITS, json={})
    session = make_session(
        {
            "refresh_token": REFRESH_TOKEN,
            "client_id": "cid",
            "client_secret": CLIENT_SECRET,
            "domain": "acme.my",
        }
    )
    assert isinstance(session.flow, RefreshTokenFlow)
    session.get_json("limits")


def test_client_credentials_flow_form(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.post(
        "http://127.0.0.1:8765/services/oauth2/token",
        json=token_body(instance="http://127.0.0.1:8765"),
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "cs"}
            )
        ],
    )
    mocked.get("http://127.0.0.1:8765/services/data/v62.0/limits", json={})
    session = make_session(
        {
            "uri": "salesforce://?client_id=cid&client_secret=cs&domain=http%3A%2F%2F127.0.0.1%3A8765",
            "api_version": "62.0",
        }
    )
    assert isinstance(session.flow, ClientCredentialsFlow)
    session.get_json("limits")


@pytest.mark.parametrize(
    ("domain", "audience"),
    [
        (None, "https://login.salesforce.com"),
        ("test", "https://test.salesforce.com"),
        ("acme.my", "https://acme.my.salesforce.com"),
    ],
)
@pytest.mark.parametrize("encrypted", [False, True])
def test_jwt_bearer_flow(  # noqa: PLR0917 - pytest fixtures and parameters
    mocked: responses.RequestsMock,
    make_session: MakeSession,
    private_pem: str,
    encrypted_pem: str,
    public_pem: bytes,
    domain: str | None,
    audience: str,
    encrypted: bool,
) -> None:
    mocked.post(f"{audience}/services/oauth2/token", json=token_body())
    mocked.get(LIMITS, json={})
    config: dict[str, Any] = {
        "client_id": "3MVG9-key",
        "username": "integration@example.com",
        "private_key": encrypted_pem if encrypted else private_pem,
    }
    if encrypted:
        config["private_key_passphrase"] = PASSPHRASE
    if domain:
        config["domain"] = domain
    session = make_session(config)
    assert isinstance(session.flow, JwtBearerFlow)
    session.get_json("limits")

    form = dict(parse_qsl(mocked.calls[0].request.body))
    assert set(form) == {"grant_type", "assertion"}
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert jwt.get_unverified_header(form["assertion"])["alg"] == "RS256"
    claims = jwt.decode(form["assertion"], public_pem, algorithms=["RS256"], audience=audience)
    now = time.time()
    assert set(claims) == {"iss", "sub", "aud", "exp"}
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "3MVG9-key",
        "integration@example.com",
        audience,
    )
    assert now + 170 <= claims["exp"] <= now + 181


def test_jwt_key_with_escaped_newlines(private_pem: str) -> None:
    one_line = private_pem.replace("\n", "\\n")
    session = SalesforceSession({"client_id": "c", "username": "u", "private_key": one_line})
    assert isinstance(session.flow, JwtBearerFlow)


@pytest.mark.parametrize(
    ("key", "passphrase", "message"),
    [
        ("not a key", None, "private_key must be PEM text"),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            None,
            "private_key could not be loaded",
        ),
        ("ENCRYPTED", None, "private_key is encrypted: set private_key_passphrase"),
        ("ENCRYPTED", "wrong-passphrase", "private_key could not be loaded"),
        ("PLAIN", PASSPHRASE, "private_key_passphrase is set but private_key is not encrypted"),
    ],
)
def test_jwt_key_errors(
    private_pem: str, encrypted_pem: str, key: str, passphrase: str | None, message: str
) -> None:
    key = {"ENCRYPTED": encrypted_pem, "PLAIN": private_pem}.get(key, key)
    config = {"client_id": "c", "username": "u", "private_key": key}
    if passphrase:
        config["private_key_passphrase"] = passphrase
    with pytest.raises(ConfigError) as info:
        SalesforceSession(config)
    assert message in str(info.value)
    assert "AAAA" not in str(info.value)
    assert private_pem.splitlines()[1] not in str(info.value)
    assert PASSPHRASE not in str(info.value)


def test_jwt_key_must_be_rsa() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ConfigError, match="private_key must be an RSA key"):
        SalesforceSession({"client_id": "c", "username": "u", "private_key": pem})


def test_bad_credentials_message(mocked: responses.RequestsMock, make_session: MakeSession) -> None:
    mocked.post(
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "authentication failure"},
    )
    with pytest.raises(AuthenticationError) as info:
        make_session().get_json("limits")
    message = str(info.value)
    assert message.startswith(
        "Salesforce login failed (username/password flow): invalid_grant: authentication failure;"
    )
    assert "check username, password and security_token" in message
    assert "\n" not in message
    assert (info.value.status, info.value.error_code) == (400, "invalid_grant")
    assert len(mocked.calls) == 1  # a refused login is not retried


def test_login_failure_without_json(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.post(TOKEN_URL, status=401, body="<html>nope</html>", content_type="text/html")
    with pytest.raises(AuthenticationError) as info:
        make_session().get_json("limits")
    assert str(info.value).startswith(
        "Salesforce login failed (username/password flow): HTTP 401 Unauthorized;"
    )


def test_login_answer_without_token(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.post(TOKEN_URL, json={"id": "x"})
    with pytest.raises(AuthenticationError, match="without access_token and instance_url"):
        make_session().get_json("limits")


def test_insecure_instance_url_is_refused(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.post(TOKEN_URL, json=token_body(instance="http://evil.example.com"))
    with pytest.raises(
        AuthenticationError, match="unusable instance_url: instance_url 'http://evil"
    ):
        make_session().get_json("limits")


def test_login_retries_transient_errors(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.post(TOKEN_URL, status=503, body="busy", content_type="text/plain")
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(LIMITS, json={})
    session = make_session()
    session.get_json("limits")
    assert session.logins == 1
    assert session.calls == 1


def test_login_gives_up(mocked: responses.RequestsMock, make_session: MakeSession) -> None:
    mocked.post(TOKEN_URL, status=503, body="busy", content_type="text/plain")
    with pytest.raises(TransientError) as info:
        make_session({**PASSWORD_CONFIG, "max_retries": 2}).get_json("limits")
    assert str(info.value) == "busy (HTTP 503, POST /services/oauth2/token)"
    assert len(mocked.calls) == 3


def test_flows_are_sdk_authenticators(private_pem: str) -> None:
    from singer_sdk.authenticators import OAuthAuthenticator, OAuthJWTAuthenticator

    jwt_session = SalesforceSession({"client_id": "c", "username": "u", "private_key": private_pem})
    assert isinstance(jwt_session.flow, OAuthJWTAuthenticator)
    assert isinstance(SalesforceSession(PASSWORD_CONFIG).flow, OAuthAuthenticator)

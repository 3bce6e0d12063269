"""Salesforce OAuth flows, chosen from the settings present.

The flows build on singer-sdk's authenticators, so each one is also a requests auth object
that a singer-sdk stream can use as its ``authenticator``:

* OAuth flows subclass :class:`singer_sdk.authenticators.OAuthAuthenticator` (and the JWT
  bearer flow :class:`~singer_sdk.authenticators.OAuthJWTAuthenticator`, whose PEM handling
  and RS256 signing it reuses). They supply the Salesforce form fields and override only
  ``update_access_token``, because the SDK's version cannot keep ``instance_url`` from the
  token response, raises a bare ``RuntimeError`` instead of Salesforce's
  ``error``/``error_description``, logs the response body at ERROR and uses a fixed 60 s
  timeout with its own retry policy. The POST itself is injected (``post=``) so that
  :class:`~salesforce_common.session.SalesforceSession` applies its timeouts and retries.
* The access-token flow subclasses :class:`~singer_sdk.authenticators.BearerTokenAuthenticator`.

Salesforce token responses have no ``expires_in``: a token is valid until a request gets 401,
then :meth:`relogin` fetches a new one (except for the access-token flow).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import requests
from singer_sdk.authenticators import (
    BearerTokenAuthenticator,
    OAuthAuthenticator,
    OAuthJWTAuthenticator,
)

from salesforce_common.domain import parse_origin
from salesforce_common.errors import AuthenticationError, ConfigError, SessionExpiredError
from salesforce_common.settings import CREDENTIAL_SETTINGS

if TYPE_CHECKING:
    from salesforce_common.domain import LoginEndpoints
    from salesforce_common.settings import ConnectionSettings

logger = logging.getLogger("salesforce_common")

JWT_LIFETIME_SECONDS = 180

TokenPost = Callable[[str, Mapping[str, Any]], requests.Response]
"""``post(token_url, form) -> response``: sends the form-encoded token request."""


def _json_object(response: requests.Response) -> dict[str, Any]:
    """The response's JSON object, or ``{}`` when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class AuthFlow(Protocol):
    """What :class:`~salesforce_common.session.SalesforceSession` needs from a flow."""

    flow_name: str
    refreshable: bool
    access_token: str | None
    instance_url: str | None

    def login(self) -> None:
        """Log in unless already logged in."""

    def relogin(self) -> None:
        """Get a fresh access token (after a 401)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add ``Authorization: Bearer`` to a request."""


class AccessTokenFlow(BearerTokenAuthenticator):
    """A ready access token, sent as is; the instance URL is the ``domain`` URL."""

    flow_name: str = "access token flow"
    refreshable: bool = False

    def __init__(self, endpoints: LoginEndpoints, *, access_token: str) -> None:
        """Create the flow.

        Args:
            endpoints: Resolved ``domain``; its URL is the REST instance URL.
            access_token: The token.
        """
        super().__init__(token=access_token)
        self.access_token: str | None = access_token
        self.instance_url: str | None = endpoints.login_url

    def login(self) -> None:
        """Nothing to do: the token is given."""

    def relogin(self) -> None:
        """Fail: an access token cannot be refreshed.

        Raises:
            SessionExpiredError: Always.
        """
        raise SessionExpiredError(
            "the access_token is expired or invalid and there is nothing to refresh it with; "
            "set a new access_token, or use a refreshable flow (username/password, "
            "refresh_token, private_key or client_id/client_secret)",
            status=401,
            error_code="INVALID_SESSION_ID",
        )


class SalesforceOAuthFlow(OAuthAuthenticator):
    """Base of the flows that log in at the token endpoint."""

    flow_name: str = "OAuth flow"
    refreshable: bool = True
    hint: str = ""

    def __init__(
        self,
        endpoints: LoginEndpoints,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        post: TokenPost | None = None,
        timeout: float = 300.0,
        **kwargs: Any,
    ) -> None:
        """Create the flow.

        Args:
            endpoints: Resolved ``domain``.
            client_id: Connected app consumer key.
            client_secret: Connected app consumer secret.
            post: Sends the token request; defaults to a plain POST with ``timeout``.
            timeout: Timeout of the default POST, in seconds.
            **kwargs: Passed to the SDK authenticator.
        """
        super().__init__(
            auth_endpoint=endpoints.token_url,
            client_id=client_id,
            client_secret=client_secret,
            **kwargs,
        )
        self.logger = logger
        self.endpoints = endpoints
        self.instance_url: str | None = None
        self._timeout = timeout
        self._post: TokenPost = post or self._default_post

    def _default_post(self, url: str, form: Mapping[str, Any]) -> requests.Response:
        return self._session.post(url, data=dict(form), timeout=self._timeout)

    def _client_fields(self) -> dict[str, str]:
        fields = {}
        if self.client_id:
            fields["client_id"] = self.client_id
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        return fields

    def login(self) -> None:
        """Log in unless a token is already held."""
        if not self.is_token_valid():
            self.update_access_token()

    def relogin(self) -> None:
        """Log in again (the token was rejected with 401)."""
        self.update_access_token()

    def update_access_token(self) -> None:
        """POST the form to the token endpoint; keep the token and ``instance_url``.

        Raises:
            AuthenticationError: The endpoint refused, or answered without a token.
        """
        self.logger.debug("Logging in to Salesforce (%s)", self.flow_name)
        started = datetime.datetime.now(datetime.UTC)
        response = self._post(self.auth_endpoint, self.oauth_request_payload)
        if not response.ok:
            raise self._login_error(response)
        body = _json_object(response)
        token = body.get("access_token")
        instance_url = body.get("instance_url")
        if not isinstance(token, str) or not token or not isinstance(instance_url, str):
            raise AuthenticationError(
                f"Salesforce login failed ({self.flow_name}): the token endpoint answered "
                f"HTTP {response.status_code} without access_token and instance_url",
                status=response.status_code,
            )
        try:
            self.instance_url = parse_origin(instance_url, "instance_url")
        except ConfigError as exc:
            raise AuthenticationError(
                f"Salesforce login failed ({self.flow_name}): the token endpoint returned an "
                f"unusable instance_url: {exc.message}",
                status=response.status_code,
            ) from None
        self.access_token = token
        if isinstance(body.get("refresh_token"), str):
            self.refresh_token = body["refresh_token"]
        self.expires_in = None
        self.last_refreshed = started
        self.logger.info(
            "Logged in to Salesforce (%s); instance %s", self.flow_name, self.instance_url
        )

    def _login_error(self, response: requests.Response) -> AuthenticationError:
        body = _json_object(response)
        if body.get("error"):
            code = str(body["error"])
            detail = f"{code}: {body.get('error_description') or 'no description'}"
        else:
            code = None
            detail = f"HTTP {response.status_code} {response.reason or ''}".strip()
        hint = f"; {self.hint}" if self.hint else ""
        return AuthenticationError(
            f"Salesforce login failed ({self.flow_name}): {detail}{hint}",
            status=response.status_code,
            error_code=code,
        )


class PasswordFlow(SalesforceOAuthFlow):
    """``grant_type=password``; the security token is appended to the password."""

    flow_name = "username/password flow"
    hint = (
        "check username, password and security_token, and that domain points at the org "
        "(login, test or its My Domain)"
    )

    def __init__(
        self,
        endpoints: LoginEndpoints,
        *,
        username: str,
        password: str,
        security_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Create the flow.

        Args:
            endpoints: Resolved ``domain``.
            username: Salesforce username.
            password: Password.
            security_token: Security token, appended to the password.
            **kwargs: ``client_id``, ``client_secret``, ``post``, ``timeout``.
        """
        super().__init__(endpoints, **kwargs)
        self.username = username
        self._password = password + (security_token or "")

    @property
    def oauth_request_body(self) -> dict:
        """The token request form."""
        return {
            "grant_type": "password",
            **self._client_fields(),
            "username": self.username,
            "password": self._password,
        }


class RefreshTokenFlow(SalesforceOAuthFlow):
    """``grant_type=refresh_token``."""

    flow_name = "refresh token flow"
    hint = "check refresh_token, client_id and client_secret, and that it was issued by domain"

    def __init__(self, endpoints: LoginEndpoints, *, refresh_token: str, **kwargs: Any) -> None:
        """Create the flow.

        Args:
            endpoints: Resolved ``domain``.
            refresh_token: The refresh token.
            **kwargs: ``client_id``, ``client_secret``, ``post``, ``timeout``.
        """
        super().__init__(endpoints, **kwargs)
        self.refresh_token = refresh_token

    @property
    def oauth_request_body(self) -> dict:
        """The token request form."""
        return {
            "grant_type": "refresh_token",
            **self._client_fields(),
            "refresh_token": self.refresh_token,
        }


class ClientCredentialsFlow(SalesforceOAuthFlow):
    """``grant_type=client_credentials`` (Salesforce requires a My Domain ``domain``)."""

    flow_name = "client credentials flow"
    hint = (
        "check client_id and client_secret, that the connected app enables the client "
        "credentials flow with a run-as user, and that domain is the org's My Domain"
    )

    @property
    def oauth_request_body(self) -> dict:
        """The token request form."""
        return {"grant_type": "client_credentials", **self._client_fields()}


def _load_private_key(private_key: str, passphrase: str | None) -> str:
    """Check that the PEM text is an RSA private key; return it with real newlines."""
    text = private_key.strip()
    if "\\n" in text and "\n" not in text:  # a PEM squeezed into one env-var line
        text = text.replace("\\n", "\n")
    if "-----BEGIN" not in text:
        raise ConfigError("private_key must be PEM text (-----BEGIN ... PRIVATE KEY-----)")
    # Imported here: only the JWT flow needs it, and it costs every run 30 ms at start-up.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(
            text.encode(), password=passphrase.encode() if passphrase else None
        )
    except TypeError as exc:
        msg = (
            "private_key_passphrase is set but private_key is not encrypted"
            if passphrase
            else "private_key is encrypted: set private_key_passphrase"
        )
        raise ConfigError(msg) from exc
    except ValueError as exc:
        raise ConfigError(
            "private_key could not be loaded: not a valid PEM private key, or a wrong "
            "private_key_passphrase"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("private_key must be an RSA key (the JWT bearer flow signs RS256)")
    return text + "\n"


class JwtBearerFlow(SalesforceOAuthFlow, OAuthJWTAuthenticator):
    """JWT bearer flow: an RS256 assertion with iss=client_id, sub=username, aud=login URL."""

    flow_name = "JWT bearer flow"
    hint = (
        "check client_id, username, that the connected app holds the key's certificate and "
        "pre-authorizes the user, and domain (login, test or the My Domain)"
    )

    def __init__(
        self,
        endpoints: LoginEndpoints,
        *,
        client_id: str,
        username: str,
        private_key: str,
        private_key_passphrase: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Create the flow; the key is checked now, before any request.

        Args:
            endpoints: Resolved ``domain``; its URL is the JWT audience.
            client_id: Connected app consumer key (the issuer).
            username: Salesforce username (the subject).
            private_key: PEM text of the RSA private key.
            private_key_passphrase: Passphrase of an encrypted key.
            **kwargs: ``post``, ``timeout``.

        Raises:
            ConfigError: The key cannot be loaded or is not RSA.
        """
        super().__init__(
            endpoints,
            client_id=client_id,
            private_key=_load_private_key(private_key, private_key_passphrase),
            private_key_passphrase=private_key_passphrase,
            **kwargs,
        )
        self.username = username

    @property
    def oauth_request_body(self) -> dict:
        """The JWT claims (the SDK signs them into the ``assertion`` form field)."""
        return {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.endpoints.login_url,
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }


@dataclass(frozen=True)
class _FlowRule:
    name: str
    decisive: frozenset[str]
    required: frozenset[str]
    optional: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


_ACCESS_TOKEN = _FlowRule("access token", frozenset({"access_token"}), frozenset({"access_token"}))
_JWT = _FlowRule(
    "JWT bearer",
    frozenset({"private_key"}),
    frozenset({"private_key", "client_id", "username"}),
    frozenset({"private_key_passphrase"}),
)
_REFRESH = _FlowRule(
    "refresh token",
    frozenset({"refresh_token"}),
    frozenset({"refresh_token", "client_id"}),
    frozenset({"client_secret"}),
)
_PASSWORD = _FlowRule(
    "username/password",
    frozenset({"password", "security_token"}),
    frozenset({"username", "password"}),
    frozenset({"security_token", "client_id", "client_secret"}),
)
_CLIENT_CREDENTIALS = _FlowRule(
    "client credentials", frozenset(), frozenset({"client_id", "client_secret"})
)
_DECISIVE_RULES = (_ACCESS_TOKEN, _JWT, _REFRESH, _PASSWORD)

AUTH_SETTING_GROUPS: tuple[tuple[str, ...], ...] = (
    *(
        tuple(n for n in CREDENTIAL_SETTINGS if n in rule.required)
        for rule in (_ACCESS_TOKEN, _PASSWORD, _REFRESH, _JWT, _CLIENT_CREDENTIALS)
    ),
    ("uri",),
)
"""Sets of settings that each suffice to log in (one per flow, and ``uri``), for Meltano's
``settings_group_validation``."""


def _names(names: set[str] | frozenset[str]) -> str:
    return ", ".join(n for n in CREDENTIAL_SETTINGS if n in names)


def select_flow(present: set[str] | frozenset[str]) -> str:
    """Choose the auth flow from the names of the credential settings present.

    Args:
        present: Names of the credential settings that have a value.

    Returns:
        The flow's short name: ``access token``, ``JWT bearer``, ``refresh token``,
        ``username/password`` or ``client credentials``.

    Raises:
        ConfigError: Contradictory or incomplete settings; one line naming them.
    """
    decisive = [rule for rule in _DECISIVE_RULES if rule.decisive & present]
    if len(decisive) > 1:
        chosen = set().union(*(rule.decisive & present for rule in decisive))
        flows = " and ".join(f"the {rule.name} flow" for rule in decisive)
        raise ConfigError(
            f"conflicting settings {_names(chosen)}: they select {flows}; "
            "keep the settings of one flow only"
        )
    if decisive:
        rule = decisive[0]
    elif "username" in present:
        raise ConfigError(
            "missing setting password (username/password flow) or private_key and client_id "
            "(JWT bearer flow): username alone cannot log in"
        )
    elif "private_key_passphrase" in present:
        raise ConfigError("missing setting private_key: private_key_passphrase alone is unused")
    elif present & {"client_id", "client_secret"}:
        rule = _CLIENT_CREDENTIALS
    else:
        raise ConfigError(
            "missing Salesforce credentials: set access_token (with domain), username and "
            "password, refresh_token and client_id, private_key with client_id and username, "
            "client_id and client_secret, or uri"
        )
    extra = present - rule.allowed
    if extra:
        decisive_present = rule.decisive & present or rule.required & present
        raise ConfigError(
            f"conflicting settings {_names(decisive_present | extra)}: "
            f"{_names(extra)} cannot be used with the {rule.name} flow"
        )
    missing = rule.required - present
    if missing:
        alternatives = (
            " (or username and password, refresh_token, or private_key and username)"
            if rule is _CLIENT_CREDENTIALS and "client_id" in present
            else ""
        )
        raise ConfigError(
            f"missing setting {_names(missing)} for the {rule.name} flow{alternatives}"
        )
    return rule.name


def build_flow(settings: ConnectionSettings, *, post: TokenPost | None = None) -> AuthFlow:
    """Validate the credential settings and create the matching flow (no request is sent).

    Args:
        settings: Validated connection settings.
        post: Sends token requests (the session passes its retrying POST).

    Returns:
        The auth flow.

    Raises:
        ConfigError: Missing or conflicting settings, or an unusable private key.
    """
    creds = settings.credentials
    endpoints = settings.endpoints
    name = select_flow(frozenset(creds))
    common: dict[str, Any] = {"post": post, "timeout": settings.request_timeout}
    if name == _ACCESS_TOKEN.name:
        if endpoints.is_generic:
            raise ConfigError(
                "domain must be the org's My Domain or instance URL when access_token is used "
                f"({endpoints.login_url} does not serve the REST API)"
            )
        return AccessTokenFlow(endpoints, access_token=creds["access_token"])
    if name == _JWT.name:
        return JwtBearerFlow(
            endpoints,
            client_id=creds["client_id"],
            username=creds["username"],
            private_key=creds["private_key"],
            private_key_passphrase=creds.get("private_key_passphrase"),
            **common,
        )
    client_id, client_secret = creds.get("client_id"), creds.get("client_secret")
    if name == _REFRESH.name:
        return RefreshTokenFlow(
            endpoints,
            refresh_token=creds["refresh_token"],
            client_id=client_id,
            client_secret=client_secret,
            **common,
        )
    if name == _PASSWORD.name:
        return PasswordFlow(
            endpoints,
            username=creds["username"],
            password=creds["password"],
            security_token=creds.get("security_token"),
            client_id=client_id,
            client_secret=client_secret,
            **common,
        )
    return ClientCredentialsFlow(
        endpoints, client_id=client_id, client_secret=client_secret, **common
    )

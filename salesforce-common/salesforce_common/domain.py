"""Turn the ``domain`` setting into the login and token endpoints."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from salesforce_common.errors import ConfigError

LOGIN_URL = "https://login.salesforce.com"
TEST_URL = "https://test.salesforce.com"
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path, not a password
SALESFORCE_SUFFIXES = ("salesforce.com", "force.com", "cloudforce.com")

_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_HINT = (
    "use login, test, a My Domain (acme.my), an instance host (acme.my.salesforce.com) "
    "or a full URL (https://acme.my.salesforce.com, http://127.0.0.1:8765)"
)


@dataclass(frozen=True)
class LoginEndpoints:
    """Where to log in.

    Attributes:
        login_url: Scheme, host and optional port; no trailing slash.
        token_url: The OAuth token endpoint under ``login_url``.
    """

    login_url: str
    token_url: str = field(init=False)

    def __post_init__(self) -> None:
        """Derive ``token_url`` from ``login_url``."""
        object.__setattr__(self, "token_url", self.login_url + TOKEN_PATH)

    @property
    def is_generic(self) -> bool:
        """Whether this is the shared login.salesforce.com / test.salesforce.com host."""
        return self.login_url in {LOGIN_URL, TEST_URL}


def _shown(value: str) -> str:
    """Quote a setting value in a message, unless it may carry credentials."""
    return "<hidden: contains '@'>" if "@" in value else repr(value)


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine (``localhost``, 127.0.0.0/8, ``::1``).

    Args:
        host: A host name or IP address.

    Returns:
        True for loopback.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    if _HOST.match(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_origin(value: str, setting: str = "domain") -> str:
    """Validate a URL with scheme and return its origin (``scheme://host[:port]``).

    Args:
        value: A URL such as ``https://acme.my.salesforce.com`` or ``http://127.0.0.1:8765/``.
        setting: Setting name to report in errors.

    Returns:
        The origin, lower-cased, without trailing slash.

    Raises:
        ConfigError: Unknown scheme, empty host, path/query/credentials in the URL, bad port,
            or ``http://`` to a host other than loopback.
    """
    bad = f"{setting} {_shown(value)} is not a valid URL"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{bad}: {_HINT}") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in {"http", "https"}:
        raise ConfigError(f"{bad}: the scheme must be https:// (or http:// for loopback)")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{setting} must not contain credentials; use the credential settings")
    if not host or not _valid_host(host):
        raise ConfigError(f"{bad}: missing or invalid host; {_HINT}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ConfigError(f"{bad}: give only scheme, host and port, without a path or query")
    if scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"{setting} {_shown(value)} uses http://, which is only allowed for loopback hosts "
            "(127.0.0.1, ::1, localhost); use https://"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def resolve_domain(domain: str | None) -> LoginEndpoints:
    """Resolve the ``domain`` setting.

    Args:
        domain: ``login`` (the default when None), ``test``, a My Domain (``acme.my``,
            ``acme--dev.sandbox.my``), a Salesforce host (``acme.my.salesforce.com``), or a
            full URL with scheme and optional port (``http://127.0.0.1:8765``).

    Returns:
        The login and token endpoints.

    Raises:
        ConfigError: The value is none of the above; the message names ``domain``.
    """
    if domain is None:
        return LoginEndpoints(LOGIN_URL)
    if not isinstance(domain, str):
        raise ConfigError(f"domain must be a string; {_HINT}")
    value = domain.strip()
    lowered = value.lower()
    if lowered == "login":
        return LoginEndpoints(LOGIN_URL)
    if lowered == "test":
        return LoginEndpoints(TEST_URL)
    if "://" in value:
        return LoginEndpoints(parse_origin(value))
    host = lowered.removesuffix("/")
    if not host or not _HOST.match(host):
        raise ConfigError(f"domain {_shown(value)} is not valid: {_HINT}")
    if "." in host and host.endswith(tuple("." + s for s in SALESFORCE_SUFFIXES)):
        return LoginEndpoints(f"https://{host}")
    if host.endswith(".my"):
        return LoginEndpoints(f"https://{host}.salesforce.com")
    raise ConfigError(f"domain {_shown(value)} is not a Salesforce host: {_HINT}")

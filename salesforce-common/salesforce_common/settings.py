"""Connection settings shared by the tap and the target, declared once.

Plugins merge :data:`CONNECTION_SETTINGS` into their own ``config_jsonschema``::

    config_jsonschema = th.PropertiesList(
        *CONNECTION_SETTINGS,
        th.Property("start_date", th.DateTimeType),
    ).to_dict()

``domain`` deliberately has no JSON-schema default: the SDK fills defaults into the config,
and a filled-in ``domain`` would then clash with a ``uri`` that carries its own domain.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from singer_sdk import typing as th

from salesforce_common.domain import LoginEndpoints, resolve_domain
from salesforce_common.errors import ConfigError

DEFAULT_API_VERSION = "64.0"
DEFAULT_REQUEST_TIMEOUT = 300.0
DEFAULT_MAX_RETRIES = 5

CONNECTION_SETTINGS = th.PropertiesList(
    th.Property(
        "domain",
        th.StringType,
        description=(
            "Where to log in: `login` (default, production), `test` (sandboxes), a My Domain "
            "(`acme.my`, `acme--dev.sandbox.my`), an instance host (`acme.my.salesforce.com`) or "
            "a full URL with scheme and optional port (`https://acme.my.salesforce.com`, "
            "`http://127.0.0.1:8765`; `http://` only for loopback)."
        ),
        examples=["login", "test", "acme.my", "http://127.0.0.1:8765"],
    ),
    th.Property(
        "access_token",
        th.StringType,
        secret=True,
        description=(
            "An OAuth access token, used as is (with `domain` set to the org's My Domain or "
            "instance URL). It cannot be refreshed: when it expires the run fails."
        ),
    ),
    th.Property(
        "username",
        th.StringType,
        description="Salesforce username, for the username/password and JWT bearer flows.",
    ),
    th.Property(
        "password",
        th.StringType,
        secret=True,
        description="Password for the username/password flow.",
    ),
    th.Property(
        "security_token",
        th.StringType,
        secret=True,
        description=(
            "Security token, appended to `password` in the username/password flow "
            "(not needed from trusted IP ranges)."
        ),
    ),
    th.Property(
        "client_id",
        th.StringType,
        description=(
            "Connected app consumer key. With `client_secret` alone it selects the client "
            "credentials flow (needs a My Domain `domain`); also used by the password, "
            "refresh token and JWT bearer flows."
        ),
    ),
    th.Property(
        "client_secret",
        th.StringType,
        secret=True,
        description="Connected app consumer secret.",
    ),
    th.Property(
        "refresh_token",
        th.StringType,
        secret=True,
        description="OAuth refresh token; selects the refresh token flow (with `client_id`).",
    ),
    th.Property(
        "private_key",
        th.StringType,
        secret=True,
        description=(
            "PEM text of the RSA private key whose certificate is on the connected app; "
            "selects the JWT bearer flow (with `client_id` and `username`)."
        ),
    ),
    th.Property(
        "private_key_passphrase",
        th.StringType,
        secret=True,
        description="Passphrase of `private_key`, when the key is encrypted.",
    ),
    th.Property(
        "uri",
        th.StringType,
        secret=True,
        description=(
            "Alternative to the settings above: one ingestr-style URI such as "
            "`salesforce://?username=...&password=...&token=...&domain=...`, "
            "`salesforce://?access_token=...&domain=...` or "
            "`salesforce://?client_id=...&client_secret=...&domain=...` (values URL-encoded)."
        ),
    ),
    th.Property(
        "api_version",
        th.StringType,
        default=DEFAULT_API_VERSION,
        description="Salesforce REST API version, such as `64.0`.",
    ),
    th.Property(
        "request_timeout",
        th.NumberType,
        default=DEFAULT_REQUEST_TIMEOUT,
        description="Seconds to wait for a response before retrying (connect timeout: 30 s).",
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=DEFAULT_MAX_RETRIES,
        description=(
            "Retries (with exponential backoff) after a network error, 5xx, 406/420/429 or "
            "UNABLE_TO_LOCK_ROW. 0 disables retries."
        ),
    ),
)
"""The connection settings, as one ``singer_sdk.typing.PropertiesList``."""

CREDENTIAL_SETTINGS = (
    "access_token",
    "username",
    "password",
    "security_token",
    "client_id",
    "client_secret",
    "refresh_token",
    "private_key",
    "private_key_passphrase",
)
"""Settings that choose and feed the auth flow."""

SECRET_SETTINGS = frozenset(p.name for p in CONNECTION_SETTINGS if p.secret)
"""Settings whose values must never be logged or shown."""

URI_SETTINGS = ("domain", *CREDENTIAL_SETTINGS)
"""Settings a ``uri`` can fill; giving one of them as well as ``uri`` is an error."""

_URI_ALIASES = {"token": "security_token"}
_URI_PARAMETERS = frozenset(URI_SETTINGS) | frozenset(_URI_ALIASES)
_API_VERSION = re.compile(r"^v?(\d{2,3})(?:\.(\d))?$")


def parse_uri(uri: str) -> dict[str, str]:
    """Parse an ingestr-style ``salesforce://?...`` URI into settings.

    ingestr calls the security token ``token``; it becomes ``security_token``. Values are
    URL-decoded; empty values are dropped.

    Args:
        uri: The URI.

    Returns:
        Setting name to value.

    Raises:
        ConfigError: Wrong scheme, a host or path, an unknown or repeated parameter. The
            message names parameters, never values.
    """
    try:
        parts = urlsplit(uri.strip())
    except ValueError as exc:
        raise ConfigError("uri is not a valid URI; expected salesforce://?key=value&...") from exc
    if parts.scheme.lower() != "salesforce":
        raise ConfigError("uri must start with salesforce://? (ingestr form)")
    if parts.netloc or parts.path not in {"", "/"} or parts.fragment:
        raise ConfigError(
            "uri must carry everything in its query string, e.g. "
            "salesforce://?username=...&password=...&token=...&domain=..."
        )
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    unknown = sorted({k for k, _ in pairs if k not in _URI_PARAMETERS})
    if unknown:
        raise ConfigError(
            f"uri has unknown parameter(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_URI_PARAMETERS))}"
        )
    result: dict[str, str] = {}
    for key, value in pairs:
        name = _URI_ALIASES.get(key, key)
        if name in result:
            raise ConfigError(f"uri gives {name} more than once")
        if value.strip():
            result[name] = value
    return result


def _present(value: Any) -> bool:
    return value is not None and value != ""


def normalize_api_version(value: Any) -> str:
    """Normalize ``api_version`` (``64``, ``64.0``, ``v64.0``) to ``"64.0"``.

    Args:
        value: The setting value.

    Returns:
        The version as ``NN.N``.

    Raises:
        ConfigError: Not a version number.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{value:.1f}"
    match = _API_VERSION.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f"api_version {value!r} is not a version such as {DEFAULT_API_VERSION}")
    return f"{match.group(1)}.{match.group(2) or '0'}"


def _number(config: Mapping[str, Any], name: str, default: float) -> float:
    value: Any = config.get(name)
    if not _present(value):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}") from exc
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
    return number


def _count(config: Mapping[str, Any], name: str, default: int) -> int:
    value: Any = config.get(name)
    if not _present(value):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc
    if isinstance(value, bool) or number != float(value) or number < 0:
        raise ConfigError(f"{name} must be a whole number >= 0, got {value!r}")
    return number


@dataclass(frozen=True)
class ConnectionSettings:
    """Validated connection settings (after ``uri`` expansion).

    Attributes:
        endpoints: Login and token endpoints from ``domain``.
        api_version: ``NN.N``.
        request_timeout: Read timeout in seconds.
        max_retries: Retries after the first attempt.
        credentials: Credential settings that are present (name to value); never printed.
    """

    endpoints: LoginEndpoints
    api_version: str = DEFAULT_API_VERSION
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def secret_values(self) -> list[str]:
        """Values of the secret settings present, longest first (for redaction)."""
        values = {v for k, v in self.credentials.items() if k in SECRET_SETTINGS}
        return sorted(values, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Replace every secret value in ``text`` with ``***``.

        Args:
            text: Any text about to be logged or raised.

        Returns:
            The text without secrets.
        """
        for secret in self.secret_values:
            if len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


def load_settings(config: Mapping[str, Any]) -> ConnectionSettings:
    """Validate the connection settings of a plugin config (other keys are ignored).

    Args:
        config: The plugin config.

    Returns:
        The validated settings. The auth flow is checked separately, by
        :func:`salesforce_common.auth.select_flow`.

    Raises:
        ConfigError: A malformed setting, or ``uri`` alongside settings it also fills.
    """
    values: dict[str, Any] = {k: config[k] for k in URI_SETTINGS if _present(config.get(k))}
    uri = config.get("uri")
    if _present(uri):
        if not isinstance(uri, str):
            raise ConfigError("uri must be a string")
        clash = [k for k in URI_SETTINGS if k in values]
        if clash:
            raise ConfigError(
                f"uri cannot be combined with {', '.join(clash)}: give the connection either "
                "as uri or as separate settings"
            )
        values = dict(parse_uri(uri))
    for name, value in values.items():
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string")
    credentials = {k: values[k] for k in CREDENTIAL_SETTINGS if k in values}
    api_version = config.get("api_version")
    return ConnectionSettings(
        endpoints=resolve_domain(values.get("domain")),
        api_version=(
            normalize_api_version(api_version) if _present(api_version) else DEFAULT_API_VERSION
        ),
        request_timeout=_number(config, "request_timeout", DEFAULT_REQUEST_TIMEOUT),
        max_retries=_count(config, "max_retries", DEFAULT_MAX_RETRIES),
        credentials=credentials,
    )

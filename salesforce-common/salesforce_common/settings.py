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

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
from singer_sdk import typing as th

from salesforce_common.domain import LoginEndpoints, resolve_domain
from salesforce_common.errors import ConfigError
from salesforce_common.redaction import redact

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
        th.NumberType(exclusive_minimum=0),
        default=DEFAULT_REQUEST_TIMEOUT,
        description="Seconds to wait for a response before retrying (connect timeout: 30 s).",
    ),
    th.Property(
        "max_retries",
        th.IntegerType(minimum=0),
        default=DEFAULT_MAX_RETRIES,
        description=(
            "Retries (with exponential backoff) after a network error, 5xx, 406/420/429 or "
            "UNABLE_TO_LOCK_ROW. 0 disables retries."
        ),
    ),
)
"""The connection settings, as one ``singer_sdk.typing.PropertiesList``."""

QUOTA_SETTINGS = th.PropertiesList(
    th.Property(
        "max_api_usage_percent",
        th.NumberType(exclusive_minimum=0, maximum=100),
        description=(
            "Stop cleanly (exit status 1) before the org's daily API usage, read from `limits` "
            "at start and from `Sforce-Limit-Info` on every response, would exceed this "
            "percentage. Everything emitted or written before the stop is covered by the last "
            "STATE, so a re-run with it resumes. Unset: no limit."
        ),
        examples=[80],
    ),
    th.Property(
        "max_api_calls",
        th.IntegerType(minimum=0),
        description=(
            "Stop cleanly (exit status 1) before this run would make more API calls; a re-run "
            "with the last STATE resumes. Unset: no limit."
        ),
    ),
    th.Property(
        "max_api_share_percent",
        th.NumberType(exclusive_minimum=0, maximum=100),
        description=(
            "This run's share of the org's daily API allowance, for runs that share one org "
            "(parallel stream groups): stop cleanly (exit status 1) before this run would make "
            "more API calls than this percentage of the allowance (`Sforce-Limit-Info`'s "
            "`api-usage=USED/MAX`, known from the first response on). A re-run with the last "
            "STATE resumes. Unset: no limit."
        ),
        examples=[60],
    ),
)
"""The API-quota guard settings, shared by both plugins (see :class:`limits.QuotaGuard`)."""

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


def validate_settings(properties: th.PropertiesList, config: Mapping[str, Any]) -> None:
    """Check the settings ``properties`` declares against their JSON schema (types, bounds).

    The constraints live once, in the schema the plugins publish as ``config_jsonschema``;
    this applies them where the library is used without a plugin's own validation.

    Args:
        properties: Declared settings (other keys of ``config`` are ignored).
        config: The values.

    Raises:
        ConfigError: One line naming the first invalid setting and what it must be; the
            value is quoted only for non-secret settings.
    """
    schema = properties.to_dict()
    names = set(schema["properties"])
    values = {k: v for k, v in config.items() if k in names and v is not None}
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(values)
    )
    if error is None:
        return
    name = str(error.path[0]) if error.path else "config"
    rule = _RULES.get(str(error.validator), f"must satisfy {error.validator}")
    bound = error.validator_value if error.validator in _BOUNDED else ""
    if error.validator == "type":
        kinds = [bound] if isinstance(bound, str) else [k for k in bound if k != "null"]
        bound = " or ".join(kinds)
    shown = "" if name in SECRET_SETTINGS else f", got {error.instance!r}"
    raise ConfigError(f"{name} {rule}{' ' if bound != '' else ''}{bound}{shown}")


_BOUNDED = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "type"})
_RULES = {
    "type": "must be of type",
    "minimum": "must be >=",
    "maximum": "must be <=",
    "exclusiveMinimum": "must be >",
    "exclusiveMaximum": "must be <",
    "enum": "must be one of the allowed values",
    "pattern": "does not have the expected form",
}


def _coerce_numbers(config: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Numeric settings given as text (``"12.5"``, from environment variables) as numbers."""
    result = dict(config)
    for name in names:
        value = result.get(name)
        if isinstance(value, str) and value.strip():
            with contextlib.suppress(ValueError):
                number = float(value)
                result[name] = int(number) if number.is_integer() and "." not in value else number
    return result


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
        """Values of the secret settings present (for redaction)."""
        return [v for k, v in self.credentials.items() if k in SECRET_SETTINGS]

    def redact(self, text: str) -> str:
        """Replace every secret value in ``text`` (raw or encoded) with ``***``.

        Args:
            text: Any text about to be logged or raised.

        Returns:
            The text without secrets.
        """
        return redact(text, self.secret_values)


_NUMERIC_SETTINGS = frozenset({"request_timeout", "max_retries"})


def _given(config: Mapping[str, Any], name: str, default: float) -> Any:
    value = config.get(name)
    return value if _present(value) else default


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
    numbers = _coerce_numbers(config, ("request_timeout", "max_retries"))
    validate_settings(
        th.PropertiesList(*(p for p in CONNECTION_SETTINGS if p.name in _NUMERIC_SETTINGS)),
        numbers,
    )
    api_version = config.get("api_version")
    return ConnectionSettings(
        endpoints=resolve_domain(values.get("domain")),
        api_version=(
            normalize_api_version(api_version) if _present(api_version) else DEFAULT_API_VERSION
        ),
        request_timeout=float(_given(numbers, "request_timeout", DEFAULT_REQUEST_TIMEOUT)),
        max_retries=int(_given(numbers, "max_retries", DEFAULT_MAX_RETRIES)),
        credentials=credentials,
    )

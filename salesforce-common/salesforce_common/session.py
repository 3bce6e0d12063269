"""One HTTP session to a Salesforce org: auth, URLs, timeouts, retries, usage and errors."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import backoff
import msgspec
import requests
import urllib3

from salesforce_common.auth import AuthFlow, build_flow
from salesforce_common.bodies import ACCEPT_GZIP, BODY_ERRORS, TruncatedBodyError, complete_body
from salesforce_common.domain import is_loopback
from salesforce_common.errors import (
    ConfigError,
    ForeignHostError,
    NotFoundError,
    SalesforceError,
    SessionExpiredError,
    TransientError,
    error_from_response,
)
from salesforce_common.limits import LIMIT_INFO_HEADER, ApiUsage, QuotaGuard, parse_limit_info
from salesforce_common.redaction import Secrets, install_log_redaction
from salesforce_common.settings import load_settings

if TYPE_CHECKING:
    from types import TracebackType

    from backoff.types import Details

logger = logging.getLogger("salesforce_common")

CONNECT_TIMEOUT = 30.0
"""Connect timeout in seconds (capped by ``request_timeout``)."""

NETWORK_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
"""Network failures that are retried."""


UNREACHABLE_TRIES = 3
"""Attempts (the first and two quick retries) at a non-loopback host that does not resolve or
refuses the connection: such a host is misconfigured, not busy."""


def _host_port(url: str) -> str:
    """``host:port`` of a URL (the scheme's default port when none is given)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it wraps (``__cause__``/``__context__``/``reason``/args)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(
            e
            for e in (
                current.__cause__,
                current.__context__,
                getattr(current, "reason", None),
                *current.args,
            )
            if isinstance(e, BaseException)
        )


def unreachable_reason(exc: BaseException) -> str | None:
    """Why a host cannot be reached at all: a name that does not resolve, a refused port.

    Args:
        exc: A network error.

    Returns:
        ``"does not resolve"``, ``"refused the connection"``, or None for other failures.
    """
    for cause in _causes(exc):
        if isinstance(cause, urllib3.exceptions.NameResolutionError | socket.gaierror):
            return "does not resolve"
        if isinstance(cause, ConnectionRefusedError):
            return "refused the connection"
    return None


def _network_message(exc: BaseException, url: str) -> str:
    """Describe a network error with the host and port, without the path or query."""
    where = _host_port(url)
    if isinstance(exc, requests.Timeout):
        return f"request to {where} timed out ({type(exc).__name__})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"connection to {where} broken while reading the response (ChunkedEncodingError)"
    reason = unreachable_reason(exc)
    if reason is not None:
        return f"{where} {reason}: check the domain setting and the network"
    return f"connection to {where} failed ({type(exc).__name__})"


INCOMPLETE_BODY_ERRORS: tuple[type[Exception], ...] = (*BODY_ERRORS, TruncatedBodyError, ValueError)
"""A body that broke off, was cut short, or does not decode as one JSON document."""
BODY_ATTEMPTS = 5
"""Requests of one JSON resource whose body arrives incomplete, before the read fails."""


_DECODERS: dict[Callable[[str], Any] | None, msgspec.json.Decoder[Any]] = {}


def decode_json(body: bytes | str, parse_float: Callable[[str], Any] | None = None) -> Any:
    """Decode one JSON document with msgspec (several times faster than ``json.loads``).

    Args:
        body: The document.
        parse_float: Decoder of numbers with a fraction or exponent, given their text (e.g.
            ``decimal.Decimal``, to keep them exact); None: ``float``.

    Returns:
        The decoded value.

    Raises:
        msgspec.DecodeError: Not one complete JSON document (a ``ValueError``).
    """
    decoder = _DECODERS.get(parse_float)
    if decoder is None:
        decoder = _DECODERS[parse_float] = msgspec.json.Decoder(float_hook=parse_float)
    return decoder.decode(body)


def _incomplete_reason(exc: Exception) -> str:
    """What was wrong with a body, in a few words."""
    if isinstance(exc, TruncatedBodyError):
        return exc.message
    if isinstance(exc, json.JSONDecodeError):
        return f"not complete JSON: {exc.msg} at byte {exc.pos}"
    if isinstance(exc, msgspec.DecodeError):
        return f"not complete JSON: {exc}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"the connection broke off ({type(exc).__name__})"


class SalesforceSession:
    """A logged-in ``requests.Session`` for one org, shared by the tap and the target.

    Logs in lazily on the first request. Relative paths are resolved under
    ``{instance_url}/services/data/v{api_version}/``; paths starting with ``/services/``
    (such as ``nextRecordsUrl``) under ``instance_url``.

    Attributes:
        settings: The validated connection settings.
        flow: The auth flow (also a requests auth object / singer-sdk authenticator).
        http: The underlying ``requests.Session``.
        api_usage: Latest ``Sforce-Limit-Info`` api-usage, None until a response reports it.
        calls: API requests sent by this session (each retry counts; logins do not).
        logins: Token requests sent.
        guard: The quota guard, checked before every API request.
        secrets: The secret settings and the access tokens seen, for :meth:`redact`.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        max_api_usage_percent: float | None = None,
        max_api_calls: int | None = None,
        max_api_share_percent: float | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        http: requests.Session | None = None,
    ) -> None:
        """Validate the settings and choose the auth flow; sends nothing.

        Args:
            config: Plugin config holding the connection settings (other keys are ignored).
            max_api_usage_percent: Stop before the org's daily usage would exceed this
                percentage (None: off).
            max_api_calls: Stop before this session would make more API calls (None: off).
            max_api_share_percent: Stop before this session would make more API calls than
                this percentage of the org's daily allowance (None: off).
            backoff_base: First retry wait in seconds (doubles each time, full jitter).
            backoff_max: Longest retry wait in seconds.
            http: A ``requests.Session`` to use instead of a new one.

        Raises:
            ConfigError: Invalid, missing or conflicting settings.
        """
        self.settings = load_settings(config)
        self.secrets = Secrets(self.settings.secret_values)
        install_log_redaction(self.secrets, [logger])
        self.guard = QuotaGuard(max_api_usage_percent, max_api_calls, max_api_share_percent)
        self.http = http or requests.Session()
        self.flow: AuthFlow = build_flow(self.settings, post=self._post_token)
        self.api_usage: ApiUsage | None = None
        self.calls = 0
        self.logins = 0
        self._count_lock = threading.Lock()
        read = self.settings.request_timeout
        self._timeout = (min(CONNECT_TIMEOUT, read), read)
        self._max_tries = self.settings.max_retries + 1
        self._version_checked = False
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max

    # -- public API --------------------------------------------------------------------

    @property
    def api_version(self) -> str:
        """The REST API version, ``NN.N``."""
        return self.settings.api_version

    @property
    def instance_url(self) -> str:
        """The org's instance URL (logs in if needed)."""
        self._login()
        assert self.flow.instance_url is not None  # set by every successful login
        return self.flow.instance_url

    @property
    def base_url(self) -> str:
        """``{instance_url}/services/data/v{api_version}`` (logs in if needed)."""
        return f"{self.instance_url}/services/data/v{self.api_version}"

    def redact(self, text: str) -> str:
        """Scrub the secret settings and the session's current access token from ``text``.

        Args:
            text: Any text about to be logged or raised.

        Returns:
            The text without secrets (raw, URL-encoded or JSON-escaped).
        """
        self.secrets.add(self.flow.access_token)
        return self.secrets.redact(text)

    def check_quota(self) -> None:
        """Raise ApiQuotaGuardError if the next API call would cross a configured limit."""
        self.guard.check(calls=self.calls, usage=self.api_usage)

    def request(
        self, method: str, path: str, *, retry: bool = True, **kwargs: Any
    ) -> requests.Response:
        """Send an API request and return the 2xx response.

        Args:
            method: HTTP method.
            path: Relative to the versioned data URL (``query``), absolute under the instance
                (``/services/...``), or a full URL on the instance.
            retry: Retry transient failures. Pass False for non-idempotent writes where a
                repeated request could apply twice.
            **kwargs: Passed to ``requests.Session.request`` (``params``, ``json``, ...).

        Returns:
            The response.

        Raises:
            SalesforceError: A typed subclass for any failure (see ``errors``).
        """
        with self._redacted_errors():
            return self._request(method.upper(), path, retry=retry, **kwargs)

    def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        parse_float: Callable[[str], Any] | None = None,
    ) -> Any:
        """GET a resource and decode its JSON body, checked complete (see :meth:`read_json`).

        Args:
            path: As for :meth:`request`.
            params: Query parameters.
            parse_float: Decoder of JSON numbers with a fraction (e.g. ``decimal.Decimal``).

        Returns:
            The decoded JSON.
        """
        return self.read_json("GET", path, params=params, parse_float=parse_float)[1]

    def read_json(
        self,
        method: str,
        path: str,
        *,
        parse_float: Callable[[str], Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[requests.Response, Any]:
        """Send a read and decode its JSON body, requesting it again while it arrives cut short.

        The body is requested gzip and read whole by :func:`~.bodies.complete_body` (gzip
        trailer and ``Content-Length`` checked), then decoded; a body that breaks off, is cut
        short or is not one complete JSON document is requested again (a read may be
        repeated, e.g. a ``nextRecordsUrl`` page), :data:`BODY_ATTEMPTS` times at most. Never
        use it for a write: a write whose answer was cut has an unknown outcome.

        Args:
            method: ``GET``, or ``POST`` for a read such as ``composite/batch``.
            path: As for :meth:`request`.
            parse_float: Decoder of JSON numbers with a fraction.
            headers: Extra request headers.
            **kwargs: Passed to :meth:`request` (``params``, ``json``, ``data``).

        Returns:
            The response (its body consumed) and the decoded JSON.

        Raises:
            TransientError: The body arrived incomplete :data:`BODY_ATTEMPTS` times in a row.
        """
        for attempt in range(1, BODY_ATTEMPTS + 1):
            response = self.request(
                method, path, headers={**(headers or {}), **ACCEPT_GZIP}, stream=True, **kwargs
            )
            try:
                return response, decode_json(complete_body(response), parse_float)
            except INCOMPLETE_BODY_ERRORS as exc:
                where = urlsplit(response.url or path).path
                reason = _incomplete_reason(exc)
                if attempt >= BODY_ATTEMPTS:
                    raise TransientError(
                        f"{method.upper()} {where}: the response body arrived incomplete "
                        f"{attempt} times in a row (last: {reason}); re-run to try again"
                    ) from None
                logger.warning(
                    "%s %s: the response body arrived incomplete (%s); requesting it again "
                    "(attempt %d of %d)",
                    method.upper(),
                    where,
                    reason,
                    attempt + 1,
                    BODY_ATTEMPTS,
                )
        raise AssertionError  # pragma: no cover (the loop returns or raises)

    def refresh_api_usage(self) -> ApiUsage | None:
        """Read the org's daily API usage from ``GET limits`` (one API call).

        ``Sforce-Limit-Info`` reports usage on every response; reading ``limits`` first lets
        the quota guard judge the very first call of a run too.

        Returns:
            The usage (also kept in :attr:`api_usage`), or None if ``limits`` has no
            ``DailyApiRequests``.
        """
        daily = (self.get_json("limits") or {}).get("DailyApiRequests") or {}
        try:
            maximum, remaining = int(daily["Max"]), int(daily["Remaining"])
        except (KeyError, TypeError, ValueError):
            return self.api_usage
        usage = ApiUsage(max(maximum - remaining, 0), maximum)
        if self.api_usage is None or usage.used >= self.api_usage.used:
            self.api_usage = usage
        return self.api_usage

    def iter_query(self, soql: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Run a SOQL query and yield its records, following ``nextRecordsUrl``.

        Args:
            soql: The query.
            include_deleted: Use ``queryAll`` (deleted and archived rows too).

        Yields:
            Records as Salesforce returns them (with ``attributes``).
        """
        page = self.get_json("queryAll" if include_deleted else "query", params={"q": soql})
        while True:
            yield from page.get("records") or []
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self.get_json(next_url)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def __enter__(self) -> SalesforceSession:
        """Use as a context manager."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session."""
        self.close()

    # -- internals ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _redacted_errors(self) -> Iterator[None]:
        """Scrub secret values from errors (in case a server echoes one back)."""
        try:
            yield
        except SalesforceError as exc:
            exc.message = self.redact(exc.message)
            exc.args = (exc.message,)
            raise

    def _login(self) -> None:
        if self.flow.access_token is None or self.flow.instance_url is None:
            with self._redacted_errors():
                self.flow.login()

    def _url(self, path: str) -> str:
        instance = self.instance_url
        if path.startswith(("http://", "https://")):
            target, own = urlsplit(path), urlsplit(instance)
            if (target.scheme, target.netloc.lower()) != (own.scheme, own.netloc.lower()):
                raise ForeignHostError(
                    f"refusing to send the Salesforce session to {_host_port(path)}, a host "
                    f"other than the instance {_host_port(instance)} (a URL Salesforce "
                    f"returned, path {target.path})"
                )
            return path
        if path.startswith("/services/"):
            return instance + path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _request(self, method: str, path: str, *, retry: bool, **kwargs: Any) -> requests.Response:
        relogged = False
        while True:
            url = self._url(path)
            response = self._send(method, url, api_call=True, retry=retry, **kwargs)
            if response.ok:
                return response
            url_path = urlsplit(url).path
            error = error_from_response(response, method=method, path=url_path)
            if isinstance(error, NotFoundError):
                self._check_api_version(url_path)
            if not isinstance(error, SessionExpiredError):
                raise error
            if not self.flow.refreshable:
                try:
                    self.flow.relogin()
                except SessionExpiredError as expired:
                    expired.method, expired.path = method, url_path
                    raise
            if relogged:
                error.message += f"; still rejected right after a new login ({self.flow.flow_name})"
                raise error
            logger.info("Salesforce session expired; logging in again (%s)", self.flow.flow_name)
            self.flow.relogin()
            relogged = True

    def _check_api_version(self, url_path: str) -> None:
        """After a 404 under ``/services/data/vNN.N/``, fail clearly if the org lacks NN.N.

        Asks ``GET /services/data/`` (the versions the org offers) once per session.

        Raises:
            ConfigError: ``api_version`` is not offered; names the org's newest version.
        """
        if self._version_checked or not url_path.startswith(f"/services/data/v{self.api_version}/"):
            return
        self._version_checked = True
        try:
            offered = [str(v.get("version")) for v in self.get_json("/services/data/")]
        except (SalesforceError, ValueError, AttributeError, TypeError):
            return
        if offered and self.api_version not in offered:
            newest = max(offered, key=lambda v: tuple(int(x) for x in v.split(".")))
            raise ConfigError(
                f"api_version {self.api_version} is not offered by this org (its newest is "
                f"{newest}): set api_version to {newest} or lower"
            )

    def _post_token(self, url: str, form: Mapping[str, Any]) -> requests.Response:
        self.logins += 1
        return self._send("POST", url, api_call=False, retry=True, data=dict(form))

    def _send(
        self, method: str, url: str, *, api_call: bool, retry: bool, **kwargs: Any
    ) -> requests.Response:
        attempts = [0]

        def send_once(*args: Any, **kw: Any) -> requests.Response:
            attempts[0] += 1
            return self._send_once(*args, **kw)

        def unreachable(exc: Exception) -> bool:
            """Stop early at a non-loopback host that does not resolve or refuses."""
            return (
                attempts[0] >= UNREACHABLE_TRIES
                and unreachable_reason(exc) is not None
                and not is_loopback(urlsplit(url).hostname or "")
            )

        send = self._retrying(send_once, unreachable) if retry else send_once
        try:
            return send(method, url, api_call=api_call, **kwargs)
        except NETWORK_ERRORS as exc:
            raise TransientError(
                f"{_network_message(exc, url)}; gave up after {attempts[0]} attempt(s)",
                method=method,
                path=urlsplit(url).path,
            ) from exc

    def _send_once(
        self, method: str, url: str, *, api_call: bool, **kwargs: Any
    ) -> requests.Response:
        if api_call:
            with self._count_lock:  # Bulk page downloads call from several threads
                self.check_quota()
                self.calls += 1
            self.secrets.add(self.flow.access_token)
        path = urlsplit(url).path
        logger.debug("%s %s", method, path)
        response = self.http.request(
            method,
            url,
            timeout=self._timeout,
            auth=self.flow if api_call else None,
            **kwargs,
        )
        usage = parse_limit_info(response.headers.get(LIMIT_INFO_HEADER))
        if usage is not None:
            self.api_usage = usage
        if not response.ok:
            error = error_from_response(response, method=method, path=path)
            if isinstance(error, TransientError):
                raise error
        return response

    def _retrying(
        self,
        send: Callable[..., requests.Response],
        giveup: Callable[[Exception], bool],
    ) -> Callable[..., requests.Response]:
        """``send`` retried with backoff on transient errors and network failures."""
        retrying: Callable[..., requests.Response] = backoff.on_exception(
            backoff.expo,
            (TransientError, *NETWORK_ERRORS),
            max_tries=self._max_tries,
            giveup=giveup,
            jitter=backoff.full_jitter,
            on_backoff=self._log_backoff,
            logger=None,
            factor=self._backoff_base,
            max_value=self._backoff_max,
        )(send)
        return retrying

    def _log_backoff(self, details: Details) -> None:
        method, url = details["args"][0], details["args"][1]
        exc = details.get("exception")
        reason = (
            self.redact(str(exc))
            if isinstance(exc, SalesforceError)
            else _network_message(exc if isinstance(exc, BaseException) else Exception(), url)
        )
        logger.warning(
            "Retrying %s %s in %.1fs (attempt %d of %d failed): %s",
            method,
            urlsplit(url).path,
            details.get("wait", 0.0),
            details["tries"],
            self._max_tries,
            reason,
        )

"""The WSGI application and a threaded loopback server (in-process for tests, or from the CLI)."""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import struct
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from salesforce_common.api_limits import MAX_URI_BYTES
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from salesforce_emulator import responses
from salesforce_emulator.content_coding import (
    COMPRESSIBLE,
    GZIP_CODINGS,
    accepts_gzip,
    gunzip,
    gzip_bytes,
    gzip_prefix,
)
from salesforce_emulator.exceptions import OAuthError, SalesforceApiError
from salesforce_emulator.faults import (
    AFTER_HANDLING,
    BEFORE_HANDLING,
    FaultRule,
    cut_offset,
    echo_text,
)
from salesforce_emulator.models.auth import Session
from salesforce_emulator.models.org import Org
from salesforce_emulator.models.records import RecordError
from salesforce_emulator.responses import Ctx, error_response, oauth_error_response
from salesforce_emulator.urls import Endpoint, build_map

log = logging.getLogger("salesforce_emulator")

SERVICE_UNAVAILABLE_HTML = (
    "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1>"
    "<p>The server is temporarily unable to service your request. Please try again later.</p>"
    "</body></html>"
)


class EmulatorApp:
    """Routes requests, applies faults, checks the bearer token, counts calls, adds headers."""

    def __init__(self, org: Org, base_url: str = "http://127.0.0.1") -> None:
        """Serve ``org``; ``base_url`` is where clients reach it (instance URL, audiences)."""
        self.org = org
        self.base_url = base_url
        self.url_map = build_map()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI entry point."""
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Answer one request from outside (faults, counting and content coding apply)."""
        too_large = _oversized_head(request)
        if too_large is not None:
            return too_large
        try:
            request = _decoded(request)
        except ValueError as exc:
            return self._routing_error(
                request, SalesforceApiError(400, "UNKNOWN_EXCEPTION", str(exc))
            )
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except NotFound:
            return self._routing_error(
                request,
                SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist"),
            )
        except MethodNotAllowed as exc:
            allowed = ",".join(sorted(exc.valid_methods or []))
            return self._routing_error(
                request,
                SalesforceApiError(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
                ),
            )
        except HTTPException as exc:
            return self._routing_error(
                request, SalesforceApiError(exc.code or 400, "NOT_FOUND", str(exc.description))
            )
        fault = None
        if not endpoint.admin:
            fault = self.org.faults.pick(endpoint.name, request.method, request.path)
        if fault is not None and fault.kind in BEFORE_HANDLING:
            early = self._fault_before(fault, request, endpoint)
            if early is not None:
                return early if fault.kind == "drop" else _encoded(request, early)
        record_error = None
        if fault is not None and fault.kind == "record_error":
            record_error = RecordError(*fault.record_failure())
        response = self._run(request, endpoint, args, record_error)
        if fault is not None and fault.kind in AFTER_HANDLING:
            return self._fault_after(fault, request, response)
        return _encoded(request, response)

    def _routing_error(self, request: Request, error: SalesforceApiError) -> Response:
        response = error_response(error)
        if request.path.startswith("/services/data"):
            with self.org.lock:
                response.headers["Sforce-Limit-Info"] = self.org.limit_info()
        return _encoded(request, response)

    def _fault_before(
        self, fault: FaultRule, request: Request, endpoint: Endpoint
    ) -> Response | None:
        """Apply a rule that acts before handling; a response means the call is not handled."""
        if fault.kind == "latency":
            time.sleep(fault.delay)
            return None
        if fault.kind == "expire_session":
            with self.org.lock:
                self.org.auth.expire_all()
            return None
        if fault.kind == "drop":
            return _reset_connection(request)
        if fault.kind == "echo":
            return self._echo(fault, request, endpoint)
        if fault.html:
            return Response(
                SERVICE_UNAVAILABLE_HTML, status=fault.http_status, mimetype="text/html"
            )
        error_code = fault.error_code or (
            "SERVER_UNAVAILABLE" if fault.http_status >= 500 else "UNKNOWN_EXCEPTION"
        )
        message = fault.message or f"Injected fault {error_code}"
        response = error_response(SalesforceApiError(fault.http_status, error_code, message))
        with self.org.lock:
            response.headers["Sforce-Limit-Info"] = self.org.limit_info()
        return response

    def _echo(self, fault: FaultRule, request: Request, endpoint: Endpoint) -> Response:
        """An error whose message repeats the request verbatim, secrets and all."""
        target = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
        if not target:
            query = request.query_string.decode("latin-1")
            target = request.path + (f"?{query}" if query else "")
        text = echo_text(request.method, str(target), request.headers.items(), request.get_data())
        if endpoint.handler is responses.token:
            return oauth_error_response(
                OAuthError((fault.error_code or "unknown_error").lower(), text, fault.http_status)
            )
        error = SalesforceApiError(fault.http_status, fault.error_code or "UNKNOWN_EXCEPTION", text)
        response = error_response(error)
        if request.path.startswith("/services/data"):
            with self.org.lock:
                response.headers["Sforce-Limit-Info"] = self.org.limit_info()
        return response

    def _fault_after(self, fault: FaultRule, request: Request, response: Response) -> Response:
        """Apply a rule that acts once the call is handled (its writes committed)."""
        if fault.kind == "latency_after":
            time.sleep(fault.delay)
            return _encoded(request, response)
        if fault.kind == "drop_after":
            return _reset_connection(request)
        return _truncated(request, response, fault)

    def _run(
        self,
        request: Request,
        endpoint: Endpoint,
        args: Mapping[str, Any],
        record_error: RecordError | None = None,
    ) -> Response:
        ctx = Ctx(
            self.org,
            request,
            self.base_url,
            api_version=args.get("version", ""),
            dispatch=self.dispatch_internal,
            record_error=record_error,
        )
        admin = endpoint.admin
        counted = endpoint.counted and request.path.startswith("/services/data/v")
        with self.org.lock, self.org.writer.failing(record_error):
            try:
                if endpoint.authenticated:
                    ctx.session = self.org.auth.check_bearer(request.headers.get("Authorization"))
                if counted:
                    self.org.count_call(endpoint.name)
                response = endpoint.handler(ctx, **args)
            except SalesforceApiError as exc:
                response = error_response(exc)
            except (KeyError, TypeError, ValueError) as exc:
                if not admin:
                    log.exception("emulator error on %s %s", request.method, request.path)
                response = error_response(
                    SalesforceApiError(
                        400 if admin else 500, "UNKNOWN_EXCEPTION", f"{type(exc).__name__}: {exc}"
                    )
                )
            if request.path.startswith("/services/data"):
                response.headers["Sforce-Limit-Info"] = self.org.limit_info()
        return response

    def dispatch_internal(self, request: Request, session: Session | None) -> Response:
        """Answer a composite sub-request in the caller's ``session``.

        No faults apply, no extra call is counted and the session is not used up
        (``token_ttl_calls``) by it; the caller already holds the org lock.
        """
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException:
            return error_response(
                SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
            )
        if not endpoint.batchable:
            return error_response(
                SalesforceApiError(400, "INVALID_BATCH_REQUEST", "Not allowed in a batch")
            )
        ctx = Ctx(
            self.org,
            request,
            self.base_url,
            api_version=args.get("version", ""),
            dispatch=self.dispatch_internal,
        )
        try:
            ctx.session = session or self.org.auth.check_bearer(
                request.headers.get("Authorization")
            )
            return endpoint.handler(ctx, **args)
        except SalesforceApiError as exc:
            return error_response(exc)


HANDLER_KEY = "salesforce_emulator.handler"
"""The environ key under which the serving request handler is found (to change framing)."""


def _decoded(request: Request) -> Request:
    """The request with a ``Content-Encoding: gzip`` body decompressed (ValueError if invalid)."""
    coding = request.headers.get("Content-Encoding", "").strip().lower()
    if coding not in GZIP_CODINGS:
        return request
    data = gunzip(request.get_data())
    environ = dict(request.environ)
    environ.pop("HTTP_CONTENT_ENCODING", None)
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    return Request(environ)


def _compressible(response: Response) -> bool:
    return response.mimetype in COMPRESSIBLE and "Content-Encoding" not in response.headers


def _wants_gzip(request: Request) -> bool:
    return accepts_gzip(request.headers.get("Accept-Encoding", ""))


def _encoded(request: Request, response: Response) -> Response:
    """The response gzip-compressed when the request accepts it (API answers only)."""
    if not _compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    data = response.get_data()
    if data and _wants_gzip(request):
        response.set_data(gzip_bytes(data))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _reset_connection(request: Request) -> Response:
    """Reset the client's connection now; the returned response is never delivered."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response(status=500)


def _truncated(request: Request, response: Response, fault: FaultRule) -> Response:
    """Part of the response's body, then the end of the connection.

    With ``content_length`` the headers announce the whole (encoded) length; without, the
    answer is framed HTTP/1.0 style, ended by closing the connection (not chunked, whose missing
    last chunk would give the cut away).
    """
    data = response.get_data()
    if not data:
        return _reset_connection(request)
    gzipped = _compressible(response) and _wants_gzip(request)
    if _compressible(response):
        response.vary.add("Accept-Encoding")
    if isinstance(fault.cut, str):
        offset = cut_offset(data, fault.cut, response.mimetype or "")
        if gzipped:
            sent, whole = gzip_prefix(data, offset)
        else:
            sent, whole = data[:offset], len(data)
    else:
        encoded = gzip_bytes(data) if gzipped else data
        whole = len(encoded)
        sent = encoded[: min(int(whole * fault.cut), whole - 1)]
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.automatically_set_content_length = False
    response.set_data(sent)
    if fault.content_length:
        response.headers["Content-Length"] = str(whole)
    else:
        del response.headers["Content-Length"]
        handler = request.environ.get(HANDLER_KEY)
        if isinstance(handler, WSGIRequestHandler):
            handler.protocol_version = "HTTP/1.0"
    response.headers["Connection"] = "close"
    return response


def _oversized_head(request: Request) -> Response | None:
    """414 when the URI alone, 431 when URI plus headers pass Salesforce's 16,384 bytes.

    Salesforce's front end answers these before the API sees the request: an HTML page, no
    ``Sforce-Limit-Info``, and the call is not counted.
    """
    uri = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or request.full_path
    uri_bytes = len(str(uri).encode("latin-1", "replace"))
    header_bytes = sum(len(f"{name}: {value}\r\n".encode()) for name, value in request.headers)
    if uri_bytes > MAX_URI_BYTES:
        status, title = 414, "414 Request-URI Too Long"
    elif uri_bytes + header_bytes > MAX_URI_BYTES:
        status, title = 431, "431 Request Header Fields Too Large"
    else:
        return None
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return Response(body, status=status, mimetype="text/html")


class QuietRequestHandler(WSGIRequestHandler):
    """A request handler that does not log every request (quiet tests and benchmarks)."""

    def make_environ(self) -> dict[str, Any]:
        """The WSGI environ, with this handler in it (truncation changes the framing)."""
        environ = super().make_environ()
        environ[HANDLER_KEY] = self
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Do not log successful requests."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """Log errors only, through the emulator's logger."""
        if type == "error":
            log.debug(message, *args)


class EmulatorServer:
    """A threaded HTTP server on loopback serving one org; use as a context manager."""

    def __init__(self, org: Org, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind ``host``:``port`` (0: any free port) now; serving starts with ``start``."""
        self.org = org
        self.app = EmulatorApp(org)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=QuietRequestHandler
        )
        self.port = self._server.socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.app.base_url = self.url
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="salesforce-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()


__all__ = ["EmulatorApp", "EmulatorServer"]

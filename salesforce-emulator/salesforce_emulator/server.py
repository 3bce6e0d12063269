"""The WSGI application and a threaded loopback server (in-process for tests, or from the CLI)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from salesforce_common.api_limits import MAX_URI_BYTES
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.faults import FaultRule
from salesforce_emulator.models.auth import Session
from salesforce_emulator.models.org import Org
from salesforce_emulator.responses import Ctx, error_response
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
        """Answer one request from outside (faults and counting apply)."""
        too_large = _oversized_head(request)
        if too_large is not None:
            return too_large
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
        if not endpoint.admin:
            fault = self.org.faults.pick(endpoint.name, request.method, request.path)
            if fault is not None:
                early = self._apply_fault(fault, request)
                if early is not None:
                    return early
        return self._run(request, endpoint, args)

    def _routing_error(self, request: Request, error: SalesforceApiError) -> Response:
        response = error_response(error)
        if request.path.startswith("/services/data"):
            with self.org.lock:
                response.headers["Sforce-Limit-Info"] = self.org.limit_info()
        return response

    def _apply_fault(self, fault: FaultRule, request: Request) -> Response | None:
        if fault.kind == "latency":
            time.sleep(fault.delay)
            return None
        if fault.kind == "expire_session":
            with self.org.lock:
                self.org.auth.expire_all()
            return None
        if fault.kind == "drop":
            sock = request.environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            return Response(status=500)
        if fault.html:
            return Response(SERVICE_UNAVAILABLE_HTML, status=fault.status, mimetype="text/html")
        error_code = fault.error_code or (
            "SERVER_UNAVAILABLE" if fault.status >= 500 else "UNKNOWN_EXCEPTION"
        )
        message = fault.message or f"Injected fault {error_code}"
        response = error_response(SalesforceApiError(fault.status, error_code, message))
        response.headers["Sforce-Limit-Info"] = self.org.limit_info()
        return response

    def _run(self, request: Request, endpoint: Endpoint, args: Mapping[str, Any]) -> Response:
        ctx = Ctx(
            self.org,
            request,
            self.base_url,
            api_version=args.get("version", ""),
            dispatch=self.dispatch_internal,
        )
        admin = endpoint.admin
        counted = endpoint.counted and request.path.startswith("/services/data/v")
        with self.org.lock:
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

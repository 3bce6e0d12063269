"""Sub-requests of ``composite`` and ``composite/batch``: the same handlers as top-level calls.

A sub-request becomes a WSGI request of its own, answered by the server's internal dispatch in
the caller's session: same routing, same handlers, no faults, not counted (the composite call
is the one API call), with the org lock already held.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from salesforce_emulator.models.auth import Session

Dispatch = Callable[[Request, Session | None], Response]
ANSWER_HEADERS = ("Location",)
"""Headers of a sub-response a composite answer repeats in ``httpHeaders``."""


def full_url(url: str, version: str) -> str:
    """``url`` as an absolute ``/services/data/vNN.N/...`` path (relative: under ``version``)."""
    if url.startswith("/services/data/"):
        return url
    return f"/services/data/v{version}/" + url.lstrip("/").removeprefix(f"v{version}/")


def call(
    dispatch: Dispatch,
    session: Session | None,
    *,
    method: str,
    url: str,
    base_url: str,
    authorization: str,
    body: Any = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """Answer one sub-request (``url`` absolute, query string included; ``body`` as JSON)."""
    path, _, query = url.partition("?")
    builder = EnvironBuilder(
        path=path,
        query_string=query,
        method=method.upper(),
        json=body,
        headers=[*headers, ("Authorization", authorization)],
        base_url=base_url,
    )
    try:
        return dispatch(Request(builder.get_environ()), session)
    finally:
        builder.close()


def body_of(response: Response) -> Any:
    """A sub-response's body: parsed JSON, other text as a string, or None when empty."""
    payload = response.get_data(as_text=True)
    if not payload:
        return None
    if response.mimetype == "application/json":
        return json.loads(payload)
    return payload


def answer_headers(response: Response) -> dict[str, str]:
    """The sub-response headers a composite answer carries (``Location`` of a create)."""
    return {name: response.headers[name] for name in ANSWER_HEADERS if name in response.headers}

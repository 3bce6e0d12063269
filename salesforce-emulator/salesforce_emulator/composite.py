"""``POST composite``: up to 25 sub-requests in order, later ones using earlier answers.

Each sub-request (``method``, ``url``, ``referenceId``, optional ``body`` and ``httpHeaders``)
runs through the same handlers as a top-level call (:mod:`salesforce_emulator.subrequests`);
the whole composite is one API call. ``@{refId.path}`` in a later ``url`` or ``body`` stands for
a value of an earlier answer's body (``@{NewAccount.id}``, ``@{q.records[0].Id}``).

``allOrNone: true`` runs the sub-requests in one transaction: at the first failure it stops,
undoes every write, and every other sub-request answers 400 ``PROCESSING_HALTED``. With
``allOrNone: false`` each sub-request stands alone; one that refers to a failed (or missing)
answer fails with ``PROCESSING_HALTED`` (invalid reference) and the others still run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salesforce_common.api_limits import COMPOSITE_SUBREQUESTS
from werkzeug.wrappers import Response

from salesforce_emulator import subrequests
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.responses import Ctx, json_response
from salesforce_emulator.values import java_double

REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
"""``@{referenceId.path}``; the path is ``.name`` and ``[index]`` steps."""
WHOLE_REFERENCE = re.compile(rf"^{REFERENCE.pattern}$")
STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")
ROLLED_BACK_MESSAGE = (
    "The transaction was rolled back since another operation in the same transaction failed."
)


@dataclass
class Answer:
    """One sub-request's answer, in the shape of a ``compositeResponse`` entry."""

    reference_id: str
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def failed(self) -> bool:
        """An error status, or a collection answer in which a record failed."""
        if self.status >= 400:
            return True
        return isinstance(self.body, list) and any(
            isinstance(item, dict) and item.get("success") is False for item in self.body
        )

    def entry(self) -> dict[str, Any]:
        """The ``compositeResponse`` entry (keys in Salesforce's order)."""
        return {
            "body": self.body,
            "httpHeaders": self.headers,
            "httpStatusCode": self.status,
            "referenceId": self.reference_id,
        }


def halted(reference_id: str, message: str) -> Answer:
    """A sub-request answered ``400 PROCESSING_HALTED`` without being run (or rolled back)."""
    body = [{"errorCode": "PROCESSING_HALTED", "message": message}]
    return Answer(reference_id, 400, body, {})


class InvalidReferenceError(Exception):
    """A ``@{...}`` reference that names no value of a successful earlier answer."""


class _RollBackError(Exception):
    """Raised to undo an allOrNone composite's writes."""


def _step(value: Any, name: str | None, index: str | None) -> Any:
    if name is not None and isinstance(value, dict):
        if name in value:
            return value[name]
        folded = {key.lower(): item for key, item in value.items()}
        if name.lower() in folded:
            return folded[name.lower()]
    if index is not None and isinstance(value, list) and int(index) < len(value):
        return value[int(index)]
    raise KeyError(name if name is not None else index)


def resolve(match: re.Match[str], answers: Mapping[str, Answer]) -> Any:
    """The value a ``@{refId.path}`` reference names (InvalidReferenceError if none)."""
    reference_id, path = match.group(1), match.group(2)
    answer = answers.get(reference_id)
    if answer is None or answer.failed:
        raise InvalidReferenceError(
            f"Invalid reference specified. No value for {reference_id}{path} found in "
            f"{reference_id}. Provided referenceId ({reference_id}) does not name a successful "
            "earlier subrequest."
        )
    value = answer.body
    try:
        for step in STEP.finditer(path):
            value = _step(value, step.group(1), step.group(2))
    except KeyError:
        raise InvalidReferenceError(
            f"Invalid reference specified. No value for {reference_id}{path} found in "
            f"{reference_id}."
        ) from None
    return value


def as_text(value: Any) -> str:
    """A referenced value written into text (a URL, a longer string)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    return str(value)


def substitute(value: Any, answers: Mapping[str, Answer]) -> Any:
    """A body (or URL) with its references replaced; a string that is one reference keeps type."""
    if isinstance(value, str):
        whole = WHOLE_REFERENCE.match(value)
        if whole is not None:
            return resolve(whole, answers)
        return REFERENCE.sub(lambda m: as_text(resolve(m, answers)), value)
    if isinstance(value, dict):
        return {key: substitute(item, answers) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, answers) for item in value]
    return value


@dataclass(frozen=True)
class SubRequest:
    """A validated ``compositeRequest`` entry."""

    method: str
    url: str
    reference_id: str
    body: Any
    headers: tuple[tuple[str, str], ...]


def _bad_request(message: str) -> SalesforceApiError:
    return SalesforceApiError(400, "INVALID_INPUT", message)


def parse_request(body: Mapping[str, Any]) -> list[SubRequest]:
    """The sub-requests of a composite body, checked (400 for the whole call when invalid)."""
    entries = body.get("compositeRequest")
    if not isinstance(entries, list) or not entries:
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    if len(entries) > COMPOSITE_SUBREQUESTS:
        raise SalesforceApiError(
            400,
            "LIMIT_EXCEEDED",
            f"Composite Request: maximum number of subrequests is {COMPOSITE_SUBREQUESTS}, "
            f"received {len(entries)}",
        )
    parsed: list[SubRequest] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise _bad_request("Each compositeRequest entry must be a JSON object")
        method, url, reference_id = entry.get("method"), entry.get("url"), entry.get("referenceId")
        if not isinstance(method, str) or not isinstance(url, str) or not url:
            raise _bad_request("Each subrequest needs a method and a url")
        if not isinstance(reference_id, str) or not REFERENCE_ID.match(reference_id):
            raise _bad_request(
                f"Invalid referenceId {reference_id!r}: use letters, numbers and underscores"
            )
        if reference_id in seen:
            raise _bad_request(f"Duplicate referenceId: {reference_id}")
        seen.add(reference_id)
        headers = entry.get("httpHeaders") or {}
        if not isinstance(headers, dict):
            raise _bad_request("httpHeaders must be a JSON object")
        parsed.append(
            SubRequest(
                method.upper(),
                url,
                reference_id,
                entry.get("body"),
                tuple((str(k), str(v)) for k, v in headers.items()),
            )
        )
    return parsed


def _run(
    ctx: Ctx, version: str, sub: SubRequest, answers: Mapping[str, Answer], *, atomic: bool
) -> Answer:
    """Answer one sub-request (its references resolved first)."""
    try:
        url = substitute(sub.url, answers)
        body = substitute(sub.body, answers)
    except InvalidReferenceError as exc:
        return halted(sub.reference_id, str(exc))
    if atomic and isinstance(body, dict) and "/composite/sobjects" in str(url):
        body = {**body, "allOrNone": True}  # the composite's allOrNone overrides a collection's
    assert ctx.dispatch is not None
    response = subrequests.call(
        ctx.dispatch,
        ctx.session,
        method=sub.method,
        url=subrequests.full_url(as_text(url), version),
        base_url=ctx.base_url,
        authorization=ctx.request.headers.get("Authorization", ""),
        body=body,
        headers=sub.headers,
    )
    return Answer(
        sub.reference_id,
        response.status_code,
        subrequests.body_of(response),
        subrequests.answer_headers(response),
    )


def _all_or_none(ctx: Ctx, version: str, requests: list[SubRequest]) -> list[Answer]:
    answers: dict[str, Answer] = {}
    failure: Answer | None = None
    try:
        with ctx.org.transaction():
            for sub in requests:
                answer = _run(ctx, version, sub, answers, atomic=True)
                answers[sub.reference_id] = answer
                if answer.failed:
                    failure = answer
                    raise _RollBackError  # noqa: TRY301 - undoes every write so far
    except _RollBackError:
        assert failure is not None
        return [
            failure
            if sub.reference_id == failure.reference_id
            else halted(sub.reference_id, ROLLED_BACK_MESSAGE)
            for sub in requests
        ]
    return list(answers.values())


def _independent(ctx: Ctx, version: str, requests: list[SubRequest]) -> list[Answer]:
    answers: dict[str, Answer] = {}
    for sub in requests:
        answers[sub.reference_id] = _run(ctx, version, sub, answers, atomic=False)
    return list(answers.values())


def composite(ctx: Ctx, version: str) -> Response:
    """``POST composite``: ``{"allOrNone", "collateSubrequests", "compositeRequest": [...]}``.

    Answers 200 ``{"compositeResponse": [{body, httpHeaders, httpStatusCode, referenceId}]}``
    whatever the sub-requests' outcomes. ``collateSubrequests`` is accepted; sub-requests always
    run one after another.
    """
    body = ctx.json_object()
    requests = parse_request(body)
    run = _all_or_none if body.get("allOrNone") is True else _independent
    return json_response({"compositeResponse": [a.entry() for a in run(ctx, version, requests)]})


__all__ = ["composite"]

"""Bulk API 1.0 routes: ``/services/async/{version}/job…``.

Each call checks the session itself (``X-SFDC-Session``, Bulk 1.0's header, or an
``Authorization: Bearer`` token), counts one API call and answers errors as Bulk 1.0 bodies,
which the server's REST error handling would not. Answers about a job are JSON when the request
is JSON (``Content-Type: application/json``); answers about batches follow the job's content type
(JSON for a JSON job, else XML), as Salesforce documents.
"""

# Handlers take every route argument (``version``, ...) by name, used or not.
# ruff: noqa: ARG001

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Literal

from werkzeug.wrappers import Request, Response

from salesforce_emulator.bulk_v1.models import BulkV1Engine, BulkV1Error, JobV1, engine_for
from salesforce_emulator.bulk_v1.wire import (
    JSON_TYPE,
    XML_TYPE,
    batch_fields,
    batch_list_body,
    error_body,
    info_body,
    job_fields,
    parse_info,
    result_list_body,
)
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.models.bulk import csv_text
from salesforce_emulator.responses import Ctx

Resource = Literal["job", "batch"]
Handler = Callable[..., Response]
SESSION_HEADER = "X-SFDC-Session"
NO_RECORDS = "Records not found for this query"
"""What a query batch's CSV result holds when no row matched (Bulk 1.0 sends no header then)."""


def _media_type(request: Request) -> str:
    return (request.mimetype or "").lower()


def _as_json(request: Request, job: JobV1 | None, resource: Resource) -> bool:
    """Whether to answer in JSON: job answers follow the request, batch answers the job."""
    if resource == "job":
        if _media_type(request) == JSON_TYPE:
            return True
        if _media_type(request).endswith("xml"):
            return False
    if job is not None:
        return job.content_type == "JSON"
    return _media_type(request) == JSON_TYPE


def _answer(body: str, *, as_json: bool, status: int = 200) -> Response:
    return Response(body, status=status, mimetype=JSON_TYPE if as_json else XML_TYPE)


def _authorization(request: Request) -> str | None:
    """The session as a bearer ``Authorization`` value (``X-SFDC-Session`` preferred)."""
    session = request.headers.get(SESSION_HEADER, "").strip()
    return f"Bearer {session}" if session else request.headers.get("Authorization")


def _known_job(engine: BulkV1Engine, job_id: str | None) -> JobV1 | None:
    return engine.jobs.get(job_id) if job_id else None


def bulk_v1_call(resource: Resource) -> Callable[[Handler], Handler]:
    """Check the session, count the call and answer errors in Bulk 1.0's shape."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def call(ctx: Ctx, version: str, **args: str) -> Response:
            engine = engine_for(ctx.org)
            try:
                try:
                    ctx.session = ctx.org.auth.check_bearer(_authorization(ctx.request))
                except SalesforceApiError as exc:
                    raise BulkV1Error("InvalidSessionId", "Invalid session id") from exc
                try:
                    ctx.org.count_call(handler.__name__)
                except SalesforceApiError as exc:
                    raise BulkV1Error("ExceededQuota", exc.message, exc.status) from exc
                return handler(ctx, version, engine, **args)
            except SalesforceApiError as exc:
                job = _known_job(engine, args.get("job_id"))
                as_json = _as_json(ctx.request, job, resource)
                return _answer(error_body(exc, as_json=as_json), as_json=as_json, status=exc.status)

        return call

    return decorate


def _job_answer(ctx: Ctx, job: JobV1) -> Response:
    as_json = _as_json(ctx.request, job, "job")
    return _answer(info_body("jobInfo", job_fields(job), as_json=as_json), as_json=as_json)


@bulk_v1_call("job")
def bulk_v1_jobs(ctx: Ctx, version: str, engine: BulkV1Engine) -> Response:
    """``POST job``: create a query job from a ``jobInfo`` (XML or JSON)."""
    as_json = _as_json(ctx.request, None, "job") or ctx.request.get_data().lstrip()[:1] == b"{"
    body = parse_info(ctx.request.get_data(as_text=True), as_json=as_json)
    job = engine.create_job(
        body,
        user_id=ctx.user_id,
        api_version=version,
        pk_header=ctx.request.headers.get("Sforce-Enable-PKChunking"),
    )
    answer = info_body("jobInfo", job_fields(job), as_json=as_json)
    return _answer(answer, as_json=as_json, status=201)


@bulk_v1_call("job")
def bulk_v1_job(ctx: Ctx, version: str, engine: BulkV1Engine, job_id: str) -> Response:
    """``GET job/{id}`` (info) and ``POST job/{id}`` (state ``Closed`` or ``Aborted``)."""
    job = engine.job(job_id)
    if ctx.request.method == "POST":
        as_json = _as_json(ctx.request, job, "job") or ctx.request.get_data().lstrip()[:1] == b"{"
        state = parse_info(ctx.request.get_data(as_text=True), as_json=as_json).get("state")
        job = engine.set_state(job_id, str(state))
    return _job_answer(ctx, job)


@bulk_v1_call("batch")
def bulk_v1_batches(ctx: Ctx, version: str, engine: BulkV1Engine, job_id: str) -> Response:
    """``POST job/{id}/batch`` (a SOQL batch) and ``GET job/{id}/batch`` (every batch)."""
    job = engine.job(job_id)
    as_json = _as_json(ctx.request, job, "batch")
    if ctx.request.method == "POST":
        batch = engine.add_batch(job_id, ctx.request.get_data(as_text=True))
        body = info_body("batchInfo", batch_fields(batch), as_json=as_json)
        return _answer(body, as_json=as_json, status=201)
    return _answer(batch_list_body(engine.batches(job_id), as_json=as_json), as_json=as_json)


@bulk_v1_call("batch")
def bulk_v1_batch(
    ctx: Ctx, version: str, engine: BulkV1Engine, job_id: str, batch_id: str
) -> Response:
    """``GET job/{id}/batch/{batchId}``: the batch's info (a queued batch may run now)."""
    as_json = _as_json(ctx.request, engine.job(job_id), "batch")
    batch = engine.batch(job_id, batch_id)
    return _answer(info_body("batchInfo", batch_fields(batch), as_json=as_json), as_json=as_json)


@bulk_v1_call("batch")
def bulk_v1_results(
    ctx: Ctx, version: str, engine: BulkV1Engine, job_id: str, batch_id: str
) -> Response:
    """``GET job/{id}/batch/{batchId}/result``: the result ids of a completed batch."""
    as_json = _as_json(ctx.request, engine.job(job_id), "batch")
    ids = engine.result_ids(job_id, batch_id)
    return _answer(result_list_body(ids, as_json=as_json), as_json=as_json)


@bulk_v1_call("batch")
def bulk_v1_result(
    ctx: Ctx, version: str, engine: BulkV1Engine, *, job_id: str, batch_id: str, result_id: str
) -> Response:
    """``GET …/result/{resultId}``: CSV for a CSV job, a JSON array of records for a JSON job."""
    job, batch = engine.result(job_id, batch_id, result_id)
    assert batch.compiled is not None
    assert batch.rowids is not None
    rows = batch.compiled.fetch_page(engine.conn, batch.rowids)
    if job.content_type == "JSON":
        records = [batch.compiled.render_json(row, job.api_version) for row in rows]
        return Response(json.dumps(records, ensure_ascii=False), mimetype=JSON_TYPE)
    if not rows:
        return Response(NO_RECORDS, mimetype="text/csv")
    lines = [batch.compiled.csv_header, *(batch.compiled.render_csv(row) for row in rows)]
    return Response(csv_text(lines), mimetype="text/csv")


HANDLERS: tuple[Handler, ...] = (
    bulk_v1_jobs,
    bulk_v1_job,
    bulk_v1_batches,
    bulk_v1_batch,
    bulk_v1_results,
    bulk_v1_result,
)
"""Every Bulk 1.0 handler: the server leaves their session check and counting to them."""

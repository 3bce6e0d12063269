"""Salesforce API handlers: parse the request, call the org model, shape the answer."""

# Handlers take every route argument (``version``, ...) by name, used or not.
# ruff: noqa: ARG001

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from xml.etree import ElementTree

from salesforce_common.api_limits import COLLECTION_RECORDS, COMPOSITE_SUBREQUESTS
from salesforce_common.soql import quote_string
from werkzeug.wrappers import Request, Response

from salesforce_emulator import json_text, subrequests
from salesforce_emulator.catalog import FieldDef
from salesforce_emulator.exceptions import (
    OAuthError,
    SalesforceApiError,
    malformed_query,
    not_found,
)
from salesforce_emulator.models.auth import ORG_ID, Session
from salesforce_emulator.models.bulk import IngestJob, QueryJob
from salesforce_emulator.models.org import API_VERSIONS, Org
from salesforce_emulator.models.records import RecordError, WriteOptions, coerce_value
from salesforce_emulator.serialize import (
    data_path,
    describe_body,
    global_entry,
    ingest_job_info,
    query_body,
    query_job_info,
    query_records,
    report_describe_body,
    report_list_entry,
    report_run_body,
    result_pages_body,
    token_body,
)
from salesforce_emulator.values import format_datetime, parse_datetime

Job = TypeVar("Job", QueryJob, IngestJob)
Item = TypeVar("Item")


@dataclass
class Ctx:
    """What a handler gets: the org, the request, the API version and the caller's session."""

    org: Org
    request: Request
    base_url: str
    api_version: str = ""
    session: Session | None = None
    dispatch: Callable[[Request, Session | None], Response] | None = None
    record_error: RecordError | None = None
    """Set by a ``record_error`` fault rule: every record the call writes fails with it."""

    @property
    def user_id(self) -> str:
        """The calling user's Id."""
        return self.session.user_id if self.session else ""

    def write_options(self) -> WriteOptions:
        """Write options from the request headers (duplicate-rule header)."""
        header = self.request.headers.get("Sforce-Duplicate-Rule-Header", "")
        allow = "allowsave=true" in header.replace(" ", "").lower()
        return WriteOptions(user_id=self.user_id, allow_duplicate_save=allow)

    def json_object(self) -> dict[str, Any]:
        """The JSON body, which must be an object (400 JSON_PARSER_ERROR otherwise)."""
        body = self.json_body()
        if not isinstance(body, dict):
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        return body

    def json_body(self) -> Any:
        """The parsed JSON body, or 400 JSON_PARSER_ERROR."""
        try:
            return json.loads(self.request.get_data(as_text=True) or "null")
        except json.JSONDecodeError as exc:
            raise SalesforceApiError(
                400, "JSON_PARSER_ERROR", f"Unexpected character: {exc.msg}"
            ) from exc


def json_response(body: Any, status: int = 200, *, find_floats: bool = True) -> Response:
    """A JSON answer (doubles written as Java writes them: ``2.5E7``, ``48000.0``).

    ``find_floats=False`` for a query page, whose doubles the renderer already marked.
    """
    text = json_text.dumps(body, find_floats=find_floats)
    return Response(text, status=status, mimetype="application/json")


def error_response(error: SalesforceApiError) -> Response:
    """Salesforce's error array."""
    return json_response(error.body(), error.status)


def oauth_error_response(error: OAuthError) -> Response:
    """The token endpoint's error object."""
    return json_response(
        {"error": error.error, "error_description": error.description}, error.status
    )


# --- OAuth and SOAP login ---------------------------------------------------------------------


def token(ctx: Ctx) -> Response:
    """``POST /services/oauth2/token``."""
    form = dict(ctx.request.form.items())
    basic = ctx.request.authorization
    if basic is not None and basic.type == "basic":
        form.setdefault("client_id", basic.username or "")
        form.setdefault("client_secret", basic.password or "")
    audiences = (ctx.base_url, "https://login.salesforce.com", "https://test.salesforce.com")
    try:
        session = ctx.org.auth.grant(form, audiences)
    except OAuthError as exc:
        return oauth_error_response(exc)
    return json_response(token_body(session, ctx.base_url))


def soap_login(ctx: Ctx, version: str) -> Response:
    """SOAP ``login()`` as simple-salesforce uses it (username + password + security token)."""
    try:
        root = ElementTree.fromstring(ctx.request.get_data())  # noqa: S314 - local test double
    except ElementTree.ParseError:
        return _soap_fault("INVALID_LOGIN", "Malformed login request")
    username = next((el.text or "" for el in root.iter() if el.tag.endswith("username")), "")
    password = next((el.text or "" for el in root.iter() if el.tag.endswith("password")), "")
    try:
        session = ctx.org.auth.login_session(username, password)
    except OAuthError as exc:
        return _soap_fault(exc.error, exc.description)
    server_url = f"{ctx.base_url}/services/Soap/u/{version}/{ORG_ID}"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
        f"<metadataServerUrl>{ctx.base_url}/services/Soap/m/{version}/{ORG_ID}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{server_url}</serverUrl><sessionId>{session.token}</sessionId>"
        f"<userId>{session.user_id}</userId><userInfo><organizationId>{ORG_ID}</organizationId>"
        f"<userName>{session.username}</userName></userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, mimetype="text/xml")


def _soap_fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring>"
        f"<detail><sf:LoginFault><sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status=500, mimetype="text/xml")


# --- versions, resources, describe, limits -----------------------------------------------------


def versions(ctx: Ctx) -> Response:
    """``GET /services/data/``."""
    return json_response(
        [{"label": f"Release {v}", "url": data_path(v), "version": v} for v in API_VERSIONS]
    )


def resources(ctx: Ctx, version: str) -> Response:
    """``GET /services/data/vNN.N/``."""
    names = ["sobjects", "query", "queryAll", "composite", "limits", "jobs", "analytics"]
    return json_response({name: data_path(version, name) for name in names})


def limits(ctx: Ctx, version: str) -> Response:
    """``GET limits``."""
    return json_response(ctx.org.limits())


RECORD_COUNT_SINCE = 40.0
"""The first API version with ``limits/recordCount``."""


def limits_record_count(ctx: Ctx, version: str) -> Response:
    """``GET limits/recordCount[?sObjects=Account,Contact]``: records per object.

    Counts leave out the recycle bin. Without ``sObjects``, every object holding records, by
    name; with it, the named objects in the order given (unknown names are left out).
    Salesforce's counts are approximate and cached; these are exact and current. 404 below
    API 40.0, as for any unknown resource.
    """
    if float(version) < RECORD_COUNT_SINCE:
        raise not_found()
    requested = ctx.request.args.get("sObjects")
    if requested is None:
        objects = sorted(ctx.org.catalog, key=lambda obj: obj.name)
    else:
        named = (ctx.org.catalog.get(name.strip()) for name in requested.split(","))
        objects = list({obj.name: obj for obj in named if obj is not None}.values())
    counts = [(obj.name, ctx.org.writer.live_count(obj)) for obj in objects]
    return json_response(
        {
            "sObjects": [
                {"count": count, "name": name}
                for name, count in counts
                if count or requested is not None
            ]
        }
    )


def describe_global(ctx: Ctx, version: str) -> Response:
    """``GET sobjects``."""
    return json_response(
        {
            "encoding": "UTF-8",
            "maxBatchSize": COLLECTION_RECORDS,
            "sobjects": [global_entry(obj, version) for obj in ctx.org.catalog],
        }
    )


def describe(ctx: Ctx, version: str, object: str) -> Response:
    """``GET sobjects/{X}/describe``."""
    return json_response(describe_body(ctx.org.object(object), version))


def sobject(ctx: Ctx, version: str, object: str) -> Response:
    """``GET sobjects/{X}`` (basic info) and ``POST sobjects/{X}`` (create)."""
    obj = ctx.org.object(object)
    if ctx.request.method == "GET":
        return json_response({"objectDescribe": global_entry(obj, version), "recentItems": []})
    body = ctx.json_object()
    try:
        with ctx.org.transaction():
            record_id = ctx.org.writer.create(obj, body, ctx.write_options())
    except RecordError as err:
        raise err.as_api_error() from None
    response = json_response({"id": record_id, "success": True, "errors": []}, 201)
    response.headers["Location"] = data_path(version, "sobjects", obj.name, record_id)
    return response


def _select_all(
    ctx: Ctx, object_name: str, where: str, fields_param: str | None
) -> list[dict[str, Any]]:
    """The REST records a SOQL ``WHERE`` clause selects (all fields unless ``fields`` says).

    The query runs through the org's query engine like a client's, so field-level security and
    record rendering are the same; only its first page is answered.
    """
    obj = ctx.org.object(object_name)
    names = (
        [f.strip() for f in fields_param.split(",")]
        if fields_param
        else [f.name for f in obj.fields]
    )
    soql = f"SELECT {', '.join(names)} FROM {obj.name} WHERE {where}"
    page = ctx.org.queries.start(soql, include_deleted=False, user_id=ctx.user_id, batch_size=None)
    return query_records(page, ctx.api_version)


def record(ctx: Ctx, version: str, object: str, record_id: str) -> Response:
    """``GET/PATCH/DELETE sobjects/{X}/{id}``."""
    obj = ctx.org.object(object)
    method = ctx.request.method
    if method == "GET":
        records = _select_all(
            ctx, obj.name, f"Id = {quote_string(record_id)}", ctx.request.args.get("fields")
        )
        if not records:
            raise not_found()
        return json_response(records[0])
    try:
        with ctx.org.transaction():
            if method == "PATCH":
                body = ctx.json_object()
                ctx.org.writer.update(obj, record_id, body, ctx.write_options())
            else:
                ctx.org.writer.delete(obj, record_id)
    except RecordError as err:
        if err.status_code in ("INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED"):
            raise SalesforceApiError(
                404,
                "NOT_FOUND" if err.status_code != "ENTITY_IS_DELETED" else err.status_code,
                "The requested resource does not exist"
                if err.status_code != "ENTITY_IS_DELETED"
                else "entity is deleted",
            ) from None
        raise err.as_api_error() from None
    return Response(status=204)


def record_by_external_id(ctx: Ctx, version: str, object: str, field: str, value: str) -> Response:
    """``GET/PATCH sobjects/{X}/{ExternalIdField}/{value}`` (upsert)."""
    obj = ctx.org.object(object)
    ext = obj.field(field)
    if ext is None or not (ext.external_id or ext.name == "Id"):
        raise SalesforceApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {field}",
        )
    matches = ctx.org.writer.ids_with_value(obj, ext.name, value, include_deleted=False)
    if len(matches) > 1:
        urls = [data_path(version, "sobjects", obj.name, m) for m in matches]
        return json_response(urls, 300)
    if ctx.request.method == "GET":
        if not matches:
            raise not_found()
        return record(ctx, version, obj.name, matches[0])
    body = ctx.json_object()
    try:
        with ctx.org.transaction():
            if matches:
                ctx.org.writer.update(obj, matches[0], body, ctx.write_options())
                return json_response(
                    {"id": matches[0], "success": True, "errors": [], "created": False}, 200
                )
            new_id = ctx.org.writer.create(obj, {**body, ext.name: value}, ctx.write_options())
    except RecordError as err:
        raise err.as_api_error() from None
    return json_response({"id": new_id, "success": True, "errors": [], "created": True}, 201)


def ui_api_records(ctx: Ctx, version: str) -> Response:
    """``POST ui-api/records``: create one record, answered as a record representation.

    With an ``Idempotency-Key`` header, a repeated request with the same key (same user) gets
    the first successful answer again and creates nothing; keys live until the org is reset.
    """
    key = ctx.request.headers.get("Idempotency-Key", "").strip()
    cache_key = (ctx.user_id, "ui-api/records", key)
    if key and cache_key in ctx.org.idempotent_answers:
        status, body = ctx.org.idempotent_answers[cache_key]
        return Response(body, status=status, mimetype="application/json")
    request = ctx.json_object()
    api_name, fields = request.get("apiName"), request.get("fields")
    if not isinstance(api_name, str) or not api_name or not isinstance(fields, dict):
        raise SalesforceApiError(
            400, "INVALID_INPUT", "The request body needs apiName and a fields object"
        )
    obj = ctx.org.object(api_name)
    try:
        with ctx.org.transaction():
            record_id = ctx.org.writer.create(obj, fields, ctx.write_options())
    except RecordError as err:
        raise err.as_api_error() from None
    [created] = _select_all(ctx, obj.name, f"Id = {quote_string(record_id)}", None)
    response = json_response(record_representation(obj.name, created), 201)
    if key:
        ctx.org.idempotent_answers[cache_key] = (response.status_code, response.get_data())
    return response


def record_representation(api_name: str, record: dict[str, Any]) -> dict[str, Any]:
    """A UI API record: every scalar field as ``{"displayValue": null, "value": ...}``."""
    stamp = str(record.get("SystemModstamp") or "")
    return {
        "apiName": api_name,
        "childRelationships": {},
        "eTag": hashlib.md5(json_text.dumps(record).encode(), usedforsecurity=False).hexdigest(),
        "fields": {
            name: {"displayValue": None, "value": value}
            for name, value in record.items()
            if name != "attributes" and not isinstance(value, dict)
        },
        "id": record["Id"],
        "lastModifiedById": record.get("LastModifiedById"),
        "lastModifiedDate": record.get("LastModifiedDate"),
        "recordTypeId": None,
        "recordTypeInfo": None,
        "systemModstamp": stamp or None,
        "weakEtag": int(parse_datetime(stamp).timestamp() * 1000) if stamp else 0,
    }


def _replication_window(ctx: Ctx) -> tuple[dt.datetime, dt.datetime]:
    """The ``start`` and ``end`` of ``deleted``/``updated``, checked as Salesforce checks them."""
    try:
        start = parse_datetime(ctx.request.args["start"])
        end = parse_datetime(ctx.request.args["end"])
    except (KeyError, ValueError) as exc:
        raise SalesforceApiError(
            400, "INVALID_REPLICATION_DATE", "start and end are required datetimes"
        ) from exc
    earliest = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    if start < earliest:
        raise SalesforceApiError(
            400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago"
        )
    if end <= start:
        raise SalesforceApiError(
            400, "INVALID_REPLICATION_DATE", "EndDate must chronologically follow the StartDate"
        )
    return start, end


def _latest_date_covered(end: dt.datetime) -> str:
    """The end of a replication window, to the whole minute."""
    return format_datetime(end.replace(second=0, microsecond=0))


def deleted(ctx: Ctx, version: str, object: str) -> Response:
    """``GET sobjects/{X}/deleted/?start=&end=``."""
    obj = ctx.org.object(object)
    start, end = _replication_window(ctx)
    rows = ctx.org.writer.deleted_between(obj, format_datetime(start), format_datetime(end))
    earliest = format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    return json_response(
        {
            "deletedRecords": [{"id": i, "deletedDate": when} for i, when in rows],
            "earliestDateAvailable": earliest,
            "latestDateCovered": _latest_date_covered(end),
        }
    )


def updated(ctx: Ctx, version: str, object: str) -> Response:
    """``GET sobjects/{X}/updated/?start=&end=``."""
    obj = ctx.org.object(object)
    start, end = _replication_window(ctx)
    ids = ctx.org.writer.modified_between(obj, format_datetime(start), format_datetime(end))
    return json_response({"ids": ids, "latestDateCovered": _latest_date_covered(end)})


# --- queries --------------------------------------------------------------------------------


def _batch_size(ctx: Ctx) -> int | None:
    options = ctx.request.headers.get("Sforce-Query-Options", "")
    for part in options.split(","):
        key, _, value = part.strip().partition("=")
        if key.lower() == "batchsize" and value.strip().isdigit():
            return int(value.strip())
    return None


def _run_query(ctx: Ctx, version: str, resource: str) -> Response:
    """Start a query (``resource``: ``query`` or ``queryAll``) and answer its first page."""
    soql = ctx.request.args.get("q")
    if not soql:
        raise malformed_query("A query string is required: q=SELECT ...")
    page = ctx.org.queries.start(
        soql,
        include_deleted=resource == "queryAll",
        user_id=ctx.user_id,
        batch_size=_batch_size(ctx),
    )
    return json_response(query_body(page, version), find_floats=False)


def _next_page(ctx: Ctx, version: str, locator: str) -> Response:
    """Answer the page a ``nextRecordsUrl`` (``query/{locator}``) points at."""
    page = ctx.org.queries.more(locator, batch_size=_batch_size(ctx))
    return json_response(query_body(page, version), find_floats=False)


def query(ctx: Ctx, version: str) -> Response:
    """``GET query?q=``."""
    return _run_query(ctx, version, "query")


def query_all(ctx: Ctx, version: str) -> Response:
    """``GET queryAll?q=``."""
    return _run_query(ctx, version, "queryAll")


def query_more(ctx: Ctx, version: str, locator: str) -> Response:
    """``GET query/{locator}``: the next page of a ``query`` or a ``queryAll``."""
    return _next_page(ctx, version, locator)


def query_all_more(ctx: Ctx, version: str, locator: str) -> Response:
    """``GET queryAll/{locator}``: accepted as well; answers hand out ``query/{locator}``."""
    return _next_page(ctx, version, locator)


# --- composite ------------------------------------------------------------------------------


def composite_batch(ctx: Ctx, version: str) -> Response:
    """``POST composite/batch``: up to 25 independent sub-requests, counted as one call."""
    body = ctx.json_body()
    requests = body.get("batchRequests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "batchRequests is required")
    if len(requests) > COMPOSITE_SUBREQUESTS:
        raise SalesforceApiError(
            400, "INVALID_BATCH_REQUEST", f"Batch requests cannot exceed {COMPOSITE_SUBREQUESTS}"
        )
    halt = bool(body.get("haltOnError"))
    results: list[dict[str, Any]] = []
    has_errors = False
    assert ctx.dispatch is not None
    for sub in requests:
        if halt and has_errors:
            results.append(
                {
                    "statusCode": 412,
                    "result": [
                        {
                            "errorCode": "BATCH_PROCESSING_HALTED",
                            "message": "Batch processing halted per request",
                        }
                    ],
                }
            )
            continue
        response = subrequests.call(
            ctx.dispatch,
            ctx.session,
            method=str(sub.get("method", "GET")),
            url=subrequests.full_url(str(sub.get("url", "")), version),
            base_url=ctx.base_url,
            authorization=ctx.request.headers.get("Authorization", ""),
            body=sub.get("richInput"),
        )
        has_errors = has_errors or response.status_code >= 400
        results.append(
            {"statusCode": response.status_code, "result": subrequests.body_of(response)}
        )
    return json_response({"hasErrors": has_errors, "results": results})


def _collection_records(ctx: Ctx) -> tuple[list[dict[str, Any]], bool]:
    body = ctx.json_body()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "records is required")
    records = body["records"]
    _check_collection_size(records)
    return records, bool(body.get("allOrNone"))


def _check_collection_size(items: list[Any]) -> None:
    """400 EXCEEDED_ID_LIMIT past the sObject Collections record limit."""
    if len(items) > COLLECTION_RECORDS:
        raise SalesforceApiError(
            400, "EXCEEDED_ID_LIMIT", f"Maximum number of records allowed is {COLLECTION_RECORDS}"
        )


class _RolledBackError(Exception):
    """Raised to undo an allOrNone collection in which a record failed."""


ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}


def composite_sobjects(ctx: Ctx, version: str) -> Response:
    """``POST/PATCH/DELETE composite/sobjects``: sObject collections."""
    method = ctx.request.method
    if method == "GET":
        raise SalesforceApiError(
            400, "INVALID_OPERATION", "Use composite/sobjects/{SObjectName}?ids=&fields="
        )
    if method == "DELETE":
        ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
        all_or_none = ctx.request.args.get("allOrNone", "false").lower() == "true"
        _check_collection_size(ids)
        actions = [(None, {"Id": i}) for i in ids]
    else:
        records, all_or_none = _collection_records(ctx)
        actions = [
            (r.get("attributes", {}).get("type") if isinstance(r, dict) else None, r)
            for r in records
        ]
    options = ctx.write_options()

    def write(item: tuple[str | None, Any]) -> dict[str, Any]:
        type_name, record = item
        return _collection_write(ctx, method, type_name, record, options)

    def failed(item: tuple[str | None, Any], err: RecordError) -> dict[str, Any]:
        record = item[1]
        failed_id = (record.get("id") or record.get("Id")) if isinstance(record, dict) else None
        return {"id": failed_id, "success": False, "errors": [err.as_dict()]}

    return json_response(_write_collection(ctx, actions, all_or_none, write, failed))


def _write_collection(
    ctx: Ctx,
    items: list[Item],
    all_or_none: bool,
    write: Callable[[Item], dict[str, Any]],
    failed: Callable[[Item, RecordError], dict[str, Any]],
) -> list[dict[str, Any]]:
    """One result per item, in order; each item in its own savepoint, all undone on allOrNone.

    ``write`` answers a success or raises RecordError, which ``failed`` turns into a result.
    With ``allOrNone`` and any failure, nothing is written: the failures keep their errors, the
    others fail with ``ALL_OR_NONE_OPERATION_ROLLED_BACK``.
    """
    org = ctx.org
    results: list[dict[str, Any]] = []
    try:
        with org.transaction():
            for item in items:
                try:
                    with org.savepoint():
                        results.append(write(item))
                except RecordError as err:
                    results.append(failed(item, err))
            if all_or_none and any(not r["success"] for r in results):
                raise _RolledBackError  # noqa: TRY301 - undoes the transaction
    except _RolledBackError:
        results = [
            {
                **result,
                "id": None,
                "success": False,
                "errors": result["errors"] if not result["success"] else [ROLLED_BACK],
                **({"created": False} if "created" in result else {}),
            }
            for result in results
        ]
    return results


def _collection_write(
    ctx: Ctx, method: str, type_name: str | None, item: Any, options: WriteOptions
) -> dict[str, Any]:
    org = ctx.org
    if not isinstance(item, dict):
        raise RecordError("JSON_PARSER_ERROR", "Each record must be a JSON object")
    if method == "DELETE":
        record_id = str(item["Id"])
        obj = org.catalog.by_prefix(record_id[:3])
        if obj is None:
            raise RecordError("MALFORMED_ID", f"malformed id {record_id}")
        return {"id": org.writer.delete(obj, record_id), "success": True, "errors": []}
    if not type_name:
        raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
    obj = org.catalog.get(type_name)
    if obj is None:
        raise RecordError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
    if method == "POST":
        return {"id": org.writer.create(obj, item, options), "success": True, "errors": []}
    given_id = item.get("id") or item.get("Id")
    if not given_id:
        raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    record_id = str(given_id)
    org.writer.update(obj, record_id, {k: v for k, v in item.items() if k.lower() != "id"}, options)
    full = org.writer.get_raw(obj, record_id)
    return {"id": full["Id"] if full else record_id, "success": True, "errors": []}


def composite_sobjects_upsert(ctx: Ctx, version: str, object: str, field: str) -> Response:
    """``PATCH composite/sobjects/{X}/{ExternalIdField}``: upsert up to 200 records.

    Each record names its object in ``attributes.type`` and carries the external id; the
    answer is one ``{id, success, created, errors}`` per record, in order. A value matching
    several records, or given twice in the request, fails with ``DUPLICATE_EXTERNAL_ID``.
    """
    obj = ctx.org.object(object)
    ext = obj.field(field)
    if ext is None or not ext.external_id:
        raise SalesforceApiError(
            400,
            "INVALID_FIELD",
            f"Field name provided, {field} is not an External ID or indexed field for {obj.name}",
        )
    records, all_or_none = _collection_records(ctx)
    options = ctx.write_options()
    repeated = _repeated_keys(records, ext)

    def write(record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            raise RecordError("JSON_PARSER_ERROR", "Each record must be a JSON object")
        type_name = (record.get("attributes") or {}).get("type")
        if not type_name:
            raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
        if str(type_name).lower() != obj.name.lower():
            raise RecordError(
                "INVALID_TYPE", f"Record type {type_name} does not match the sObject {obj.name}"
            )
        value = next((v for k, v in record.items() if k.lower() == ext.name.lower()), None)
        if value in (None, ""):
            raise RecordError("MISSING_ARGUMENT", f"{ext.name} not specified", [ext.name])
        key = coerce_value(ext, value)
        if _key_text(key, ext) in repeated:
            raise RecordError(
                "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [ext.name]
            )
        values = {k: v for k, v in record.items() if k != "attributes"}
        matches = ctx.org.writer.ids_with_value(obj, ext.name, key, include_deleted=False)
        if len(matches) > 1:
            raise RecordError(
                "DUPLICATE_EXTERNAL_ID",
                f"{ext.name}: more than one record found for external id field: {matches}",
                [ext.name],
            )
        if matches:
            ctx.org.writer.update(obj, matches[0], values, options)
            return {"id": matches[0], "success": True, "errors": [], "created": False}
        new_id = ctx.org.writer.create(obj, values, options)
        return {"id": new_id, "success": True, "errors": [], "created": True}

    def failed(record: Any, err: RecordError) -> dict[str, Any]:
        return {"id": None, "success": False, "errors": [err.as_dict()], "created": False}

    return json_response(_write_collection(ctx, records, all_or_none, write, failed))


def _key_text(value: Any, ext: FieldDef) -> str:
    """An external id as compared: text folds case unless the field is case-sensitive."""
    text = str(value)
    return text if ext.case_sensitive or not ext.is_text else text.lower()


def _repeated_keys(records: list[Any], ext: FieldDef) -> set[str]:
    """External ids given more than once in one request."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        value = next((v for k, v in record.items() if k.lower() == ext.name.lower()), None)
        if value in (None, ""):
            continue
        try:
            key = _key_text(coerce_value(ext, value), ext)
        except RecordError:
            continue
        (repeated if key in seen else seen).add(key)
    return repeated


def composite_sobjects_get(ctx: Ctx, version: str, object: str) -> Response:
    """``GET composite/sobjects/{X}?ids=&fields=``: records in the order asked, null if missing."""
    ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
    fields = ctx.request.args.get("fields")
    if ctx.request.method == "POST":
        body = ctx.json_body() or {}
        ids, fields = body.get("ids", []), ",".join(body.get("fields", [])) or None
    if not ids or not fields:
        raise SalesforceApiError(400, "MISSING_ARGUMENT", "ids and fields are required")
    in_list = ", ".join(quote_string(i) for i in ids)
    found = {
        r["Id"][:15]: r
        for r in _select_all(
            ctx,
            object,
            f"Id IN ({in_list})",
            "Id," + fields if "id" not in fields.lower().split(",") else fields,
        )
    }
    return json_response([found.get(i[:15]) for i in ids])


# --- Bulk API 2.0 ---------------------------------------------------------------------------


def _job_collection(
    ctx: Ctx,
    version: str,
    jobs: Iterable[Job],
    create: Callable[..., Job],
    info: Callable[..., dict[str, Any]],
) -> Response:
    """``GET`` lists the jobs; ``POST`` creates one from the JSON body."""
    if ctx.request.method == "GET":
        listed = [info(job, detailed=False) for job in jobs]
        return json_response({"done": True, "records": listed, "nextRecordsUrl": None})
    job = create(ctx.json_object(), user_id=ctx.user_id, api_version=version)
    if isinstance(job, IngestJob):
        _mark_failing(ctx, job)
    return json_response(info(job, detailed=False), 200)


def _mark_failing(ctx: Ctx, job: IngestJob) -> None:
    """A ``record_error`` fault on a call naming an ingest job fails every row of the job."""
    if ctx.record_error is not None:
        job.forced_error = ctx.record_error


def bulk_query_jobs(ctx: Ctx, version: str) -> Response:
    """``POST jobs/query`` (create) and ``GET jobs/query`` (list)."""
    bulk = ctx.org.bulk
    return _job_collection(
        ctx, version, bulk.query_jobs.values(), bulk.create_query_job, query_job_info
    )


def bulk_query_job(ctx: Ctx, version: str, job_id: str) -> Response:
    """``GET/PATCH/DELETE jobs/query/{id}``."""
    bulk = ctx.org.bulk
    if ctx.request.method == "DELETE":
        bulk.delete_query_job(job_id)
        return Response(status=204)
    if ctx.request.method == "PATCH":
        body = ctx.json_body()
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise SalesforceApiError(
                400, "INVALIDJOBSTATE", "Only state Aborted can be set on a query job"
            )
        return json_response(query_job_info(bulk.abort_query_job(job_id), detailed=False))
    return json_response(query_job_info(bulk.query_job(job_id), detailed=True))


def bulk_query_results(ctx: Ctx, version: str, job_id: str) -> Response:
    """``GET jobs/query/{id}/results?maxRecords=&locator=``."""
    max_records = ctx.request.args.get("maxRecords")
    text, next_locator, count = ctx.org.bulk.query_results(
        job_id,
        locator=ctx.request.args.get("locator"),
        max_records=int(max_records) if max_records and max_records.isdigit() else None,
    )
    response = Response(text, mimetype="text/csv")
    response.headers["Sforce-Locator"] = next_locator
    response.headers["Sforce-NumberOfRecords"] = str(count)
    return response


RESULT_PAGES_SINCE = 58.0
"""First API version serving ``jobs/query/{id}/resultPages``."""


def bulk_query_result_pages(ctx: Ctx, version: str, job_id: str) -> Response:
    """``GET jobs/query/{id}/resultPages[?locator=]`` (API 58.0+): parallel result URLs.

    404 below 58.0, as for any unknown resource; 409 when read with another API version than
    the one that created the job.
    """
    if float(version) < RESULT_PAGES_SINCE:
        raise not_found()
    bulk = ctx.org.bulk
    job = bulk.completed_query_job(job_id)
    if job.api_version != version:
        raise SalesforceApiError(
            409,
            "INVALIDJOBSTATE",
            f"Job {job_id} was created with API version {job.api_version}; read its results "
            "with that version",
        )
    _job, pages, next_locator = bulk.result_pages(job_id, locator=ctx.request.args.get("locator"))
    return json_response(result_pages_body(job, pages, next_locator))


def bulk_ingest_jobs(ctx: Ctx, version: str) -> Response:
    """``POST jobs/ingest`` (create) and ``GET jobs/ingest`` (list)."""
    bulk = ctx.org.bulk
    return _job_collection(
        ctx, version, bulk.ingest_jobs.values(), bulk.create_ingest_job, ingest_job_info
    )


def bulk_ingest_job(ctx: Ctx, version: str, job_id: str) -> Response:
    """``GET/PATCH/DELETE jobs/ingest/{id}``."""
    bulk = ctx.org.bulk
    if ctx.request.method == "DELETE":
        bulk.delete_ingest_job(job_id)
        return Response(status=204)
    if ctx.request.method == "PATCH":
        body = ctx.json_body()
        state = body.get("state") if isinstance(body, dict) else None
        options = ctx.write_options()

        def write(job: IngestJob) -> None:
            _mark_failing(ctx, job)
            with ctx.org.transaction():
                bulk.process(job, options, ctx.org.run_in_savepoint)

        job = bulk.set_ingest_state(job_id, str(state), write)
        return json_response(ingest_job_info(job, detailed=False))
    return json_response(ingest_job_info(bulk.poll_ingest_job(job_id), detailed=True))


def bulk_ingest_upload(ctx: Ctx, version: str, job_id: str) -> Response:
    """``PUT jobs/ingest/{id}/batches`` with a CSV body."""
    ctx.org.bulk.upload(job_id, ctx.request.get_data(as_text=True))
    _mark_failing(ctx, ctx.org.bulk.ingest_job(job_id))
    return Response(status=201)


def bulk_ingest_results(ctx: Ctx, version: str, job_id: str, kind: str) -> Response:
    """``GET jobs/ingest/{id}/successfulResults|failedResults|unprocessedrecords``."""
    kinds = {
        "successfulresults": "successfulResults",
        "failedresults": "failedResults",
        "unprocessedrecords": "unprocessedrecords",
    }
    canonical = kinds.get(kind.lower().rstrip("/"))
    if canonical is None:
        raise not_found()
    return Response(ctx.org.bulk.ingest_results(job_id, canonical), mimetype="text/csv")


# --- reports (Analytics REST API) ---------------------------------------------------------------


def analytics_reports(ctx: Ctx, version: str) -> Response:
    """``GET analytics/reports``: the recently viewed reports (here: every visible report)."""
    return json_response(
        [report_list_entry(report, version) for report in ctx.org.reports.visible()]
    )


def analytics_report_describe(ctx: Ctx, version: str, report_id: str) -> Response:
    """``GET analytics/reports/{id}/describe``."""
    return json_response(report_describe_body(ctx.org.reports.get(report_id)))


def analytics_report_run(ctx: Ctx, version: str, report_id: str) -> Response:
    """``GET|POST analytics/reports/{id}``: a synchronous run (``includeDetails=true``)."""
    store = ctx.org.reports
    report = store.get(report_id)
    metadata: dict[str, Any] | None = None
    if ctx.request.method == "POST" and ctx.request.get_data():
        body = ctx.json_object()
        raw = body.get("reportMetadata")
        if raw is not None and not isinstance(raw, dict):
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "reportMetadata must be an object")
        metadata = raw
    details = ctx.request.args.get("includeDetails", "false").lower() == "true"
    run = store.run(report, store.options(report, metadata), include_details=details)
    return json_response(report_run_body(run, version))

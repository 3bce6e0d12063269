"""Answer bodies built from model state: the URLs, job infos and pages Salesforce sends.

The models hand out ids and data; every URL an answer carries (``nextRecordsUrl``, describe
``urls``, a job's ``contentUrl``, the token's identity URL) is built here.
"""

from __future__ import annotations

import secrets
from typing import Any

from salesforce_emulator.catalog import ObjectDef
from salesforce_emulator.models.auth import ORG_ID, Session
from salesforce_emulator.models.bulk import TERMINAL_STATES, IngestJob, QueryJob
from salesforce_emulator.models.queries import QueryPage
from salesforce_emulator.models.reports import Group, ReportDef, ReportRun, RunOptions


def data_path(api_version: str, *parts: str) -> str:
    """``/services/data/v{api_version}/part/part...`` (``api_version`` like ``64.0``)."""
    return "/".join((f"/services/data/v{api_version}", *parts))


# --- describe ---------------------------------------------------------------------------------


def sobject_urls(api_version: str, object_name: str) -> dict[str, str]:
    """The ``urls`` of an object's describe entry."""
    base = data_path(api_version, "sobjects", object_name)
    return {
        "rowTemplate": base + "/{ID}",
        "defaultValues": base + "/defaultValues?recordTypeId&fields",
        "describe": base + "/describe",
        "sobject": base,
    }


def global_entry(obj: ObjectDef, api_version: str) -> dict[str, object]:
    """The object's entry in ``GET sobjects``."""
    return {**obj.describe_global_entry(), "urls": sobject_urls(api_version, obj.name)}


MASTER_RECORD_TYPE_ID = "012000000000000AAA"
"""The Id every org gives the Master record type."""


def describe_body(obj: ObjectDef, api_version: str) -> dict[str, object]:
    """The ``GET sobjects/{X}/describe`` body.

    A layoutable object's describe lists its layout and UI ``urls`` and the Master record
    type, as an org's does for an object without record types of its own.
    """
    body: dict[str, Any] = {**global_entry(obj, api_version), **obj.describe_details()}
    if body.get("layoutable"):
        base = data_path(api_version, "sobjects", obj.name)
        body["urls"] = {
            **body["urls"],
            "compactLayouts": base + "/describe/compactLayouts",
            "approvalLayouts": base + "/describe/approvalLayouts",
            "uiDetailTemplate": "/{ID}",
            "uiEditTemplate": "/{ID}/e",
            "listviews": base + "/listviews",
            "quickActions": base + "/quickActions",
            "layouts": base + "/describe/layouts",
            "uiNewRecord": f"/{obj.key_prefix}/e",
        }
        body["recordTypeInfos"] = [
            {
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": True,
                "developerName": "Master",
                "master": True,
                "name": "Master",
                "recordTypeId": MASTER_RECORD_TYPE_ID,
                "urls": {"layout": base + f"/describe/layouts/{MASTER_RECORD_TYPE_ID}"},
            }
        ]
    return body


# --- queries ----------------------------------------------------------------------------------


def query_records(page: QueryPage, api_version: str) -> list[dict[str, Any]]:
    """The REST records of a page (an aggregate page is its one AggregateResult).

    Doubles come as :class:`~salesforce_emulator.json_text.JavaDouble` (equal to their float).
    """
    compiled = page.compiled
    if compiled is None:
        return []
    if compiled.is_aggregate:
        return [compiled.render_aggregate(row) for row in page.rows]
    render = compiled.renderer.json  # doubles as JavaDouble: answers skip the float search
    return [render(row, api_version, wire=True) for row in page.rows]


def query_body(page: QueryPage, api_version: str) -> dict[str, Any]:
    """A ``query``/``queryAll`` answer.

    ``nextRecordsUrl`` is ``/services/data/vNN.N/query/{locator}`` for both, as Salesforce
    writes it: a ``queryAll`` locator remembers that it includes deleted rows.
    """
    body: dict[str, Any] = {"totalSize": page.total_size, "done": page.done}
    if page.next_locator is not None:
        body["nextRecordsUrl"] = data_path(api_version, "query", page.next_locator)
    body["records"] = query_records(page, api_version)
    return body


# --- Bulk API 2.0 -----------------------------------------------------------------------------


def query_job_info(job: QueryJob, *, detailed: bool) -> dict[str, Any]:
    """A query job's info: the short form (create, list, abort) or the ``GET`` one."""
    body: dict[str, Any] = {
        "id": job.id,
        "operation": job.operation,
        "object": job.object,
        "createdById": job.created_by,
        "createdDate": job.created_date,
        "systemModstamp": job.created_date,
        "state": job.state,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(job.api_version),
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    if detailed:
        body.update(
            {
                "jobType": "V2Query",
                "numberRecordsProcessed": len(job.rowids or []),
                "retries": 0,
                "totalProcessingTime": 0,
                "isPkChunkingSupported": True,
            }
        )
        if job.error_message:
            body["errorMessage"] = job.error_message
    return body


def result_pages_body(
    job: QueryJob, pages: list[tuple[str, int]], next_locator: str | None
) -> dict[str, Any]:
    """A ``resultPages`` answer: result URLs (each read on its own) and the next answer's URL.

    URLs carry the job's own API version, the one its results must be read with.
    """
    base = data_path(job.api_version, "jobs", "query", job.id)
    return {
        "resultPages": [
            {"resultUrl": f"{base}/results?locator={locator}&maxRecords={rows}"}
            for locator, rows in pages
        ],
        "nextRecordsUrl": None
        if next_locator is None
        else f"{base}/resultPages?locator={next_locator}",
        "done": next_locator is None,
    }


def ingest_job_info(job: IngestJob, *, detailed: bool) -> dict[str, Any]:
    """An ingest job's info; record counts appear once the job has finished."""
    body: dict[str, Any] = {
        "id": job.id,
        "operation": job.operation,
        "object": job.object.name,
        "createdById": job.created_by,
        "createdDate": job.created_date,
        "systemModstamp": job.created_date,
        "state": job.state,
        "externalIdFieldName": job.external_id_field,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(job.api_version),
        # Salesforce writes this one without the leading slash.
        "contentUrl": data_path(job.api_version, "jobs", "ingest", job.id, "batches")[1:],
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    if detailed:
        done = job.state in TERMINAL_STATES
        body.update(
            {
                "jobType": "V2Ingest",
                "numberRecordsProcessed": len(job.successes) + len(job.failures) if done else 0,
                "numberRecordsFailed": len(job.failures) if done else 0,
                "retries": 0,
                "totalProcessingTime": 0,
                "apiActiveProcessingTime": 0,
                "apexProcessingTime": 0,
            }
        )
        if job.error_message:
            body["errorMessage"] = job.error_message
    return body


# --- OAuth ------------------------------------------------------------------------------------


def token_body(session: Session, instance_url: str) -> dict[str, str]:
    """The token endpoint's answer for a new session on the org served at ``instance_url``."""
    return {
        "access_token": session.token,
        "instance_url": instance_url,
        "id": f"{instance_url}/id/{ORG_ID}/{session.user_id}",
        "token_type": "Bearer",
        "issued_at": str(int(session.issued_at * 1000)),
        "signature": secrets.token_urlsafe(32),
    }


# --- reports (Analytics REST API) ---------------------------------------------------------------

FILTER_OPERATORS = {
    "string": ("equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual",
               "contains", "notContain", "startsWith"),
    "number": ("equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual"),
    "multipicklist": ("equals", "notEqual", "includes", "excludes"),
    "boolean": ("equals", "notEqual"),
}  # fmt: skip
AGGREGATE_LABELS = {"RowCount": "Record Count"}


def report_urls(report: ReportDef, api_version: str) -> dict[str, str]:
    """The ``url``, ``describeUrl`` and ``instancesUrl`` of a report."""
    base = data_path(api_version, "analytics", "reports", report.id)
    return {"url": base, "describeUrl": base + "/describe", "instancesUrl": base + "/instances"}


def report_list_entry(report: ReportDef, api_version: str) -> dict[str, Any]:
    """One entry of ``GET analytics/reports``."""
    return {"id": report.id, "name": report.name, **report_urls(report, api_version)}


def _grouping_meta(names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"dateGranularity": "None", "name": n, "sortAggregate": None, "sortOrder": "Asc"}
        for n in names
    ]


def report_metadata(report: ReportDef, options: RunOptions | None = None) -> dict[str, Any]:
    """``reportMetadata``: the saved report, or the run's (its filters, logic and sort)."""
    filters = options.filters if options else report.filters
    logic = options.boolean_filter if options else report.boolean_filter
    sort = options.sort_by if options else report.sort_by
    return {
        "aggregates": list(report.aggregates),
        "chart": None,
        "currency": None,
        "description": report.description or None,
        "detailColumns": list(report.detail_columns),
        "developerName": report.developer_name,
        "division": None,
        "folderId": None,
        "groupingsAcross": _grouping_meta(report.groupings_across),
        "groupingsDown": _grouping_meta(report.groupings_down),
        "hasDetailRows": report.has_detail_rows,
        "hasRecordCount": True,
        "historicalSnapshotDates": [],
        "id": report.id,
        "name": report.name,
        "reportBooleanFilter": logic,
        "reportFilters": [f.body() for f in filters],
        "reportFormat": report.report_format,
        "reportType": {"label": report.report_type_label, "type": report.report_type},
        "scope": "organization",
        "showGrandTotal": True,
        "showSubtotals": True,
        "sortBy": [{"sortColumn": c, "sortOrder": o} for c, o in sort],
        "standardDateFilter": {
            "column": "CREATED_DATE",
            "durationValue": "CUSTOM",
            "endDate": None,
            "startDate": None,
        },
        "standardFilters": None,
    }


def _column_info(report: ReportDef, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    info = {}
    for name in names:
        column = report.column(name)
        if column is not None:
            info[name] = {"dataType": column.data_type, "label": column.label}
    return info


def report_extended_metadata(report: ReportDef) -> dict[str, Any]:
    """``reportExtendedMetadata``: detail, aggregate and grouping column info."""
    aggregates = {}
    for key in report.aggregates:
        column = report.column(key.removeprefix("s!"))
        label = AGGREGATE_LABELS.get(key) or f"Sum of {column.label if column else key}"
        data_type = "int" if key == "RowCount" else (column.data_type if column else "double")
        aggregates[key] = {
            "acrossGroupingContext": None,
            "dataType": data_type,
            "downGroupingContext": None,
            "label": label,
        }
    groupings = {}
    for level, name in enumerate((*report.groupings_down, *report.groupings_across)):
        column = report.column(name)
        if column is not None:
            groupings[name] = {
                "dataType": column.data_type,
                "groupingLevel": level if level < len(report.groupings_down) else 0,
                "label": column.label,
            }
    return {
        "aggregateColumnInfo": aggregates,
        "detailColumnInfo": _column_info(report, report.detail_columns),
        "groupingColumnInfo": groupings,
    }


def _operator_kind(data_type: str) -> str:
    if data_type in ("currency", "double", "percent", "int", "date", "datetime"):
        return "number"
    if data_type in ("boolean", "multipicklist"):
        return data_type
    return "string"


def report_type_metadata(report: ReportDef) -> dict[str, Any]:
    """``reportTypeMetadata``: the report type's columns and the operators per data type."""
    columns = {
        c.name: {"dataType": c.data_type, "filterValues": [], "filterable": True, "label": c.label}
        for c in report.columns
    }
    return {
        "categories": [{"columns": columns, "label": report.report_type_label}],
        "dataTypeFilterOperatorMap": {
            data_type: [
                {"label": op, "name": op} for op in FILTER_OPERATORS[_operator_kind(data_type)]
            ]
            for data_type in sorted({c.data_type for c in report.columns})
        },
        "divisionInfo": None,
        "scopeInfo": {"defaultValue": "organization", "values": []},
        "standardDateFilterDurationGroups": [],
        "standardFilterInfos": {},
    }


def report_describe_body(report: ReportDef) -> dict[str, Any]:
    """The ``GET analytics/reports/{id}/describe`` body."""
    return {
        "reportExtendedMetadata": report_extended_metadata(report),
        "reportMetadata": report_metadata(report),
        "reportTypeMetadata": report_type_metadata(report),
    }


def _aggregates(report: ReportDef, count: int, sums: dict[str, float]) -> list[dict[str, Any]]:
    out = []
    for key in report.aggregates:
        if key == "RowCount":
            out.append({"label": f"{count:,}", "value": count})
        else:
            amount = float(sums.get(key.removeprefix("s!"), 0.0))
            out.append({"label": f"${amount:,.2f}", "value": amount})
    return out


def _groupings(groups: list[Group]) -> dict[str, Any]:
    return {
        "groupings": [
            {"groupings": [], "key": g.key, "label": g.label, "value": g.value} for g in groups
        ]
    }


def report_run_body(run: ReportRun, api_version: str) -> dict[str, Any]:
    """The synchronous run's body: attributes, factMap, groupings and the run's metadata."""
    report = run.report
    fact_map: dict[str, Any] = {}
    rows = [{"dataCells": cells} for cells in run.rows]
    if report.report_format == "TABULAR":
        fact_map["T!T"] = {"aggregates": _aggregates(report, run.total, run.sums), "rows": rows}
    else:
        for group in run.down:
            entry: dict[str, Any] = {"aggregates": _aggregates(report, group.count, group.sums)}
            if report.report_format == "SUMMARY" and run.include_details:
                entry["rows"] = [{"dataCells": cells} for cells in group.rows]
            fact_map[f"{group.key}!T"] = entry
        for (down, across), (count, sums) in run.cells.items():
            fact_map[f"{down}!{across}"] = {"aggregates": _aggregates(report, count, sums)}
        fact_map["T!T"] = {"aggregates": _aggregates(report, run.total, run.sums)}
    urls = report_urls(report, api_version)
    return {
        "allData": run.all_data,
        "attributes": {
            "describeUrl": urls["describeUrl"],
            "instancesUrl": urls["instancesUrl"],
            "reportId": report.id,
            "reportName": report.name,
            "type": "Report",
        },
        "factMap": fact_map,
        "groupingsAcross": _groupings(run.across),
        "groupingsDown": _groupings(run.down),
        "hasDetailRows": run.include_details and report.has_detail_rows,
        "reportExtendedMetadata": report_extended_metadata(report),
        "reportMetadata": report_metadata(report, run.options),
    }

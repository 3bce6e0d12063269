"""Bulk API 1.0 shapes: ``jobInfo``, ``batchInfo``, result lists and errors, in XML or JSON.

XML documents use the ``http://www.force.com/2009/06/asyncapi/dataload`` namespace; JSON
bodies carry the same fields, numbers as numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from salesforce_emulator.bulk_v1.models import BatchV1, BulkV1Error, JobV1
from salesforce_emulator.exceptions import SalesforceApiError

NAMESPACE = "http://www.force.com/2009/06/asyncapi/dataload"
XML_TYPE = "application/xml"
JSON_TYPE = "application/json"
Fields = list[tuple[str, Any]]


def job_fields(job: JobV1) -> Fields:
    """A job's ``jobInfo`` fields, in Salesforce's order."""
    return [
        ("id", job.id),
        ("operation", job.operation),
        ("object", job.object.name),
        ("createdById", job.created_by),
        ("createdDate", job.created_date),
        ("systemModstamp", job.created_date),
        ("state", job.state),
        ("concurrencyMode", job.concurrency_mode),
        ("contentType", job.content_type),
        ("numberBatchesQueued", job.count("Queued")),
        ("numberBatchesInProgress", job.count("InProgress")),
        ("numberBatchesCompleted", job.count("Completed")),
        ("numberBatchesFailed", job.count("Failed")),
        ("numberBatchesTotal", len(job.batches)),
        ("numberRecordsProcessed", job.records_processed),
        ("numberRetries", 0),
        ("apiVersion", float(job.api_version)),
        ("numberRecordsFailed", 0),
        ("totalProcessingTime", 0),
        ("apiActiveProcessingTime", 0),
        ("apexProcessingTime", 0),
    ]


def batch_fields(batch: BatchV1) -> Fields:
    """A batch's ``batchInfo`` fields, in Salesforce's order (``stateMessage`` when set)."""
    fields: Fields = [("id", batch.id), ("jobId", batch.job_id), ("state", batch.state)]
    if batch.state_message:
        fields.append(("stateMessage", batch.state_message))
    fields += [
        ("createdDate", batch.created_date),
        ("systemModstamp", batch.created_date),
        ("numberRecordsProcessed", len(batch.rowids or [])),
        ("numberRecordsFailed", 0),
        ("totalProcessingTime", 0),
        ("apiActiveProcessingTime", 0),
        ("apexProcessingTime", 0),
    ]
    return fields


def _xml_value(value: Any) -> str:
    return escape(str(value))


def _elements(fields: Fields) -> str:
    return "".join(f"<{name}>{_xml_value(value)}</{name}>" for name, value in fields)


def _document(root: str, inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NAMESPACE}">{inner}</{root}>'


def info_body(root: str, fields: Fields, *, as_json: bool) -> str:
    """One ``jobInfo`` / ``batchInfo`` / ``error`` document."""
    if as_json:
        return json.dumps(dict(fields))
    return _document(root, _elements(fields))


def batch_list_body(batches: Iterable[BatchV1], *, as_json: bool) -> str:
    """``batchInfoList``: every batch of a job."""
    infos = [batch_fields(batch) for batch in batches]
    if as_json:
        return json.dumps({"batchInfo": [dict(info) for info in infos]})
    return _document(
        "batchInfoList", "".join(f"<batchInfo>{_elements(i)}</batchInfo>" for i in infos)
    )


def result_list_body(result_ids: Sequence[str], *, as_json: bool) -> str:
    """``result-list``: the result ids of a completed query batch."""
    if as_json:
        return json.dumps(list(result_ids))
    return _document("result-list", "".join(f"<result>{r}</result>" for r in result_ids))


def error_body(error: SalesforceApiError, *, as_json: bool) -> str:
    """Bulk 1.0's error: ``exceptionCode`` and ``exceptionMessage``."""
    fields = [("exceptionCode", error.error_code), ("exceptionMessage", error.message)]
    return info_body("error", fields, as_json=as_json)


def parse_info(text: str, *, as_json: bool) -> dict[str, object]:
    """A ``jobInfo`` request body (create or state change) as a flat dict of its fields."""
    if as_json:
        try:
            body = json.loads(text or "null")
        except json.JSONDecodeError as exc:
            raise BulkV1Error("InvalidJob", f"Unable to parse the JSON body: {exc.msg}") from exc
        if not isinstance(body, dict):
            raise BulkV1Error("InvalidJob", "The JSON body must be a jobInfo object")
        return body
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - a local test double parses its input
    except ElementTree.ParseError as exc:
        raise BulkV1Error("InvalidXML", f"Unable to parse the XML body: {exc}") from exc
    if root.tag not in (f"{{{NAMESPACE}}}jobInfo", "jobInfo"):
        raise BulkV1Error("InvalidXML", f"Expected a jobInfo element in {NAMESPACE}")
    return {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in root}

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


def describe_body(obj: ObjectDef, api_version: str) -> dict[str, object]:
    """The ``GET sobjects/{X}/describe`` body."""
    return {**global_entry(obj, api_version), **obj.describe_details()}


# --- queries ----------------------------------------------------------------------------------


def query_records(page: QueryPage, api_version: str) -> list[dict[str, Any]]:
    """The REST records of a page (an aggregate page is its one AggregateResult)."""
    compiled = page.compiled
    if compiled is None:
        return []
    if compiled.is_aggregate:
        return [compiled.render_aggregate(row) for row in page.rows]
    return [compiled.render_json(row, api_version) for row in page.rows]


def query_body(page: QueryPage, api_version: str, resource: str) -> dict[str, Any]:
    """A ``query``/``queryAll`` answer; ``resource`` names the one ``nextRecordsUrl`` follows."""
    body: dict[str, Any] = {"totalSize": page.total_size, "done": page.done}
    if page.next_locator is not None:
        body["nextRecordsUrl"] = data_path(api_version, resource, page.next_locator)
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

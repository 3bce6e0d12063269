"""The route table: Salesforce paths (and the emulator's ``/__admin/`` paths) to their handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.routing import BaseConverter, Map, Rule, ValidationError
from werkzeug.wrappers import Response

from salesforce_emulator import admin, composite, responses
from salesforce_emulator.bulk_v1 import handlers as bulk_v1
from salesforce_emulator.models.org import API_VERSIONS

Handler = Callable[..., Response]


class VersionConverter(BaseConverter):
    """``v64.0`` style API versions (the ``v`` is part of the rule); unknown versions are 404."""

    regex = r"\d{2}\.\d"

    def to_python(self, value: str) -> str:
        """The version, or no match (404 NOT_FOUND) when the org does not serve it."""
        if value not in API_VERSIONS:
            raise ValidationError
        return value


class AnyPathConverter(BaseConverter):
    """A path segment that may contain anything but a slash (record Ids, external ids)."""

    regex = r"[^/]+"


DATA = "/services/data/v<v:version>"
ASYNC = "/services/async/<v:version>"

RULES: list[tuple[str, Handler, list[str]]] = [
    # OAuth and SOAP login
    ("/services/oauth2/token", responses.token, ["POST"]),
    ("/services/Soap/u/<v:version>", responses.soap_login, ["POST"]),
    # REST
    ("/services/data/", responses.versions, ["GET"]),
    ("/services/data", responses.versions, ["GET"]),
    (f"{DATA}/", responses.resources, ["GET"]),
    (f"{DATA}", responses.resources, ["GET"]),
    (f"{DATA}/limits/recordCount", responses.limits_record_count, ["GET"]),
    (f"{DATA}/limits", responses.limits, ["GET"]),
    (f"{DATA}/limits/", responses.limits, ["GET"]),
    (f"{DATA}/sobjects", responses.describe_global, ["GET"]),
    (f"{DATA}/sobjects/", responses.describe_global, ["GET"]),
    (f"{DATA}/sobjects/<object>/describe", responses.describe, ["GET"]),
    (f"{DATA}/sobjects/<object>/describe/", responses.describe, ["GET"]),
    (f"{DATA}/sobjects/<object>/deleted/", responses.deleted, ["GET"]),
    (f"{DATA}/sobjects/<object>/deleted", responses.deleted, ["GET"]),
    (f"{DATA}/sobjects/<object>/updated/", responses.updated, ["GET"]),
    (f"{DATA}/sobjects/<object>/updated", responses.updated, ["GET"]),
    (f"{DATA}/sobjects/<object>", responses.sobject, ["GET", "POST"]),
    (f"{DATA}/sobjects/<object>/", responses.sobject, ["GET", "POST"]),
    (f"{DATA}/sobjects/<object>/<record_id>", responses.record, ["GET", "PATCH", "DELETE"]),
    (
        f"{DATA}/sobjects/<object>/<field>/<segment:value>",
        responses.record_by_external_id,
        ["GET", "PATCH"],
    ),
    (f"{DATA}/query", responses.query, ["GET"]),
    (f"{DATA}/query/", responses.query, ["GET"]),
    (f"{DATA}/queryAll", responses.query_all, ["GET"]),
    (f"{DATA}/queryAll/", responses.query_all, ["GET"]),
    (f"{DATA}/query/<locator>", responses.query_more, ["GET"]),
    (f"{DATA}/queryAll/<locator>", responses.query_all_more, ["GET"]),
    (f"{DATA}/composite", composite.composite, ["POST"]),
    (f"{DATA}/composite/batch", responses.composite_batch, ["POST"]),
    (
        f"{DATA}/composite/sobjects",
        responses.composite_sobjects,
        ["GET", "POST", "PATCH", "DELETE"],
    ),
    (f"{DATA}/composite/sobjects/<object>", responses.composite_sobjects_get, ["GET", "POST"]),
    (
        f"{DATA}/composite/sobjects/<object>/<field>",
        responses.composite_sobjects_upsert,
        ["PATCH"],
    ),
    (f"{DATA}/ui-api/records", responses.ui_api_records, ["POST"]),
    (f"{DATA}/ui-api/records/", responses.ui_api_records, ["POST"]),
    (f"{DATA}/jobs/query", responses.bulk_query_jobs, ["GET", "POST"]),
    (f"{DATA}/jobs/query/<job_id>", responses.bulk_query_job, ["GET", "PATCH", "DELETE"]),
    (f"{DATA}/jobs/query/<job_id>/resultPages", responses.bulk_query_result_pages, ["GET"]),
    (f"{DATA}/jobs/query/<job_id>/results", responses.bulk_query_results, ["GET"]),
    (f"{DATA}/jobs/query/<job_id>/results/", responses.bulk_query_results, ["GET"]),
    (f"{DATA}/jobs/ingest", responses.bulk_ingest_jobs, ["GET", "POST"]),
    (f"{DATA}/jobs/ingest/", responses.bulk_ingest_jobs, ["GET", "POST"]),
    (f"{DATA}/jobs/ingest/<job_id>", responses.bulk_ingest_job, ["GET", "PATCH", "DELETE"]),
    (f"{DATA}/jobs/ingest/<job_id>/batches", responses.bulk_ingest_upload, ["PUT"]),
    (f"{DATA}/jobs/ingest/<job_id>/batches/", responses.bulk_ingest_upload, ["PUT"]),
    (f"{DATA}/jobs/ingest/<job_id>/<segment:kind>", responses.bulk_ingest_results, ["GET"]),
    (f"{DATA}/jobs/ingest/<job_id>/<segment:kind>/", responses.bulk_ingest_results, ["GET"]),
    (f"{DATA}/analytics/reports", responses.analytics_reports, ["GET"]),
    (f"{DATA}/analytics/reports/", responses.analytics_reports, ["GET"]),
    (
        f"{DATA}/analytics/reports/<report_id>/describe",
        responses.analytics_report_describe,
        ["GET"],
    ),
    (f"{DATA}/analytics/reports/<report_id>", responses.analytics_report_run, ["GET", "POST"]),
    # Bulk API 1.0
    (f"{ASYNC}/job", bulk_v1.bulk_v1_jobs, ["POST"]),
    (f"{ASYNC}/job/<job_id>", bulk_v1.bulk_v1_job, ["GET", "POST"]),
    (f"{ASYNC}/job/<job_id>/batch", bulk_v1.bulk_v1_batches, ["GET", "POST"]),
    (f"{ASYNC}/job/<job_id>/batch/<batch_id>", bulk_v1.bulk_v1_batch, ["GET"]),
    (f"{ASYNC}/job/<job_id>/batch/<batch_id>/result", bulk_v1.bulk_v1_results, ["GET"]),
    (
        f"{ASYNC}/job/<job_id>/batch/<batch_id>/result/<result_id>",
        bulk_v1.bulk_v1_result,
        ["GET"],
    ),
    # emulator administration
    ("/__admin/health", admin.admin_health, ["GET"]),
    ("/__admin/reset", admin.admin_reset, ["POST"]),
    ("/__admin/calls", admin.admin_calls, ["GET"]),
    ("/__admin/faults", admin.admin_faults, ["GET", "POST", "DELETE"]),
    ("/__admin/settings", admin.admin_settings, ["GET", "PATCH"]),
    ("/__admin/sessions/expire", admin.admin_expire_sessions, ["POST"]),
    ("/__admin/cursors/expire", admin.admin_expire_cursors, ["POST"]),
    ("/__admin/objects", admin.admin_objects, ["GET", "POST"]),
    ("/__admin/objects/<object>", admin.admin_object, ["PATCH"]),
    ("/__admin/objects/<object>/fields", admin.admin_fields, ["POST"]),
    ("/__admin/objects/<object>/generate", admin.admin_generate, ["POST"]),
    ("/__admin/records/<object>", admin.admin_records, ["GET", "POST", "PATCH"]),
    ("/__admin/records/<object>/delete", admin.admin_delete, ["POST"]),
    ("/__admin/records/<object>/purge", admin.admin_purge, ["POST"]),
    ("/__admin/connected_apps", admin.admin_connected_apps, ["POST"]),
    ("/__admin/users", admin.admin_users, ["POST"]),
]

UNCOUNTED: frozenset[Handler] = frozenset({responses.token, responses.soap_login})
"""Calls that do not count against the daily API allowance."""
SELF_CHECKED: frozenset[Handler] = frozenset(bulk_v1.HANDLERS)
"""Bulk API 1.0 calls: they check ``X-SFDC-Session`` and count themselves (Bulk error bodies)."""
UNAUTHENTICATED: frozenset[Handler] = UNCOUNTED | {responses.versions} | SELF_CHECKED
"""Calls the server answers without checking a bearer token first."""
NOT_IN_BATCH: frozenset[Handler] = (
    UNCOUNTED | {responses.composite_batch, composite.composite} | SELF_CHECKED
)
"""Calls a ``composite`` or ``composite/batch`` sub-request may not make (nor ``/__admin/``)."""
ADMIN_HANDLERS: frozenset[Handler] = frozenset(
    handler for path, handler, _methods in RULES if path.startswith("/__admin/")
)
"""The ``/__admin/`` handlers: no faults, no bearer check, never counted."""


@dataclass(frozen=True)
class Endpoint:
    """A route's handler and how the server treats calls to it."""

    handler: Handler

    @property
    def name(self) -> str:
        """The endpoint's name (the handler's), as fault rules and call counts use it."""
        return self.handler.__name__

    @property
    def admin(self) -> bool:
        """True for ``/__admin/`` endpoints: no faults, no bearer check, not counted."""
        return self.handler in ADMIN_HANDLERS

    @property
    def counted(self) -> bool:
        """True when a call counts against the daily API allowance (given its path)."""
        return not self.admin and self.handler not in UNCOUNTED

    @property
    def authenticated(self) -> bool:
        """True when the server checks the bearer token before the handler runs."""
        return not self.admin and self.handler not in UNAUTHENTICATED

    @property
    def batchable(self) -> bool:
        """True when a ``composite/batch`` sub-request may call it."""
        return not self.admin and self.handler not in NOT_IN_BATCH


def build_map() -> Map:
    """The werkzeug routing map; a match's endpoint is an :class:`Endpoint`."""
    return Map(
        [
            Rule(path, endpoint=Endpoint(handler), methods=methods)
            for path, handler, methods in RULES
        ],
        converters={"v": VersionConverter, "segment": AnyPathConverter},
        strict_slashes=False,
        merge_slashes=False,
    )

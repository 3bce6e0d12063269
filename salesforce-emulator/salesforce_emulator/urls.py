"""The route table: Salesforce paths (and the emulator's ``/__admin/`` paths) to endpoint names."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, Map, Rule, ValidationError

API_VERSIONS = [f"{major}.0" for major in range(20, 67)]


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

RULES = [
    # OAuth and SOAP login
    ("/services/oauth2/token", "token", ["POST"]),
    ("/services/Soap/u/<v:version>", "soap_login", ["POST"]),
    # REST
    ("/services/data/", "versions", ["GET"]),
    ("/services/data", "versions", ["GET"]),
    (f"{DATA}/", "resources", ["GET"]),
    (f"{DATA}", "resources", ["GET"]),
    (f"{DATA}/limits", "limits", ["GET"]),
    (f"{DATA}/limits/", "limits", ["GET"]),
    (f"{DATA}/sobjects", "describe_global", ["GET"]),
    (f"{DATA}/sobjects/", "describe_global", ["GET"]),
    (f"{DATA}/sobjects/<object>/describe", "describe", ["GET"]),
    (f"{DATA}/sobjects/<object>/describe/", "describe", ["GET"]),
    (f"{DATA}/sobjects/<object>/deleted/", "deleted", ["GET"]),
    (f"{DATA}/sobjects/<object>/deleted", "deleted", ["GET"]),
    (f"{DATA}/sobjects/<object>/updated/", "updated", ["GET"]),
    (f"{DATA}/sobjects/<object>/updated", "updated", ["GET"]),
    (f"{DATA}/sobjects/<object>", "sobject", ["GET", "POST"]),
    (f"{DATA}/sobjects/<object>/", "sobject", ["GET", "POST"]),
    (f"{DATA}/sobjects/<object>/<record_id>", "record", ["GET", "PATCH", "DELETE"]),
    (
        f"{DATA}/sobjects/<object>/<field>/<segment:value>",
        "record_by_external_id",
        ["GET", "PATCH"],
    ),
    (f"{DATA}/query", "query", ["GET"]),
    (f"{DATA}/query/", "query", ["GET"]),
    (f"{DATA}/queryAll", "query_all", ["GET"]),
    (f"{DATA}/queryAll/", "query_all", ["GET"]),
    (f"{DATA}/query/<locator>", "query_more", ["GET"]),
    (f"{DATA}/queryAll/<locator>", "query_all_more", ["GET"]),
    (f"{DATA}/composite/batch", "composite_batch", ["POST"]),
    (f"{DATA}/composite/sobjects", "composite_sobjects", ["GET", "POST", "PATCH", "DELETE"]),
    (f"{DATA}/composite/sobjects/<object>", "composite_sobjects_get", ["GET", "POST"]),
    (f"{DATA}/jobs/query", "bulk_query_jobs", ["GET", "POST"]),
    (f"{DATA}/jobs/query/<job_id>", "bulk_query_job", ["GET", "PATCH", "DELETE"]),
    (f"{DATA}/jobs/query/<job_id>/results", "bulk_query_results", ["GET"]),
    (f"{DATA}/jobs/query/<job_id>/results/", "bulk_query_results", ["GET"]),
    (f"{DATA}/jobs/ingest", "bulk_ingest_jobs", ["GET", "POST"]),
    (f"{DATA}/jobs/ingest/", "bulk_ingest_jobs", ["GET", "POST"]),
    (f"{DATA}/jobs/ingest/<job_id>", "bulk_ingest_job", ["GET", "PATCH", "DELETE"]),
    (f"{DATA}/jobs/ingest/<job_id>/batches", "bulk_ingest_upload", ["PUT"]),
    (f"{DATA}/jobs/ingest/<job_id>/batches/", "bulk_ingest_upload", ["PUT"]),
    (f"{DATA}/jobs/ingest/<job_id>/<segment:kind>", "bulk_ingest_results", ["GET"]),
    (f"{DATA}/jobs/ingest/<job_id>/<segment:kind>/", "bulk_ingest_results", ["GET"]),
    # emulator administration
    ("/__admin/health", "admin_health", ["GET"]),
    ("/__admin/reset", "admin_reset", ["POST"]),
    ("/__admin/calls", "admin_calls", ["GET"]),
    ("/__admin/faults", "admin_faults", ["GET", "POST", "DELETE"]),
    ("/__admin/settings", "admin_settings", ["GET", "PATCH"]),
    ("/__admin/sessions/expire", "admin_expire_sessions", ["POST"]),
    ("/__admin/cursors/expire", "admin_expire_cursors", ["POST"]),
    ("/__admin/objects", "admin_objects", ["GET", "POST"]),
    ("/__admin/objects/<object>", "admin_object", ["PATCH"]),
    ("/__admin/objects/<object>/generate", "admin_generate", ["POST"]),
    ("/__admin/records/<object>", "admin_records", ["GET", "POST", "PATCH"]),
    ("/__admin/records/<object>/delete", "admin_delete", ["POST"]),
    ("/__admin/records/<object>/purge", "admin_purge", ["POST"]),
    ("/__admin/connected_apps", "admin_connected_apps", ["POST"]),
    ("/__admin/users", "admin_users", ["POST"]),
]

# Calls that do not count against the daily API allowance.
UNCOUNTED = frozenset({"token", "soap_login"})


def build_map() -> Map:
    """The werkzeug routing map."""
    return Map(
        [Rule(path, endpoint=endpoint, methods=methods) for path, endpoint, methods in RULES],
        converters={"v": VersionConverter, "segment": AnyPathConverter},
        strict_slashes=False,
        merge_slashes=False,
    )

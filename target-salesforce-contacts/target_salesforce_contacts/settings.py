"""The target's settings: declared once (JSON schema) and read into a typed object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from salesforce_common import CONNECTION_SETTINGS, QUOTA_SETTINGS
from singer_sdk import typing as th

DEFAULT_REJECTS_PATH = "contacts-rejects.jsonl"
DEFAULT_PLAN_PATH = "contacts-plan.jsonl"
DEFAULT_BULK_THRESHOLD = 2000
DEFAULT_BATCH_SIZE_ROWS = 10_000
DEFAULT_BACKOFF_BASE_SECONDS = 1.0
DEFAULT_JOURNAL_NAME = "contacts-journal.json"
DEFAULT_BULK_JOB_TIMEOUT_SECONDS = 3600.0


class SyncMode(StrEnum):
    """What to do with matched and unmatched records."""

    UPSERT = "upsert"
    UPDATE_ONLY = "update_only"
    CREATE_ONLY = "create_only"

    @property
    def creates(self) -> bool:
        """True when unmatched records create Contacts."""
        return self is not SyncMode.UPDATE_ONLY

    @property
    def updates(self) -> bool:
        """True when matched records update Contacts."""
        return self is not SyncMode.CREATE_ONLY


class MultipleMatchPolicy(StrEnum):
    """What to do when several Contacts share a record's email."""

    UPDATE_OLDEST = "update_oldest"
    UPDATE_ALL = "update_all"
    REJECT = "reject"


TARGET_SETTINGS = th.PropertiesList(
    th.Property(
        "streams",
        th.ArrayType(th.StringType),
        description=(
            "Names of the streams to write as Contacts. Default: every stream. Records of "
            "other streams are ignored (logged once per stream)."
        ),
    ),
    th.Property(
        "email_field",
        th.StringType,
        description=(
            "The record property holding the email that identifies a Contact (a dotted path "
            "such as `person.email` reaches into nested objects). Default: the property named "
            "`email` in any case, with or without underscores."
        ),
    ),
    th.Property(
        "field_mapping",
        th.ObjectType(additional_properties=th.StringType),
        description=(
            "Explicit mapping `{source property or dotted path: Contact field}`, on top of the "
            "automatic mapping of property names to Contact fields (case and underscores "
            'ignored: `first_name` -> `FirstName`). Example: `{"company.city": "MailingCity"}`.'
        ),
    ),
    th.Property(
        "static_fields",
        th.ObjectType(additional_properties=th.AnyType),
        description=(
            'Constant Contact field values written with every record, e.g. `{"LeadSource": '
            '"Warehouse"}`.'
        ),
    ),
    th.Property(
        "default_last_name",
        th.StringType,
        description=(
            "LastName for new Contacts whose record has none (Salesforce requires one). "
            "Default: such records are rejected."
        ),
    ),
    th.Property(
        "sync_mode",
        th.StringType,
        default=SyncMode.UPSERT.value,
        allowed_values=[m.value for m in SyncMode],
        description=(
            "`upsert`: update matched Contacts, create the others; `update_only`: never create "
            "(unmatched records are skipped); `create_only`: never update (matched records are "
            "skipped)."
        ),
    ),
    th.Property(
        "on_multiple_matches",
        th.StringType,
        default=MultipleMatchPolicy.UPDATE_OLDEST.value,
        allowed_values=[p.value for p in MultipleMatchPolicy],
        description=(
            "When several Contacts share a record's email: `update_oldest` (by CreatedDate; "
            "reported), `update_all`, or `reject` (dead-lettered with the Contact Ids)."
        ),
    ),
    th.Property(
        "allow_duplicate_save",
        th.BooleanType,
        default=False,
        description=(
            "Save records that trip an org duplicate rule (sends "
            "`Sforce-Duplicate-Rule-Header: allowSave=true`). Default: such records are "
            "rejected with DUPLICATES_DETECTED."
        ),
    ),
    th.Property(
        "external_id_field",
        th.StringType,
        description=(
            "A unique, case-insensitive external-ID text field on Contact (e.g. "
            "`Email_Key__c`) that the target fills with the lower-cased email. Creates then "
            "go through the resend-safe upsert `PATCH composite/sobjects/Contact/<field>` "
            "(200 per call). Default: creates go through Bulk API 2.0 ingest jobs, tracked "
            "in `journal_path`."
        ),
    ),
    th.Property(
        "journal_path",
        th.StringType,
        description=(
            "Small JSON file (mode 0600) recording each Bulk ingest job that may create "
            "Contacts while its outcome is unsettled; the next run settles those jobs before "
            "any lookup. Default: `contacts-journal.json` beside `rejects_path`."
        ),
    ),
    th.Property(
        "bulk_threshold",
        th.IntegerType(minimum=0),
        default=DEFAULT_BULK_THRESHOLD,
        description=(
            "Above this many Contacts to update in a batch without creates, use a Bulk API "
            "2.0 ingest job instead of sObject collections (200 records per call). Batches "
            "with creates use one ingest job whatever their size (unless "
            "`external_id_field` is set)."
        ),
    ),
    th.Property(
        "bulk_job_timeout_seconds",
        th.NumberType(minimum=1),
        default=DEFAULT_BULK_JOB_TIMEOUT_SECONDS,
        description=(
            "Stop waiting for a Bulk ingest job after this many seconds (exit 1; the job "
            "stays in the journal and the next run waits for it first)."
        ),
    ),
    th.Property(
        "batch_size_rows",
        th.IntegerType(minimum=1),
        default=DEFAULT_BATCH_SIZE_ROWS,
        description=(
            "Records per batch. Each batch is looked up, written, then its STATE is passed on."
        ),
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description=(
            "Look Contacts up but write nothing; the plan (create / update with changed fields "
            "/ unchanged / reject / skip) goes to `plan_path`."
        ),
    ),
    th.Property(
        "plan_path",
        th.StringType,
        default=DEFAULT_PLAN_PATH,
        description=(
            "JSONL file for the dry-run plan (relative paths: from the working directory; "
            "overwritten by each dry run)."
        ),
    ),
    th.Property(
        "rejects_path",
        th.StringType,
        default=DEFAULT_REJECTS_PATH,
        description=(
            "JSONL dead-letter file: one line per rejected record with the original record, "
            "stream, reason and Salesforce's code (relative paths: from the working directory; "
            "appended to, created on the first reject)."
        ),
    ),
    th.Property(
        "max_rejects",
        th.IntegerType(minimum=0),
        description="Fail the run (exit 1) once more than this many records were rejected.",
    ),
    th.Property(
        "backoff_base_seconds",
        th.NumberType(minimum=0),
        default=DEFAULT_BACKOFF_BASE_SECONDS,
        description=(
            "First wait before retrying a transient failure (doubles on each retry; "
            "`max_retries` bounds the retries)."
        ),
    ),
)
"""Target-only settings (connection and quota settings come from salesforce-common)."""

CONFIG_JSONSCHEMA: dict[str, Any] = th.PropertiesList(
    *CONNECTION_SETTINGS, *TARGET_SETTINGS, *QUOTA_SETTINGS
).to_dict()
"""The whole ``config_jsonschema`` of the target."""


@dataclass(frozen=True)
class TargetSettings:
    """The target-only settings, typed (the JSON schema has already validated them)."""

    streams: frozenset[str] | None = None
    email_field: str | None = None
    field_mapping: Mapping[str, str] = field(default_factory=dict)
    static_fields: Mapping[str, Any] = field(default_factory=dict)
    default_last_name: str | None = None
    sync_mode: SyncMode = SyncMode.UPSERT
    on_multiple_matches: MultipleMatchPolicy = MultipleMatchPolicy.UPDATE_OLDEST
    allow_duplicate_save: bool = False
    external_id_field: str | None = None
    journal_path: Path = Path(DEFAULT_JOURNAL_NAME)
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD
    bulk_job_timeout_seconds: float = DEFAULT_BULK_JOB_TIMEOUT_SECONDS
    dry_run: bool = False
    plan_path: Path = Path(DEFAULT_PLAN_PATH)
    rejects_path: Path = Path(DEFAULT_REJECTS_PATH)
    max_rejects: int | None = None
    max_api_usage_percent: float | None = None
    max_api_calls: int | None = None
    backoff_base_seconds: float = DEFAULT_BACKOFF_BASE_SECONDS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TargetSettings:
        """Read the settings from a plugin config, applying defaults.

        Types, bounds and allowed values are checked once, by ``CONFIG_JSONSCHEMA``; this only
        reads: an empty ``streams`` means every stream, a blank ``default_last_name`` none.

        Args:
            config: The plugin config (validated against ``CONFIG_JSONSCHEMA``).

        Returns:
            The settings.
        """
        streams = config.get("streams")
        default_last_name = (config.get("default_last_name") or "").strip()
        rejects_path = Path(config.get("rejects_path") or DEFAULT_REJECTS_PATH)
        journal = config.get("journal_path")
        journal_path = Path(journal) if journal else rejects_path.parent / DEFAULT_JOURNAL_NAME
        return cls(
            streams=frozenset(streams) if streams else None,
            email_field=config.get("email_field") or None,
            field_mapping=dict(config.get("field_mapping") or {}),
            static_fields=dict(config.get("static_fields") or {}),
            default_last_name=default_last_name or None,
            sync_mode=SyncMode(config.get("sync_mode") or SyncMode.UPSERT.value),
            on_multiple_matches=MultipleMatchPolicy(
                config.get("on_multiple_matches") or MultipleMatchPolicy.UPDATE_OLDEST.value
            ),
            allow_duplicate_save=bool(config.get("allow_duplicate_save")),
            external_id_field=(config.get("external_id_field") or "").strip() or None,
            journal_path=journal_path,
            bulk_threshold=int(config.get("bulk_threshold", DEFAULT_BULK_THRESHOLD)),
            bulk_job_timeout_seconds=float(
                config.get("bulk_job_timeout_seconds", DEFAULT_BULK_JOB_TIMEOUT_SECONDS)
            ),
            dry_run=bool(config.get("dry_run")),
            plan_path=Path(config.get("plan_path") or DEFAULT_PLAN_PATH),
            rejects_path=rejects_path,
            max_rejects=config.get("max_rejects"),
            max_api_usage_percent=config.get("max_api_usage_percent"),
            max_api_calls=config.get("max_api_calls"),
            backoff_base_seconds=float(
                config.get("backoff_base_seconds", DEFAULT_BACKOFF_BASE_SECONDS)
            ),
        )

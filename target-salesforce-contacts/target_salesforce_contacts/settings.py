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
DEFAULT_MAX_PARALLEL_REQUESTS = 4
MAX_PARALLEL_REQUESTS = 20
"""Upper bound of ``max_parallel_requests``: under Salesforce's 25 concurrent long-running
requests per org, leaving room for other clients of the org."""
DEFAULT_BATCH_SIZE_ROWS = 10_000
DEFAULT_BACKOFF_BASE_SECONDS = 1.0
DEFAULT_JOURNAL_NAME = "contacts-journal.json"
DEFAULT_BULK_JOB_TIMEOUT_SECONDS = 3600.0
DEFAULT_TRACKING_NAME = "contacts-synced.json"
DEFAULT_MAX_DELETE_PERCENT = 10.0
SUMMARY_SUFFIX = ".summary.json"


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


class FieldPolicy(StrEnum):
    """When a mapped field is written."""

    OVERWRITE = "overwrite"
    FILL_IF_EMPTY = "fill_if_empty"
    ON_CREATE = "on_create"


class AccountPolicy(StrEnum):
    """Whether and how Contacts are linked to Accounts."""

    NONE = "none"
    MATCH_ONLY = "match_only"
    MATCH_OR_CREATE = "match_or_create"


class AccountAmbiguity(StrEnum):
    """What to do when several Accounts match one key."""

    OLDEST = "oldest"
    REJECT = "reject"


class LeadPolicy(StrEnum):
    """What to do with a record whose email belongs to an unconverted Lead."""

    IGNORE = "ignore"
    SKIP = "skip"
    UPDATE_LEAD = "update_lead"


class MatchMode(StrEnum):
    """How several match keys combine."""

    FIRST = "first"
    ALL = "all"


class DeleteMode(StrEnum):
    """How a deleted source record reaches Salesforce."""

    DELETE = "delete"
    FLAG = "flag"


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
        "max_parallel_requests",
        th.IntegerType(minimum=1, maximum=MAX_PARALLEL_REQUESTS),
        default=DEFAULT_MAX_PARALLEL_REQUESTS,
        description=(
            "Most requests the target has in flight at once: lookups (`... IN (...)` "
            "queries), sObject collection calls (200 records each) and Bulk API ingest calls. "
            "Above 1, a batch's writes also run while the next batch is read and looked up. "
            "Salesforce allows 25 concurrent long-running requests per org; 1 sends every "
            "request, and each batch, one after another. With `max_api_calls`, "
            "`max_api_usage_percent` or `max_api_share_percent` set, requests are sent one at a "
            "time so that the cap is exact."
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
    th.Property(
        "field_policies",
        th.ObjectType(
            additional_properties=th.StringType(allowed_values=[p.value for p in FieldPolicy])
        ),
        description=(
            "Per Contact field write policy `{Field: policy}`: `overwrite` (default), "
            "`fill_if_empty` (write only where Salesforce holds null or an empty string) or "
            "`on_create` (set when the Contact is created, never updated). Example: "
            '`{"LeadSource": "on_create", "Title": "fill_if_empty"}`.'
        ),
    ),
    th.Property(
        "match_keys",
        th.ArrayType(th.StringType),
        description=(
            'Ordered Contact fields that identify a Contact, e.g. `["Email", '
            '"Secondary_Email__c", "Employee_Id__c"]`. `Email` is the record\'s email; '
            "another field takes the record's value mapped to that field (the "
            '`external_id_field` takes the email key). Default: `["Email"]`.'
        ),
    ),
    th.Property(
        "match_mode",
        th.StringType,
        default=MatchMode.FIRST.value,
        allowed_values=[m.value for m in MatchMode],
        description=(
            "`first`: the first of `match_keys` that finds a Contact wins; `all`: every key "
            "the record has a value for must find the same Contact(s), else the record is "
            "rejected as MATCH_KEYS_DISAGREE."
        ),
    ),
    th.Property(
        "account_policy",
        th.StringType,
        default=AccountPolicy.NONE.value,
        allowed_values=[p.value for p in AccountPolicy],
        description=(
            "Link Contacts to Accounts (AccountId): `none` (default), `match_only` (link when "
            "an Account matches), `match_or_create` (create the Account when none matches)."
        ),
    ),
    th.Property(
        "account_source_field",
        th.StringType,
        description=(
            "The record property (or dotted path) holding the Account key. Default: the "
            "domain of the record's email (free-mail domains excluded)."
        ),
    ),
    th.Property(
        "account_match_field",
        th.StringType,
        description=(
            "The Account field the key is matched against (filterable; an external ID, "
            "`Name` or a custom field). Default: `Website` (compared as a domain) for email "
            "domains, `Name` for `account_source_field`."
        ),
    ),
    th.Property(
        "account_on_multiple_matches",
        th.StringType,
        default=AccountAmbiguity.OLDEST.value,
        allowed_values=[a.value for a in AccountAmbiguity],
        description=(
            "When several Accounts match one key: `oldest` (by CreatedDate, then Id; "
            "default) or `reject` (the record is dead-lettered as MULTIPLE_ACCOUNTS)."
        ),
    ),
    th.Property(
        "free_email_domains",
        th.ArrayType(th.StringType),
        description=(
            "Email domains never used to find or create an Account, on top of the built-in "
            "list of free-mail domains (gmail.com, outlook.com, yahoo.com, ...)."
        ),
    ),
    th.Property(
        "lead_policy",
        th.StringType,
        default=LeadPolicy.IGNORE.value,
        allowed_values=[p.value for p in LeadPolicy],
        description=(
            "A record that matches no Contact but whose email belongs to an unconverted Lead: "
            "`ignore` (default: create the Contact), `skip` (dead-letter as LEAD_EXISTS with "
            "the Lead Id) or `update_lead` (update the Lead with the mapped fields Lead has)."
        ),
    ),
    th.Property(
        "sync_deletes",
        th.BooleanType,
        default=False,
        description=(
            "Delete (or flag, see `delete_mode`) the matching Contact of a record whose "
            "`_sdc_deleted_at` is set, and handle ACTIVATE_VERSION: Contacts this stream "
            "synced with an older table version are deleted or flagged."
        ),
    ),
    th.Property(
        "delete_mode",
        th.StringType,
        default=DeleteMode.DELETE.value,
        allowed_values=[m.value for m in DeleteMode],
        description=(
            "`delete` (default; hard delete, to the Recycle Bin) or `flag` (set the checkbox "
            "`delete_flag_field` to true; soft delete)."
        ),
    ),
    th.Property(
        "delete_flag_field",
        th.StringType,
        description="The Contact checkbox field set to true by `delete_mode: flag`.",
    ),
    th.Property(
        "max_delete_percent",
        th.NumberType(minimum=0, maximum=100),
        default=DEFAULT_MAX_DELETE_PERCENT,
        description=(
            "Stop the run (one line, before any delete) when the Contacts to delete would "
            "exceed this percentage of the Contacts matched in the run so far (ACTIVATE_VERSION: "
            "of the Contacts the stream synced)."
        ),
    ),
    th.Property(
        "tracking_path",
        th.StringType,
        description=(
            "JSON file (mode 0600) of the Contacts each stream synced and the table version "
            "they were last seen in, for ACTIVATE_VERSION deletes. Default: "
            "`contacts-synced.json` beside `rejects_path`."
        ),
    ),
    th.Property(
        "ledger_path",
        th.StringType,
        description=(
            "JSONL file (mode 0600, appended) with one line per input record: stream, source "
            "key, email, outcome, Contact/Account/Lead Id, fields changed, error code, run id. "
            "Default: no ledger."
        ),
    ),
    th.Property(
        "run_summary_path",
        th.StringType,
        description=(
            "JSON file (mode 0600, replaced) with the run's counts, API calls and duration. "
            "Default: `ledger_path` + `.summary.json` when a ledger is written."
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
    max_parallel_requests: int = DEFAULT_MAX_PARALLEL_REQUESTS
    bulk_job_timeout_seconds: float = DEFAULT_BULK_JOB_TIMEOUT_SECONDS
    dry_run: bool = False
    plan_path: Path = Path(DEFAULT_PLAN_PATH)
    rejects_path: Path = Path(DEFAULT_REJECTS_PATH)
    max_rejects: int | None = None
    max_api_usage_percent: float | None = None
    max_api_calls: int | None = None
    max_api_share_percent: float | None = None
    backoff_base_seconds: float = DEFAULT_BACKOFF_BASE_SECONDS
    field_policies: Mapping[str, FieldPolicy] = field(default_factory=dict)
    match_keys: tuple[str, ...] = ("Email",)
    match_mode: MatchMode = MatchMode.FIRST
    account_policy: AccountPolicy = AccountPolicy.NONE
    account_source_field: str | None = None
    account_match_field: str | None = None
    account_on_multiple_matches: AccountAmbiguity = AccountAmbiguity.OLDEST
    free_email_domains: frozenset[str] = frozenset()
    lead_policy: LeadPolicy = LeadPolicy.IGNORE
    sync_deletes: bool = False
    delete_mode: DeleteMode = DeleteMode.DELETE
    delete_flag_field: str | None = None
    max_delete_percent: float = DEFAULT_MAX_DELETE_PERCENT
    tracking_path: Path = Path(DEFAULT_TRACKING_NAME)
    ledger_path: Path | None = None
    run_summary_path: Path | None = None

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
        tracking = config.get("tracking_path")
        ledger = config.get("ledger_path")
        summary = config.get("run_summary_path")
        if not summary and ledger:
            summary = f"{ledger}{SUMMARY_SUFFIX}"
        return cls(
            field_policies={
                name: FieldPolicy(policy)
                for name, policy in (config.get("field_policies") or {}).items()
            },
            match_keys=tuple(config.get("match_keys") or ("Email",)),
            match_mode=MatchMode(config.get("match_mode") or MatchMode.FIRST.value),
            account_policy=AccountPolicy(config.get("account_policy") or AccountPolicy.NONE),
            account_source_field=config.get("account_source_field") or None,
            account_match_field=config.get("account_match_field") or None,
            account_on_multiple_matches=AccountAmbiguity(
                config.get("account_on_multiple_matches") or AccountAmbiguity.OLDEST
            ),
            free_email_domains=frozenset(
                d.strip().lower() for d in config.get("free_email_domains") or () if d.strip()
            ),
            lead_policy=LeadPolicy(config.get("lead_policy") or LeadPolicy.IGNORE),
            sync_deletes=bool(config.get("sync_deletes")),
            delete_mode=DeleteMode(config.get("delete_mode") or DeleteMode.DELETE),
            delete_flag_field=config.get("delete_flag_field") or None,
            max_delete_percent=float(config.get("max_delete_percent", DEFAULT_MAX_DELETE_PERCENT)),
            tracking_path=(
                Path(tracking) if tracking else rejects_path.parent / DEFAULT_TRACKING_NAME
            ),
            ledger_path=Path(ledger) if ledger else None,
            run_summary_path=Path(summary) if summary else None,
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
            max_parallel_requests=int(
                config.get("max_parallel_requests", DEFAULT_MAX_PARALLEL_REQUESTS)
            ),
            bulk_job_timeout_seconds=float(
                config.get("bulk_job_timeout_seconds", DEFAULT_BULK_JOB_TIMEOUT_SECONDS)
            ),
            dry_run=bool(config.get("dry_run")),
            plan_path=Path(config.get("plan_path") or DEFAULT_PLAN_PATH),
            rejects_path=rejects_path,
            max_rejects=config.get("max_rejects"),
            max_api_usage_percent=config.get("max_api_usage_percent"),
            max_api_calls=config.get("max_api_calls"),
            max_api_share_percent=config.get("max_api_share_percent"),
            backoff_base_seconds=float(
                config.get("backoff_base_seconds", DEFAULT_BACKOFF_BASE_SECONDS)
            ),
        )

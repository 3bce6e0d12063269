"""tap-salesforce-plus: the Singer tap class, its settings and stream discovery."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from salesforce_common import (
    CONNECTION_SETTINGS,
    QUOTA_SETTINGS,
    SECRET_SETTINGS,
    ConfigError,
    SalesforceSession,
    Secrets,
)
from salesforce_common.cli import OneLineErrorCommand
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_salesforce_plus.batch_files import batch_config_of
from tap_salesforce_plus.bulk_chunks import (
    DEFAULT_CHUNK_ROWS,
    DEFAULT_JOBS_IN_FLIGHT,
    MAX_CHUNKS,
    MAX_JOBS_IN_FLIGHT,
)
from tap_salesforce_plus.clock import ServerClock
from tap_salesforce_plus.discovery import describe_objects, global_describe
from tap_salesforce_plus.formulas import FormulaStream, formula_source
from tap_salesforce_plus.options import (
    API_TYPES,
    DEFAULT_BULK_PAGE_SIZE,
    DEFAULT_BULK_THRESHOLD,
    DEFAULT_LOOKBACK_MINUTES,
    DEFAULT_STATE_EVERY_RECORDS,
    DEFAULT_STATE_EVERY_SECONDS,
    MAX_PARALLEL_PAGES,
    MAX_STATE_EVERY_RECORDS,
    MAX_STATE_EVERY_SECONDS,
    TapOptions,
)
from tap_salesforce_plus.picklists import PicklistStream
from tap_salesforce_plus.query_streams import needed_objects, parse_query, query_source
from tap_salesforce_plus.registry import STANDARD_TABLES, Table, resolve_tables
from tap_salesforce_plus.relationships import parent_node, parent_objects
from tap_salesforce_plus.reports import ReportStream, report_sources
from tap_salesforce_plus.sdk_compat import TerminationHook
from tap_salesforce_plus.sources import StreamSource, table_source
from tap_salesforce_plus.state import check_state
from tap_salesforce_plus.streams import SoqlStream
from tap_salesforce_plus.termination import SignalSafeWriter, StopGuard, Stopper, log_stops

if TYPE_CHECKING:
    import click
    from salesforce_common.soql import Query
    from singer_sdk import Stream

    from tap_salesforce_plus.options import QuerySpec

NOT_BLANK = r"\S"
"""JSON-schema ``pattern`` of a string setting that must not be empty or blank."""
MAX_REPORT_NAME = 255
REPORT_ENTRY_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "pattern": r"^(\*|[A-Za-z][A-Za-z0-9_]*)$", "maxLength": 80},
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": NOT_BLANK, "maxLength": MAX_REPORT_NAME},
                "report_id": {"type": "string", "pattern": "^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$"},
                "developer_name": {
                    "type": "string",
                    "pattern": "^[A-Za-z][A-Za-z0-9_]*$",
                    "maxLength": 80,
                },
                "unique_column": {"type": "string", "pattern": NOT_BLANK},
                "replication_key": {"type": "string", "pattern": NOT_BLANK},
            },
            "required": ["name"],
            "oneOf": [{"required": ["report_id"]}, {"required": ["developer_name"]}],
            "additionalProperties": False,
        },
    ]
}
"""One ``reports`` entry: a developer name (or ``*``), or ``{name, report_id | developer_name}``."""
MAX_RELATIONSHIP_DEPTH = 5
"""Salesforce allows five levels of parent relationships in a SOQL path."""


class TapSalesforcePlus(TerminationHook):
    """Singer tap for Salesforce: standard and custom objects, incremental on SystemModstamp."""

    name = "tap-salesforce-plus"
    package_name = "tap-salesforce-plus"
    dynamic_catalog = True
    # The SDK's msgspec writer encodes Singer messages several times faster than the default
    # simplejson one; message writing was about a fifth of a Bulk extraction's time. This
    # subclass of it lets SIGTERM/SIGINT wait for the end of the message being written.
    message_writer_class = SignalSafeWriter

    config_jsonschema = th.PropertiesList(
        *CONNECTION_SETTINGS,
        th.Property(
            "start_date",
            th.StringType,
            description=(
                "Earliest `SystemModstamp` (or `LastModifiedDate`) to read: a date "
                "(`2024-01-01`, midnight UTC), a datetime (`2024-01-01T00:00:00Z`; no offset "
                "means UTC), or an ISO 8601 duration meaning that long ago (`P90D`). Later runs "
                "start from the bookmark in the state (minus the lookback), never before "
                "`start_date`. Unset: the whole history."
            ),
            examples=["2024-01-01", "2024-01-01T00:00:00Z", "P90D"],
        ),
        th.Property(
            "tables",
            th.ArrayType(th.StringType),
            description=(
                "What to sync. Unset: all standard tables ("
                + ", ".join(f"`{name}`" for name in STANDARD_TABLES)
                + "). Entries: a standard table name (or its object API name, e.g. "
                "`Product2`), `*` for every standard table, `custom:<ObjectApiName>` for one "
                "more object (stream name = the API name lower-cased, e.g. "
                "`my__community_group__c`), `custom:*` for every queryable custom object, or "
                "`picklist_values`: a stream of every picklist value of the other tables' "
                "picklist fields (dependent ones with their controlling values). A table the "
                "org lacks is skipped with a warning."
            ),
            examples=[
                ["account", "contact", "custom:My__Community_Group__c"],
                ["*", "custom:*"],
                ["account", "opportunity", "picklist_values"],
            ],
        ),
        th.Property(
            "queries",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType(pattern=NOT_BLANK), required=True),
                    th.Property("soql", th.StringType(pattern=NOT_BLANK), required=True),
                    th.Property("replication_key", th.StringType(pattern=NOT_BLANK)),
                    th.Property("primary_keys", th.ArrayType(th.StringType(min_length=1))),
                )
            ),
            description=(
                "SOQL query streams: `{name, soql, replication_key?, primary_keys?}` each. The "
                "schema comes from the `FROM` object's describe (parent fields such as "
                "`Account.Name` become a nested `Account` object). With `replication_key` (a "
                "datetime field) the tap adds `AND key >= <bookmark>` to the query's `WHERE` "
                "and sorts by it. Primary key: `Id` when selected, or `primary_keys`. Read "
                "over REST."
            ),
            examples=[
                [
                    {
                        "name": "open_deals",
                        "soql": "SELECT Id, Name, Amount, Account.Name, SystemModstamp "
                        "FROM Opportunity WHERE IsClosed = false",
                        "replication_key": "SystemModstamp",
                    }
                ]
            ],
        ),
        th.Property(
            "reports",
            th.ArrayType(th.CustomType(REPORT_ENTRY_SCHEMA)),
            description=(
                "Report streams, read through the Analytics REST API: `{name, report_id}` or "
                "`{name, developer_name}` each (a plain string is a developer name), with "
                "optional `unique_column` (a detail column with a unique value per row, to "
                "page past Salesforce's 2,000-row cut; default: the first Id, lookup or name "
                "column) and `replication_key` (a date or datetime detail column: the tap "
                "filters `greaterOrEqual` the bookmark). `*` adds every TABULAR report the "
                "user can see. Stream name: `name` snake-cased. One record per detail row "
                "(tabular, or summary reports' rows under every grouping); lookup columns "
                "also give `<col>__label`, currency columns `<col>__currency`."
            ),
            examples=[
                [
                    {"name": "Open Deals", "developer_name": "Open_Deals"},
                    {
                        "name": "pipeline",
                        "report_id": "00O5e000008abcdEAA",
                        "unique_column": "OPPORTUNITY_ID",
                    },
                ],
                ["*"],
            ],
        ),
        th.Property(
            "relationships",
            th.ObjectType(additional_properties=th.ArrayType(th.StringType(min_length=1))),
            description=(
                "Parent records to embed as sub-objects, by stream: e.g. "
                '`{"case": ["Contact"], "opportunity": ["Account"]}` adds a `Contact` object '
                "(the parent's fields, or null) to each case record, read in the same query."
            ),
            examples=[{"case": ["Contact"], "opportunity": ["Account"]}],
        ),
        th.Property(
            "include_deleted",
            th.BooleanType,
            default=False,
            description=(
                "Read with `queryAll`: deleted (recycle bin) and archived rows are included, "
                "deleted ones with `IsDeleted` = true, so deletes reach the destination. Rows "
                "purged from the recycle bin are reported from `sobjects/{X}/deleted` (last 30 "
                "days) as `{Id, IsDeleted: true, _sdc_deleted_at}`."
            ),
        ),
        th.Property(
            "lookback_minutes",
            th.IntegerType(minimum=0),
            default=DEFAULT_LOOKBACK_MINUTES,
            description=(
                "Minutes subtracted from the bookmark when building the incremental query, so "
                "rows committed late with an older `SystemModstamp` are not missed (rows in the "
                "window may be emitted again; targets upsert on `Id`)."
            ),
        ),
        th.Property(
            "lookback",
            th.StringType,
            description=(
                "The lookback as an ISO 8601 duration (`PT5M`, `PT1H`); when set it takes the "
                "place of `lookback_minutes`."
            ),
            examples=["PT15M"],
        ),
        th.Property(
            "include_base64",
            th.BooleanType,
            default=False,
            description=(
                "Include base64 fields (file bodies such as `Attachment.Body`) in schemas "
                "and queries. Off by default: they are large."
            ),
        ),
        th.Property(
            "api_type",
            th.StringType(allowed_values=list(API_TYPES)),
            default="auto",
            description=(
                "How tables are read: `rest` (SOQL `query`), `bulk` (Bulk API 2.0 query jobs, "
                "CSV results streamed page by page, resumable from the state), or `auto`: Bulk "
                "API above `bulk_threshold` rows, by the org's approximate count "
                "(`limits/recordCount`, asked with discovery) or, for a large table read from "
                "a bookmark, `SELECT COUNT()` with the read's filter. Objects the Bulk API does "
                "not support are read over REST (with a warning)."
            ),
        ),
        th.Property(
            "bulk_threshold",
            th.IntegerType(minimum=0),
            default=DEFAULT_BULK_THRESHOLD,
            description="With `api_type` `auto`: read a table with the Bulk API above this "
            "many rows.",
        ),
        th.Property(
            "bulk_page_size",
            th.IntegerType(minimum=1),
            default=DEFAULT_BULK_PAGE_SIZE,
            description=(
                "Most rows per Bulk API result page (`maxRecords`). From 10,000 up, a job is "
                "read in about ten pages of at least 2,000 rows, with short first and last "
                "pages. The state records each page read, so an interrupted run resumes at "
                "the next page of the same job."
            ),
        ),
        th.Property(
            "bulk_chunk_rows",
            th.IntegerType(minimum=1),
            default=DEFAULT_CHUNK_ROWS,
            description=(
                "A Bulk API read of more rows than this (by the org's approximate count, "
                "`limits/recordCount`; from a bookmark, a `COUNT()` of the read's window; "
                "without counts from the org, reads are not split) is split by record Id into "
                "chunks of about "
                "this many rows, one query job each (Bulk API 1.0's PK chunking, for Bulk API "
                "2.0): Salesforce runs them in parallel, none times out on a huge table, and "
                "the state records each chunk read, so an interrupted run resumes without "
                f"reading those again. At most {MAX_CHUNKS} chunks per read."
            ),
        ),
        th.Property(
            "bulk_max_jobs_in_flight",
            th.IntegerType(minimum=1, maximum=MAX_JOBS_IN_FLIGHT),
            default=DEFAULT_JOBS_IN_FLIGHT,
            description=(
                "Bulk API jobs of a chunked read that exist at a time: the chunk being read "
                "and the next ones, created ahead so that Salesforce prepares them meanwhile "
                "(a chunk of a wide object whose columns are split takes one job per part; "
                "the chunk being read always has its jobs)."
            ),
        ),
        th.Property(
            "bulk_parallel_pages",
            th.IntegerType(minimum=1, maximum=MAX_PARALLEL_PAGES),
            default=1,
            description=(
                "Bulk API result pages downloading at once. Above 1 (API 58.0 or later), the "
                "pages are listed by `resultPages` (Salesforce sizes them), downloaded that "
                "many at a time to temporary files and read in order: faster from an org that "
                "serves pages in parallel, memory stays flat. 1: pages of `bulk_page_size` "
                "follow the `Sforce-Locator` chain, the next one downloading while one is read."
            ),
        ),
        th.Property(
            "formula_refresh_hours",
            th.NumberType(exclusive_minimum=0),
            description=(
                "Re-read formula fields (which change without `SystemModstamp` moving) every "
                "this many hours: each table with formula fields gets a stream "
                "`<stream>__formulas` with `Id` and those fields, read for the whole table when "
                "due. Unset: off."
            ),
            examples=[24],
        ),
        th.Property(
            "formula_refresh_interval",
            th.StringType,
            description=(
                "`formula_refresh_hours` as an ISO 8601 duration (`P1D`, `PT6H`); when set it "
                "takes its place."
            ),
            examples=["P1D"],
        ),
        th.Property(
            "state_every_records",
            th.IntegerType(minimum=1, maximum=MAX_STATE_EVERY_RECORDS),
            default=DEFAULT_STATE_EVERY_RECORDS,
            description=(
                "Emit a STATE message at least every this many records of a stream, so that "
                "a run killed mid-stream (even with SIGKILL) re-reads at most about this many "
                "rows (plus `lookback_minutes`) when resumed from the last STATE."
            ),
        ),
        th.Property(
            "state_every_seconds",
            th.NumberType(minimum=1, maximum=MAX_STATE_EVERY_SECONDS),
            default=DEFAULT_STATE_EVERY_SECONDS,
            description=(
                "Emit a STATE message at least every this many seconds while a stream emits "
                "records (checked at each record)."
            ),
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=True,
            description=(
                "Full-table streams (objects without a replication key, or forced to "
                "`FULL_TABLE` in the catalog) stamp their records with a table version and end "
                "with an `ACTIVATE_VERSION` message once the whole table is read, so targets "
                "that support it (target-postgres) drop or mark deleted the rows that vanished "
                "from the org (`hard_delete: true` removes them). Never sent for a read that "
                "failed midway."
            ),
        ),
        *QUOTA_SETTINGS,
    ).to_dict()

    @cached_property
    def options(self) -> TapOptions:
        """The tap settings, validated (one-line ``ConfigError`` otherwise)."""
        return TapOptions.from_config(self.config)

    @cached_property
    def sf_session(self) -> SalesforceSession:
        """The one org session of the run; creating it validates the connection settings."""
        session = SalesforceSession(
            self.config,
            max_api_usage_percent=self.config.get("max_api_usage_percent"),
            max_api_calls=self.config.get("max_api_calls"),
            max_api_share_percent=self.config.get("max_api_share_percent"),
        )
        session.http.hooks["response"].append(self.clock.observe)
        return session

    @cached_property
    def stopper(self) -> Stopper:
        """What SIGTERM and SIGINT do: a final STATE, one log line, exit 143 or 130."""
        if self.config.get("batch_config"):  # no STATE inside a batch file: repeat the last
            return Stopper(
                self.stop_guard,
                self.message_writer,
                self.state_writer,
                lambda: getattr(self.message_writer, "last_state", None),
                covered="every record in announced batch files",
            )
        return Stopper(
            self.stop_guard,
            self.message_writer,
            self.state_writer,
            lambda: self.state,
        )

    @override
    def on_termination_signal(self, signum: int) -> None:
        """Stop with a final STATE covering every record emitted; exit ``128 + signum``.

        Args:
            signum: SIGTERM or SIGINT.
        """
        self.stopper.on_signal(signum)

    @override
    def load_state(self, state: dict[str, Any]) -> None:
        """Check the ``--state`` content's shape, then load it.

        Args:
            state: The state object.

        Raises:
            ConfigError: It is not a Singer state object (one line saying what is wrong).
        """
        check_state(state)
        super().load_state(state)

    @cached_property
    def clock(self) -> ServerClock:
        """Salesforce's clock, from the ``Date`` header of its responses."""
        return ServerClock()

    def __init__(self, **kwargs: Any) -> None:
        """Create the tap; a config that fails its JSON schema is reported without secrets.

        The SDK's JSON-schema messages quote the offending values: those of secret settings
        are replaced with ``***``.

        Args:
            **kwargs: Passed to :class:`~singer_sdk.Tap`.

        Raises:
            ConfigValidationError: The config does not match ``config_jsonschema``.
        """
        self.stop_guard = StopGuard()
        try:
            super().__init__(**kwargs)
        except ConfigValidationError as exc:
            secrets = Secrets.from_config(self.config, SECRET_SETTINGS)
            raise ConfigValidationError(
                str(exc), errors=[secrets.redact(e) for e in exc.errors], schema=exc.schema
            ) from None

    @override
    def discover_streams(self) -> list[Stream]:
        """Describe the org and build one stream per table and per query.

        One global describe, then per-object describes in batches of 25 (the last one also
        asks the tables' approximate row counts, unless ``api_type`` is ``rest``: they choose
        REST or Bulk in ``auto`` mode and split large Bulk reads); with
        ``formula_refresh_hours``, ``<stream>__formulas`` companions too.

        Returns:
            The streams of the tables the org has, then the query streams.
        """
        batch_config_of(self.config)  # a wrong batch_config fails before any request
        options, session = self.options, self.sf_session
        queries = [(spec, parse_query(spec)) for spec in options.queries]
        if session.guard.max_api_usage_percent is not None:
            session.refresh_api_usage()
        sobjects = global_describe(session)
        tables = resolve_tables(options.tables, sobjects, self.logger)
        self._check_names(tables, [spec.name for spec, _ in queries], sobjects)
        queryable = {str(e["name"]).lower() for e in sobjects if e.get("queryable")}
        first = [t.object_name for t in tables]
        first += [q.from_object for _, q in queries if q.from_object.lower() in queryable]
        counted = [t.object_name for t in tables] if options.api_type != "rest" else []
        describes = describe_objects(session, list(dict.fromkeys(first)), count=counted)
        found = {name.lower(): body for name, body in describes.found.items()}
        parents = self._relationship_parents(tables, found)
        self._describe_parents(found, set(parents.values()), queries, queryable)
        streams: list[Stream] = []
        table_describes: dict[str, dict[str, Any]] = {}
        for table in tables:
            describe = describes.found.get(table.object_name)
            if describe is None:
                self.logger.warning(
                    "Skipping table %s: %s",
                    table.stream_name,
                    describes.missing.get(table.object_name, "no describe"),
                )
                continue
            nodes = [
                parent_node(rel, found[obj.lower()], include_base64=options.include_base64)
                for (stream, rel), obj in parents.items()
                if stream == table.stream_name and obj.lower() in found
            ]
            read = table_source(table, describe, options, nodes)
            read.approximate_rows = describes.record_counts.get(table.object_name.lower())
            streams.append(self._stream(SoqlStream, read))
            table_describes[table.stream_name] = describe
            formulas = formula_source(table.stream_name, describe)
            if options.formula_refresh is not None and formulas is not None:
                streams.append(self._stream(FormulaStream, formulas))
        for spec, query in queries:
            streams.append(self._stream(SoqlStream, query_source(spec, query, found)))
        if options.tables.picklist_values:
            streams.append(
                PicklistStream(self, describes=table_describes, selected=self._table_selected)
            )
        taken = {stream.name for stream in streams}
        for source in report_sources(
            session, options.reports, options.all_reports, taken, self.logger
        ):
            streams.append(
                ReportStream(self, source=source, session=session, start_date=options.start_date)
            )
        return streams

    def _table_selected(self, stream_name: str) -> bool:
        """Whether a table stream is selected in the catalog (picklist values follow it)."""
        stream = self.streams.get(stream_name)
        return stream is not None and stream.selected

    def _describe_parents(
        self,
        found: dict[str, dict[str, Any]],
        parents: set[str],
        queries: list[tuple[QuerySpec, Query]],
        queryable: set[str],
    ) -> None:
        """Describe the parents of relationships and query paths, level by level (batched)."""
        for _ in range(MAX_RELATIONSHIP_DEPTH):
            wanted = {name for name in parents if name.lower() not in found}
            for spec, query in queries:
                wanted |= needed_objects(spec, query, found)
            wanted = {name for name in wanted if name.lower() in queryable}
            if not wanted:
                return
            described = describe_objects(self.sf_session, sorted(wanted)).found
            found.update((name.lower(), body) for name, body in described.items())

    def _stream(self, cls: type[SoqlStream], source: StreamSource) -> SoqlStream:
        """A stream of this tap reading ``source``."""
        return cls(
            self,
            source=source,
            session=self.sf_session,
            options=self.options,
            clock=self.clock,
            guard=self.stop_guard,
        )

    def _check_names(
        self, tables: list[Table], query_names: list[str], sobjects: list[dict[str, Any]]
    ) -> None:
        """Check query names and the ``relationships`` setting against the tables.

        Query names must not repeat a table's stream name; relationships must name tables
        (one that exists but is not synced is only reported).
        """
        table_names = {t.stream_name for t in tables}
        for name in query_names:
            if name in table_names:
                raise ConfigError(
                    f"queries: query {name!r}: its name is the name of a table stream; "
                    "rename the query"
                )
        known = set(STANDARD_TABLES) | {str(e["name"]).lower() for e in sobjects}
        for name in sorted(set(self.options.relationships) - table_names):
            if name not in known:
                raise ConfigError(
                    f"relationships: {name} is not a table stream "
                    f"(synced tables: {', '.join(sorted(table_names))})"
                )
            self.logger.warning("relationships: table %s is not synced; ignoring it", name)

    def _relationship_parents(
        self, tables: list[Table], describes: Mapping[str, Mapping[str, Any]]
    ) -> dict[tuple[str, str], str]:
        """``(stream, relationship) -> parent object`` for the ``relationships`` setting."""
        parents: dict[tuple[str, str], str] = {}
        for table in tables:
            names = self.options.relationships.get(table.stream_name)
            describe = describes.get(table.object_name.lower())
            if not names or describe is None:
                continue
            for rel, obj in parent_objects(table.stream_name, describe, names).items():
                parents[table.stream_name, rel] = obj
        return parents

    @classmethod
    @override
    def get_singer_command(cls) -> click.Command:
        """The SDK's command line: Salesforce errors as one line, a signal's stop logged last.

        Returns:
            The click command.
        """
        command = super().get_singer_command()
        if command.callback is not None:
            command.callback = log_stops(command.callback, cls.logger)
        return OneLineErrorCommand.from_command(command, cls.logger)


if __name__ == "__main__":
    TapSalesforcePlus.cli()

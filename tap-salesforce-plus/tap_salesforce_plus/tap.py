"""tap-salesforce-plus: the Singer tap class, its settings and stream discovery."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from salesforce_common import CONNECTION_SETTINGS, SECRET_SETTINGS, SalesforceSession
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_salesforce_plus.cli import SalesforceCommand
from tap_salesforce_plus.discovery import describe_objects, global_describe
from tap_salesforce_plus.options import DEFAULT_LOOKBACK_MINUTES, TapOptions
from tap_salesforce_plus.registry import STANDARD_TABLES, resolve_tables
from tap_salesforce_plus.streams import SObjectStream

if TYPE_CHECKING:
    import click


class TapSalesforcePlus(Tap):
    """Singer tap for Salesforce: standard and custom objects, incremental on SystemModstamp."""

    name = "tap-salesforce-plus"
    package_name = "tap-salesforce-plus"
    dynamic_catalog = True

    config_jsonschema = th.PropertiesList(
        *CONNECTION_SETTINGS,
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Earliest `SystemModstamp` (or `LastModifiedDate`) to read. Later runs start "
                "from the bookmark in the state (minus `lookback_minutes`), never before "
                "`start_date`. Unset: the whole history."
            ),
            examples=["2024-01-01T00:00:00Z"],
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
                "`my__community_group__c`), or `custom:*` for every queryable custom object. "
                "A table the org lacks is skipped with a warning."
            ),
            examples=[["account", "contact", "custom:My__Community_Group__c"], ["*", "custom:*"]],
        ),
        th.Property(
            "include_deleted",
            th.BooleanType,
            default=False,
            description=(
                "Read with `queryAll`: deleted (recycle bin) and archived rows are included, "
                "deleted ones with `IsDeleted` = true, so deletes reach the destination."
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
            "include_base64",
            th.BooleanType,
            default=False,
            description=(
                "Include base64 fields (file bodies such as `Attachment.Body`) in schemas "
                "and queries. Off by default: they are large."
            ),
        ),
        th.Property(
            "max_api_usage_percent",
            th.NumberType,
            description=(
                "Stop (with an error, state saved) before the org's daily API usage, as "
                "reported in `Sforce-Limit-Info`, would exceed this percentage. Unset: no "
                "limit."
            ),
            examples=[80],
        ),
        th.Property(
            "max_api_calls",
            th.IntegerType(minimum=0),
            description=(
                "Stop (with an error, state saved) before this run would make more API calls. "
                "Unset: no limit."
            ),
        ),
    ).to_dict()

    @cached_property
    def options(self) -> TapOptions:
        """The tap settings, validated (one-line ``ConfigError`` otherwise)."""
        return TapOptions.from_config(self.config)

    @cached_property
    def sf_session(self) -> SalesforceSession:
        """The one org session of the run; creating it validates the connection settings."""
        return SalesforceSession(
            self.config,
            max_api_usage_percent=self.config.get("max_api_usage_percent"),
            max_api_calls=self.config.get("max_api_calls"),
        )

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Validate the config before anything is sent.

        Extends the SDK's JSON-schema check in two ways: its messages quote offending
        values, so secret values are replaced with ``***``; and the tap and connection
        settings are checked right away (a one-line ``ConfigError``), so a bad config fails
        before discovery sends the first request.

        Args:
            raise_errors: Raise instead of returning the errors.

        Returns:
            The JSON-schema errors, secrets redacted.

        Raises:
            ConfigValidationError: JSON-schema errors (when ``raise_errors``).
        """
        try:
            errors = super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            raise ConfigValidationError(
                str(exc), errors=[self._redact(e) for e in exc.errors], schema=exc.schema
            ) from None
        if raise_errors:
            _ = self.options, self.sf_session
        return [self._redact(e) for e in errors]

    def _redact(self, text: str) -> str:
        for name in SECRET_SETTINGS:
            value = self._config.get(name)
            if value is not None and len(str(value)) >= 4:
                text = text.replace(str(value), "***")
        return text

    @override
    def discover_streams(self) -> list[SObjectStream]:
        """One global describe, per-object describes in batches of 25, one stream per table.

        Returns:
            The streams of the tables the org has.
        """
        options, session = self.options, self.sf_session
        tables = resolve_tables(options.tables, global_describe(session), self.logger)
        describes = describe_objects(session, [table.object_name for table in tables])
        streams = []
        for table in tables:
            describe = describes.found.get(table.object_name)
            if describe is None:
                self.logger.warning(
                    "Skipping table %s: %s",
                    table.stream_name,
                    describes.missing.get(table.object_name, "no describe"),
                )
                continue
            streams.append(
                SObjectStream(
                    self, table=table, describe=describe, session=session, options=options
                )
            )
        return streams

    @classmethod
    @override
    def get_singer_command(cls) -> click.Command:
        """The SDK's command line, with Salesforce errors reported as one line.

        Returns:
            The click command.
        """
        return SalesforceCommand.from_command(super().get_singer_command(), cls.logger)


if __name__ == "__main__":
    TapSalesforcePlus.cli()

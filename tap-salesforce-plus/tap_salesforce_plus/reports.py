"""Report streams (the ``reports`` setting): Salesforce reports read through the Analytics API.

At discovery each report is found (by Id, or by developer name through SOQL on ``Report``;
``*`` offers every tabular report the user can see) and described
(``GET analytics/reports/{id}/describe``): its detail columns give the schema
(:mod:`~tap_salesforce_plus.report_schema`). A sync runs it
(``POST analytics/reports/{id}?includeDetails=true``) and emits one record per detail row,
paging past Salesforce's 2,000-row cut on a unique, sorted column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesforce_common import ConfigError, SalesforceError
from salesforce_common.soql import quote_string
from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_salesforce_plus.report_schema import (
    DATE_KEY_TYPES,
    MATRIX,
    TABULAR,
    Column,
    ReportSpec,
    RunFilters,
    at_least,
    cell_key,
    detail_rows,
    find_column,
    greater_than,
    key_value,
    paging_candidates,
    report_columns,
    report_schema,
    row_record,
    snake_case,
    sort_by,
    strictly_ascending,
    unique_name,
)
from tap_salesforce_plus.values import format_datetime

if TYPE_CHECKING:
    import logging

    from salesforce_common import SalesforceSession
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

REPORT_SOQL = "SELECT Id, Name, DeveloperName, Format FROM Report"


@dataclass(frozen=True)
class ReportSource:
    """A described report, ready to run.

    Attributes:
        spec: The setting entry.
        stream_name: The Singer stream name.
        report_id: The report's Id.
        report_format: ``TABULAR`` or ``SUMMARY``.
        metadata: The saved ``reportMetadata``.
        columns: The detail columns.
        page_column: The column paging sorts and filters on, if any.
        key_column: The replication-key column, if any.
    """

    spec: ReportSpec
    stream_name: str
    report_id: str
    report_format: str
    metadata: Mapping[str, Any]
    columns: tuple[Column, ...]
    page_column: Column | None
    key_column: Column | None

    @property
    def ref(self) -> str:
        """How the report is named in messages."""
        return self.spec.ref


def _error(spec: ReportSpec, message: str) -> ConfigError:
    return ConfigError(f"reports: {spec.ref}: {message}")


def _access_error(spec: ReportSpec, exc: SalesforceError) -> ConfigError:
    code = exc.error_code or ""
    if exc.status == 404 or code == "NOT_FOUND":
        reason = "no report has this id (NOT_FOUND); check report_id"
    elif exc.status == 403:
        reason = (
            f"the user cannot see this report ({code or 'HTTP 403'}); share its folder with "
            "the user or choose another report"
        )
    else:
        reason = str(exc)
    return _error(spec, reason)


def _report_rows(
    session: SalesforceSession, developer_names: Sequence[str], wildcard: bool
) -> list[dict[str, Any]]:
    """Rows of ``Report`` (``Id, Name, DeveloperName, Format``) by developer name, or all."""
    soql = REPORT_SOQL
    if not wildcard:
        soql += " WHERE DeveloperName IN (" + ", ".join(map(quote_string, developer_names)) + ")"
    return list(session.iter_query(soql + " ORDER BY Name ASC"))


def find_reports(
    session: SalesforceSession,
    specs: Sequence[ReportSpec],
    wildcard: bool,
) -> list[ReportSpec]:
    """Every report to read, each with its Id (one SOQL query when names are needed).

    Args:
        session: The org session.
        specs: The named reports.
        wildcard: ``*``: add every tabular report the user can see.

    Returns:
        The specs with ``report_id`` set, named ones first.

    Raises:
        ConfigError: An unknown developer name (one line naming it).
    """
    names = [s.developer_name for s in specs if s.developer_name and not s.report_id]
    rows = _report_rows(session, names, wildcard) if names or wildcard else []
    by_name = {str(r.get("DeveloperName") or "").lower(): r for r in rows}
    found: list[ReportSpec] = []
    for spec in specs:
        if spec.report_id:
            found.append(spec)
            continue
        row = by_name.get(str(spec.developer_name).lower())
        if row is None:
            raise _error(
                spec,
                "no report has this developer name, or the user cannot see it; check "
                "developer_name (the report's API name) or give report_id",
            )
        found.append(
            ReportSpec(
                spec.name,
                str(row["Id"]),
                spec.developer_name,
                spec.unique_column,
                spec.replication_key,
            )
        )
    if wildcard:
        named = {s.report_id for s in found}
        for row in rows:
            if str(row.get("Format") or "").upper() == TABULAR and row["Id"] not in named:
                found.append(
                    ReportSpec(
                        str(row.get("Name") or row["DeveloperName"]),
                        str(row["Id"]),
                        str(row.get("DeveloperName") or "") or None,
                    )
                )
    return found


def describe_report(session: SalesforceSession, spec: ReportSpec, stream_name: str) -> ReportSource:
    """Describe one report and check the setting entry against it.

    Args:
        session: The org session.
        spec: The entry, ``report_id`` set.
        stream_name: Its stream name.

    Returns:
        The source.

    Raises:
        ConfigError: An unknown or hidden report, a matrix report, an unknown
            ``unique_column`` or a ``replication_key`` that is not a date column.
    """
    try:
        describe = session.get_json(
            f"analytics/reports/{spec.report_id}/describe", parse_float=Decimal
        )
    except SalesforceError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise _access_error(spec, exc) from None
    metadata = describe.get("reportMetadata") or {}
    report_format = str(metadata.get("reportFormat") or TABULAR).upper()
    if report_format == MATRIX:
        raise _error(
            spec,
            "it is a MATRIX report, which has no detail rows; read a TABULAR or SUMMARY report",
        )
    columns = report_columns(describe)
    if not columns:
        raise _error(spec, f"this {report_format} report has no detail columns")
    page = None
    if spec.unique_column:
        page = find_column(columns, spec.unique_column)
        if page is None:
            raise _error(spec, f"unique_column {spec.unique_column!r} is not a detail column")
    else:
        page = next(iter(paging_candidates(columns)), None)
    key = None
    if spec.replication_key:
        key = find_column(columns, spec.replication_key)
        if key is None or key.data_type not in DATE_KEY_TYPES:
            raise _error(
                spec,
                f"replication_key {spec.replication_key!r} must be a date or datetime "
                "detail column",
            )
    return ReportSource(
        spec, stream_name, str(spec.report_id), report_format, metadata, tuple(columns), page, key
    )


def report_sources(
    session: SalesforceSession,
    specs: Sequence[ReportSpec],
    wildcard: bool,
    taken: set[str],
    logger: logging.Logger,
) -> list[ReportSource]:
    """Find and describe every report of the setting.

    Args:
        session: The org session.
        specs: The named reports.
        wildcard: Whether ``*`` was given.
        taken: Stream names already used (report stream names are added).
        logger: Where reports skipped by ``*`` are reported.

    Returns:
        One source per report.
    """
    sources = []
    explicit = len(specs)
    for index, spec in enumerate(find_reports(session, specs, wildcard)):
        name = snake_case(spec.name)
        if index < explicit and name in taken:
            raise _error(spec, f"stream name {name!r} is already used; rename the report entry")
        try:
            sources.append(describe_report(session, spec, unique_name(name, taken)))
        except ConfigError as exc:
            if index < explicit:
                raise
            logger.warning("Skipping %s", exc)
    return sources


def run_metadata(source: ReportSource, extra: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``reportMetadata`` a run POSTs: the saved one, filters appended, paging column sorted.

    Args:
        source: The report.
        extra: The tap's filters (bookmark, paging).

    Returns:
        The metadata.
    """
    metadata = dict(source.metadata)
    metadata.update(RunFilters.of(source.metadata).metadata(extra))
    if source.page_column is not None:
        metadata["sortBy"] = sort_by(source.page_column)
    return metadata


Run = Callable[[Sequence[Mapping[str, Any]]], Mapping[str, Any]]
"""Runs the report with extra filters and returns the run's answer."""


def run_pages(
    source: ReportSource, run: Run, start: str | None = None
) -> Iterator[list[Mapping[str, Any]]]:
    """The detail rows of each run, paging on the unique column until ``allData``.

    Args:
        source: The report.
        run: Runs it with extra filters.
        start: The bookmark (rows with the replication key at or after it), if any.

    Yields:
        The rows of each run.

    Raises:
        SalesforceError: No detail rows, or more than 2,000 rows and no unique column.
    """
    base = [at_least(source.key_column, start)] if source.key_column and start else []
    last: str | None = None
    while True:
        extra = (
            [*base, greater_than(source.page_column, last)] if source.page_column and last else base
        )
        answer = run(extra)
        rows = detail_rows(answer.get("factMap") or {})
        if rows is None:
            raise SalesforceError(
                f"reports: {source.ref}: the {source.report_format} report's run holds no "
                "detail rows; read a TABULAR report, or a SUMMARY report with details shown"
            )
        if answer.get("allData", True) is not False:
            yield rows
            return
        last = _page_end(source, rows, last)
        yield rows


def _page_end(source: ReportSource, rows: Sequence[Mapping[str, Any]], last: str | None) -> str:
    """The paging column's value on the last row of a cut run, after checking the order."""
    column = source.page_column
    if column is None:
        types = "an id, reference (lookup) or name (string) column"
        raise SalesforceError(
            f"reports: {source.ref} has more than 2,000 rows and no column to page on: it "
            f"needs {types} with a unique value per row among its detail columns, or one "
            "named as unique_column"
        )
    index = source.columns.index(column)
    keys = [cell_key(_cell(row, index)) for row in rows]
    if not rows or not strictly_ascending(keys, after=last):
        raise SalesforceError(
            f"reports: {source.ref} has more than 2,000 rows but its column "
            f"{column.api_name} is not unique and sorted in every run; set unique_column "
            "to a detail column with a unique value per row"
        )
    if "," in str(keys[-1]):  # a filter value with commas is a list of values
        raise SalesforceError(
            f"reports: {source.ref}: the paging column {column.api_name} holds a value with a "
            "comma, which a report filter would read as a list; set unique_column to an Id "
            "column"
        )
    return str(keys[-1])


def _cell(row: Mapping[str, Any], index: int) -> Mapping[str, Any] | None:
    cells = row.get("dataCells") or []
    return cells[index] if index < len(cells) else None


class ReportStream(Stream):
    """One report: each run's detail rows, paged past the 2,000-row cut.

    Args:
        tap: The tap.
        source: The described report.
        session: The org session.
        start_date: The earliest replication-key value to read (``start_date`` setting).
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        tap: Tap,
        *,
        source: ReportSource,
        session: SalesforceSession,
        start_date: dt.datetime | None = None,
    ) -> None:
        """Create the stream."""
        self.source, self.sf_session, self.start_date = source, session, start_date
        super().__init__(tap, schema=report_schema(source.columns), name=source.stream_name)
        self.primary_keys = (
            [source.page_column.prop] if source.spec.unique_column and source.page_column else []
        )
        self.replication_key = source.key_column.prop if source.key_column else None

    def _run(self, extra: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        source = self.source
        try:
            return self.sf_session.read_json(
                "POST",
                f"analytics/reports/{source.report_id}",
                params={"includeDetails": "true"},
                json={"reportMetadata": run_metadata(source, extra)},
                parse_float=Decimal,
            )[1]
        except SalesforceError as exc:
            raise _access_error(source.spec, exc) from None

    def _start(self, context: Context | None) -> str | None:
        """The bookmark, not before ``start_date``: the value rows must reach, if any."""
        key = self.source.key_column
        if key is None or self.replication_method != REPLICATION_INCREMENTAL:
            return None
        state = self.get_context_state(context)
        candidates = []
        raw = state.get("replication_key_value")
        if raw and state.get("replication_key") == key.prop:
            candidates.append(key_value(key, str(raw)))
        if self.start_date is not None:
            candidates.append(key_value(key, format_datetime(self.start_date)))
        return max(candidates) if candidates else None

    def pages(self, context: Context | None) -> Iterator[list[Mapping[str, Any]]]:
        """The detail rows of each run (see :func:`run_pages`).

        Args:
            context: Stream partition context.

        Returns:
            The rows of each run.
        """
        return run_pages(self.source, self._run, self._start(context))

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """One record per detail row of the report.

        Args:
            context: Stream partition context.

        Yields:
            Records.
        """
        columns = self.source.columns
        for rows in self.pages(context):
            for row in rows:
                yield row_record(columns, row)

"""Saved reports and their synchronous runs (Analytics REST API state, without HTTP).

A report reads one object of the org. Each detail column is a path on that object (``Name``,
``Owner.Name``) and, for Id-bearing columns (``id``: the record itself, ``reference``: a
lookup), the path of the Id its cells carry as ``value`` (the path's value is the ``label``).
Filters, boolean filter logic, sorting, groupings and the 2,000-row cut are applied here; the
JSON bodies are shaped in :mod:`salesforce_emulator.serialize`.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.catalog import Catalog, ObjectDef
from salesforce_emulator.exceptions import SalesforceApiError, not_found
from salesforce_emulator.schema_sql import quote
from salesforce_emulator.values import id_checksum, normalize_datetime

MAX_DETAIL_ROWS = 2000
"""Detail rows one synchronous run returns at most (``allData: false`` past it)."""
LABELLED_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
NO_ACCESS_MESSAGE = "You don't have sufficient privileges to perform this operation."
OPERATORS = (
    "equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual",
    "contains", "notContain", "startsWith", "includes", "excludes",
)  # fmt: skip


@dataclass(frozen=True)
class ReportColumn:
    """A column of a report type: its API name, label, report data type and source paths."""

    name: str
    label: str
    data_type: str
    path: str
    id_path: str | None = None


@dataclass(frozen=True)
class ReportFilter:
    """One entry of ``reportFilters``."""

    column: str
    operator: str
    value: str

    def body(self) -> dict[str, Any]:
        """The filter as ``reportMetadata.reportFilters`` carries it."""
        return {
            "column": self.column,
            "filterType": "fieldValue",
            "isRunPageEditable": True,
            "operator": self.operator,
            "value": self.value,
        }


@dataclass(frozen=True)
class ReportDef:
    """A saved report."""

    id: str
    name: str
    developer_name: str
    report_format: str
    report_type: str
    report_type_label: str
    base_object: str
    columns: tuple[ReportColumn, ...]
    detail_columns: tuple[str, ...]
    folder_name: str = "Public Reports"
    description: str = ""
    filters: tuple[ReportFilter, ...] = ()
    boolean_filter: str | None = None
    sort_by: tuple[tuple[str, str], ...] = ()
    groupings_down: tuple[str, ...] = ()
    groupings_across: tuple[str, ...] = ()
    aggregates: tuple[str, ...] = ("RowCount",)
    visible: bool = True
    """False: the demo user cannot see the report's folder (403 INSUFFICIENT_PRIVILEGES)."""

    def column(self, name: str) -> ReportColumn | None:
        """A column of the report type by API name (exact, as Salesforce matches it)."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def has_detail_rows(self) -> bool:
        """Whether a run with ``includeDetails=true`` yields detail rows (not for MATRIX)."""
        return self.report_format != "MATRIX"


@dataclass(frozen=True)
class RunOptions:
    """What a run's POSTed ``reportMetadata`` may change, already checked."""

    filters: tuple[ReportFilter, ...]
    boolean_filter: str | None
    sort_by: tuple[tuple[str, str], ...]


@dataclass
class Group:
    """One grouping value: its key in the fact map, label, value and rows."""

    key: str
    value: Any
    label: str
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    count: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    children: list[Group] = field(default_factory=list)


@dataclass
class ReportRun:
    """A run's result: detail rows (cut at 2,000), groupings and aggregates."""

    report: ReportDef
    options: RunOptions
    include_details: bool
    rows: list[list[dict[str, Any]]]
    all_data: bool
    total: int
    sums: dict[str, float]
    down: list[Group]
    across: list[Group]
    cells: dict[tuple[str, str], tuple[int, dict[str, float]]]
    """Matrix fact-map cells (down key, across key) -> (row count, sums)."""


def access_error() -> SalesforceApiError:
    """403 INSUFFICIENT_PRIVILEGES: the report sits in a folder the user cannot see."""
    return SalesforceApiError(403, "INSUFFICIENT_PRIVILEGES", NO_ACCESS_MESSAGE)


def bad_request(message: str) -> SalesforceApiError:
    """400 BAD_REQUEST, as the Analytics API answers a malformed ``reportMetadata``."""
    return SalesforceApiError(400, "BAD_REQUEST", message)


class ReportStore:
    """The org's saved reports: visible ones have a ``Report`` row; hidden ones do not."""

    def __init__(
        self, conn: sqlite3.Connection, catalog: Catalog, reports: Sequence[ReportDef]
    ) -> None:
        """Reports of the org whose database is ``conn``."""
        self.conn = conn
        self.catalog = catalog
        self._reports = {r.id: r for r in reports}

    def _stored_ids(self) -> set[str]:
        try:
            rows = self.conn.execute('SELECT "Id" FROM "Report" WHERE NOT "IsDeleted"')
        except sqlite3.OperationalError:
            return set()
        return {row[0] for row in rows}

    def visible(self) -> list[ReportDef]:
        """Reports the user can see (all of them are "recently viewed"), in name order."""
        stored = self._stored_ids()
        found = [r for r in self._reports.values() if r.visible and r.id in stored]
        return sorted(found, key=lambda r: r.name.lower())

    def get(self, report_id: str) -> ReportDef:
        """The report, 404 NOT_FOUND when unknown, 403 INSUFFICIENT_PRIVILEGES when hidden."""
        report = self._reports.get(report_id) or self._reports.get(_to_18(report_id))
        stored = self._stored_ids()
        if report is None or not stored:
            raise not_found()
        if not report.visible:
            raise access_error()
        if report.id not in stored:
            raise not_found()
        return report

    # --- runs ---------------------------------------------------------------------------------

    def options(self, report: ReportDef, metadata: Mapping[str, Any] | None) -> RunOptions:
        """The run's filters, logic and sort: POSTed ones replace the saved ones."""
        metadata = metadata or {}
        if "reportFilters" in metadata:
            filters = tuple(_parse_filter(report, f) for f in metadata["reportFilters"] or [])
            logic = metadata.get("reportBooleanFilter") or None
        else:
            filters, logic = report.filters, report.boolean_filter
            if "reportBooleanFilter" in metadata:
                logic = metadata["reportBooleanFilter"] or None
        if logic is not None:
            check_boolean_filter(str(logic), len(filters))
        sort = report.sort_by
        if metadata.get("sortBy"):
            sort = tuple(_parse_sort(report, s) for s in metadata["sortBy"])
        return RunOptions(filters, str(logic) if logic else None, sort)

    def run(self, report: ReportDef, options: RunOptions, *, include_details: bool) -> ReportRun:
        """Run the report: filtered, sorted rows, grouped and cut at 2,000 detail rows."""
        records = self._records(report)
        matcher = _matcher(report, options)
        records = [r for r in records if matcher(r)]
        records.sort(key=lambda r: r["Id"])
        for name, direction in reversed(options.sort_by or _default_sort(report)):
            column = report.column(name)
            assert column is not None
            records = _sorted(records, column, descending=direction.lower() == "desc")
        money = [c for c in report.columns if f"s!{c.name}" in report.aggregates]
        order = self._value_order(report)
        down = _groups(report, records, report.groupings_down, money, order)
        across = _groups(report, records, report.groupings_across, money, order)
        if down and report.report_format == "SUMMARY":
            records = [rec for group in down for rec in group.rows]  # type: ignore[misc]
        details = [report.column(name) for name in report.detail_columns]
        detail_cols = [c for c in details if c is not None]
        wanted = include_details and report.has_detail_rows
        kept = records[:MAX_DETAIL_ROWS] if wanted else []
        kept_ids = {id(rec) for rec in kept}
        for group in down:
            group_records: list[Any] = group.rows
            group.rows = [
                [cell(c, rec) for c in detail_cols] for rec in group_records if id(rec) in kept_ids
            ]
        cells: dict[tuple[str, str], tuple[int, dict[str, float]]] = {}
        if report.report_format == "MATRIX":
            cells = _matrix_cells(report, records, money, order)
            for group in down:
                group.rows = []
        return ReportRun(
            report=report,
            options=options,
            include_details=include_details,
            rows=[[cell(c, rec) for c in detail_cols] for rec in kept],
            all_data=not wanted or len(records) <= MAX_DETAIL_ROWS,
            total=len(records),
            sums={c.name: _sum(records, c) for c in money},
            down=down,
            across=across,
            cells=cells,
        )

    def _value_order(self, report: ReportDef) -> Callable[[ReportColumn, Any], Any]:
        """Groupings on a picklist follow the picklist's order; others sort by value."""
        obj = self.catalog.get(report.base_object)

        def order(column: ReportColumn, value: Any) -> Any:
            f = obj.field(column.path) if obj is not None and "." not in column.path else None
            values = f.picklist_values if f is not None else ()
            if values:
                return (values.index(value) if value in values else len(values), str(value))
            return (0, str(value).lower())

        return order

    def _records(self, report: ReportDef) -> list[dict[str, Any]]:
        obj = self.catalog.get(report.base_object)
        assert obj is not None
        paths = sorted({"Id"} | {p for c in report.columns for p in (c.path, c.id_path) if p})
        exprs = ", ".join(f"{self._expr(obj, p)} AS {quote(p)}" for p in paths)
        sql = f'SELECT {exprs} FROM {quote(obj.name)} t WHERE NOT t."IsDeleted"'
        cursor = self.conn.execute(sql)
        return [dict(zip(paths, row, strict=True)) for row in cursor]

    def _expr(self, obj: ObjectDef, path: str, alias: str = "t") -> str:
        head, _, rest = path.partition(".")
        if rest:
            rel = obj.relationship(head)
            parent = self.catalog.get(rel.reference_to[0]) if rel else None
            if rel is None or parent is None:
                raise ValueError(f"unknown relationship {obj.name}.{head}")
            inner = self._expr(parent, rest, alias + "p")
            return (
                f"(SELECT {inner} FROM {quote(parent.name)} {alias}p "
                f'WHERE {alias}p."Id" = {alias}.{quote(rel.name)})'
            )
        f = obj.field(path)
        if f is None:
            raise ValueError(f"unknown field {obj.name}.{path}")
        if f.calculated:
            return "(" + (f.formula_sql or "NULL").replace("{t}", alias) + ")"
        return f"{alias}.{quote(f.name)}"


def _to_18(report_id: str) -> str:
    return report_id + id_checksum(report_id) if len(report_id) == 15 else report_id


def _default_sort(report: ReportDef) -> tuple[tuple[str, str], ...]:
    return ((report.detail_columns[0], "Asc"),) if report.detail_columns else ()


def _sort_key(column: ReportColumn, record: Mapping[str, Any]) -> Any:
    value = record.get(column.id_path or column.path)
    if isinstance(value, str) and column.data_type not in LABELLED_TYPES:
        return value.lower()
    return value


def _sorted(
    records: list[dict[str, Any]], column: ReportColumn, *, descending: bool
) -> list[dict[str, Any]]:
    """Stable sort on one column, blanks last."""
    present = [r for r in records if _sort_key(column, r) is not None]
    blank = [r for r in records if _sort_key(column, r) is None]
    present.sort(key=lambda r: _sort_key(column, r), reverse=descending)
    return present + blank


def _sum(records: Sequence[Mapping[str, Any]], column: ReportColumn) -> float:
    return round(sum(float(r.get(column.path) or 0) for r in records), 2)


def _groups(
    report: ReportDef,
    records: list[dict[str, Any]],
    names: Sequence[str],
    money: Sequence[ReportColumn],
    order: Callable[[ReportColumn, Any], Any],
) -> list[Group]:
    """First-level groups of ``records`` by the first grouping column, in value order."""
    if not names:
        return []
    column = report.column(names[0])
    assert column is not None
    buckets: dict[Any, list[dict[str, Any]]] = {}
    for rec in records:
        buckets.setdefault(rec.get(column.path), []).append(rec)
    keys = sorted(buckets, key=lambda v: (v is not None, order(column, v)))
    groups = []
    for index, value in enumerate(keys):
        rows = buckets[value]
        group = Group(str(index), value, "-" if value is None else str(value), count=len(rows))
        group.rows = rows  # type: ignore[assignment]
        group.sums = {c.name: _sum(rows, c) for c in money}
        groups.append(group)
    return groups


def _matrix_cells(
    report: ReportDef,
    records: list[dict[str, Any]],
    money: Sequence[ReportColumn],
    order: Callable[[ReportColumn, Any], Any],
) -> dict[tuple[str, str], tuple[int, dict[str, float]]]:
    down = _groups(report, records, report.groupings_down, money, order)
    across = _groups(report, records, report.groupings_across, money, order)
    down_col = report.column(report.groupings_down[0])
    across_col = report.column(report.groupings_across[0])
    assert down_col is not None
    assert across_col is not None
    cells: dict[tuple[str, str], tuple[int, dict[str, float]]] = {}
    for d in down:
        for a in across:
            rows = [
                r
                for r in records
                if r.get(down_col.path) == d.value and r.get(across_col.path) == a.value
            ]
            cells[d.key, a.key] = (len(rows), {c.name: _sum(rows, c) for c in money})
    for d in down:
        cells[d.key, "T"] = (d.count, d.sums)
    for a in across:
        cells["T", a.key] = (a.count, a.sums)
    return cells


# --- cells ----------------------------------------------------------------------------------


def cell(column: ReportColumn, record: Mapping[str, Any]) -> dict[str, Any]:
    """One detail-row cell ``{label, value}`` as Salesforce writes it for the column's type."""
    raw = record.get(column.path)
    if column.data_type in LABELLED_TYPES:
        ident = record.get(column.id_path or column.path)
        if ident is None:
            return {"label": "-", "value": None}
        return {"label": "-" if raw is None else str(raw), "value": ident}
    if raw is None:
        return {"label": "-", "value": None}
    kind = column.data_type
    if kind == "currency":
        amount = float(raw)
        return {"label": f"${amount:,.2f}", "value": {"amount": amount, "currency": "USD"}}
    if kind == "percent":
        return {"label": f"{float(raw):,.2f}%", "value": float(raw)}
    if kind == "double":
        return {"label": f"{float(raw):,.2f}", "value": float(raw)}
    if kind == "int":
        return {"label": f"{int(raw):,}", "value": int(raw)}
    if kind == "boolean":
        return {"label": "true" if raw else "false", "value": bool(raw)}
    if kind == "date":
        day = dt.date.fromisoformat(str(raw)[:10])
        return {"label": f"{day.month}/{day.day}/{day.year}", "value": day.isoformat()}
    if kind == "datetime":
        moment = dt.datetime.fromisoformat(str(raw))
        hour = moment.hour % 12 or 12
        ampm = "AM" if moment.hour < 12 else "PM"
        label = f"{moment.month}/{moment.day}/{moment.year}, {hour}:{moment.minute:02d} {ampm}"
        return {"label": label, "value": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if kind == "multipicklist":
        return {"label": str(raw), "value": str(raw)}
    return {"label": str(raw), "value": str(raw)}


# --- filters --------------------------------------------------------------------------------


def _parse_filter(report: ReportDef, entry: Any) -> ReportFilter:
    if not isinstance(entry, Mapping):
        raise bad_request("Each report filter must be an object with column, operator, value.")
    column, operator = entry.get("column"), entry.get("operator")
    if not isinstance(column, str) or report.column(column) is None:
        raise bad_request(f"The column {column} is not valid for the report type.")
    if operator not in OPERATORS:
        raise bad_request(f"The filter operator {operator} is not valid.")
    value = entry.get("value")
    return ReportFilter(column, str(operator), "" if value is None else str(value))


def _parse_sort(report: ReportDef, entry: Any) -> tuple[str, str]:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("sortColumn"), str):
        raise bad_request("sortBy entries need a sortColumn and a sortOrder.")
    name = str(entry["sortColumn"])
    if name not in report.detail_columns:
        raise bad_request(f"The sort column {name} must be one of the report's detail columns.")
    order = str(entry.get("sortOrder") or "Asc")
    if order.lower() not in ("asc", "desc"):
        raise bad_request(f"The sort order {order} is not valid; use Asc or Desc.")
    return name, order


TOKEN = re.compile(r"\s*(\d+|\(|\)|[A-Za-z]+)")


def _tokens(logic: str) -> list[str]:
    tokens, pos = [], 0
    text = logic.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None:
            raise bad_request(f"The filter logic {logic!r} has a syntax error.")
        tokens.append(match.group(1).upper())
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


Logic = Callable[[Sequence[bool]], bool]


def _either(a: Logic, b: Logic) -> Logic:
    return lambda v: a(v) or b(v)


def _both(a: Logic, b: Logic) -> Logic:
    return lambda v: a(v) and b(v)


def _parse_logic(logic: str) -> Callable[[Sequence[bool]], bool]:
    """``1 AND (2 OR NOT 3)`` as a function of the filters' results."""
    tokens = _tokens(logic)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise bad_request(f"The filter logic {logic!r} is incomplete.")
        pos += 1
        return tokens[pos - 1]

    def expr() -> Callable[[Sequence[bool]], bool]:
        left = term()
        while peek() == "OR":
            take()
            left = _either(left, term())
        return left

    def term() -> Callable[[Sequence[bool]], bool]:
        left = factor()
        while peek() == "AND":
            take()
            left = _both(left, factor())
        return left

    def factor() -> Callable[[Sequence[bool]], bool]:
        token = take()
        if token == "NOT":  # noqa: S105 - a filter-logic keyword
            inner = factor()
            return lambda v: not inner(v)
        if token == "(":  # noqa: S105 - a filter-logic keyword
            inner = expr()
            if take() != ")":
                raise bad_request(f"The filter logic {logic!r} has unbalanced parentheses.")
            return inner
        if token.isdigit():
            index = int(token) - 1
            return lambda v: v[index]
        raise bad_request(f"The filter logic {logic!r} has a syntax error near {token}.")

    result = expr()
    if pos != len(tokens):
        raise bad_request(f"The filter logic {logic!r} has a syntax error near {tokens[pos]}.")
    return result


def check_boolean_filter(logic: str, count: int) -> None:
    """400 unless ``logic`` parses and references each of the ``count`` filters, and no other."""
    _parse_logic(logic)
    used = {int(t) for t in _tokens(logic) if t.isdigit()}
    beyond = sorted(n for n in used if n < 1 or n > count)
    if beyond:
        raise bad_request(
            f"The filter logic references an undefined filter: {beyond[0]}. "
            f"There are {count} filters."
        )
    missing = sorted(set(range(1, count + 1)) - used)
    if missing:
        raise bad_request(
            "Your filter logic is incomplete: it must reference every filter; "
            f"filter {missing[0]} is missing."
        )


def _matcher(report: ReportDef, options: RunOptions) -> Callable[[Mapping[str, Any]], bool]:
    tests = []
    for flt in options.filters:
        column = report.column(flt.column)
        assert column is not None
        tests.append(_filter_test(column, flt))
    if options.boolean_filter:
        logic = _parse_logic(options.boolean_filter)
        return lambda rec: logic([t(rec) for t in tests])
    return lambda rec: all(t(rec) for t in tests)


def _comparable(column: ReportColumn, value: Any) -> Any:
    """A cell or filter value in a form that compares correctly for the column's type."""
    if value is None or value == "":
        return None
    kind = column.data_type
    if kind in NUMBER_TYPES:
        return float(value)
    if kind == "boolean":
        return str(value).lower() in ("true", "1")
    if kind == "date":
        return str(value)[:10]
    if kind == "datetime":
        text = str(value)
        return normalize_datetime(text if "T" in text else text[:10] + "T00:00:00Z")
    if kind in LABELLED_TYPES:
        return str(value)
    return str(value).lower()


def _filter_test(column: ReportColumn, flt: ReportFilter) -> Callable[[Mapping[str, Any]], bool]:
    source = column.id_path or column.path
    op = flt.operator
    try:
        wanted = [_comparable(column, part.strip()) for part in flt.value.split(",")]
        if flt.value == "":
            wanted = [None]
    except ValueError as exc:
        raise bad_request(
            f"The filter value {flt.value!r} is not valid for {column.name}."
        ) from exc
    first = wanted[0]

    def test(rec: Mapping[str, Any]) -> bool:
        value = _comparable(column, rec.get(source))
        if op == "equals":
            return value in wanted
        if op == "notEqual":
            return value not in wanted
        if op in ("includes", "excludes"):
            chosen = {v.strip() for v in str(value or "").split(";") if v}
            hit = any(str(w) in chosen for w in wanted if w is not None)
            return hit if op == "includes" else not hit
        if op in ("contains", "notContain", "startsWith"):
            text = str(value or "")
            if op == "startsWith":
                return any(w is not None and text.startswith(str(w)) for w in wanted)
            hit = any(w is not None and str(w) in text for w in wanted)
            return hit if op == "contains" else not hit
        if value is None or first is None:
            return False
        if op == "lessThan":
            return bool(value < first)
        if op == "greaterThan":
            return bool(value > first)
        if op == "lessOrEqual":
            return bool(value <= first)
        return bool(value >= first)  # greaterOrEqual

    return test

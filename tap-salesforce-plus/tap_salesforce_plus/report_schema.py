"""Report streams without HTTP: settings entries, schemas, rows and paging filters.

Everything here is pure (tested without an org); :mod:`~tap_salesforce_plus.reports` does
the requests. A report's detail columns (``reportMetadata.detailColumns``, typed by
``reportExtendedMetadata.detailColumnInfo``) become properties named after the column,
snake-cased (``ACCOUNT.NAME`` -> ``account_name``):

* a lookup or name cell (``value`` = record Id, ``label`` = display name) gives
  ``<col>`` = the value and ``<col>__label`` = the label;
* a currency cell ``{amount, currency}`` gives ``<col>`` = the amount and
  ``<col>__currency``.

Salesforce runs a report synchronously with at most 2,000 detail rows (``allData: false``
when cut). Larger reports are paged on a unique, sortable column: the tap appends a filter
``<column> greaterThan <last value>`` to the saved filters (which a POSTed
``reportFilters`` would otherwise replace), extends a ``reportBooleanFilter`` to
``(<saved>) AND N``, and sorts on the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from salesforce_common import ConfigError

from tap_salesforce_plus.values import normalize_datetime

ALL_REPORTS = "*"
MAX_DETAIL_ROWS = 2000
"""Detail rows Salesforce returns from one synchronous report run."""
LABEL_SUFFIX = "__label"
CURRENCY_SUFFIX = "__currency"

STRING_TYPES = frozenset(
    {
        "string",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "textarea",
        "id",
        "reference",
    }
)
NUMBER_TYPES = frozenset({"currency", "double", "percent"})
INTEGER_TYPES = frozenset({"int"})
DATE_FORMATS = {"date": "date", "datetime": "date-time", "time": "time"}
LABELLED_TYPES = frozenset({"id", "reference"})
"""Column types whose cell ``value`` is a record Id and ``label`` a display name."""
PAGING_TYPES = ("id", "reference", "string")
"""Column types a paging column may have (Id and lookup columns first)."""
DATE_KEY_TYPES = frozenset({"date", "datetime"})
TABULAR, SUMMARY, MATRIX = "TABULAR", "SUMMARY", "MATRIX"
DETAIL_KEY = "T!T"


@dataclass(frozen=True)
class ReportSpec:
    """One entry of the ``reports`` setting.

    Attributes:
        name: Base of the stream name (snake-cased).
        report_id: The report's Id, when given.
        developer_name: The report's developer (API) name, when given.
        unique_column: A detail column with a unique value per row, for paging.
        replication_key: A date or datetime detail column to read incrementally on.
    """

    name: str
    report_id: str | None = None
    developer_name: str | None = None
    unique_column: str | None = None
    replication_key: str | None = None

    @property
    def ref(self) -> str:
        """How the report is named in messages."""
        target = self.developer_name or self.report_id
        return f"report {self.name!r} ({target})" if target != self.name else f"report {target!r}"


def _text(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value.strip() or None if isinstance(value, str) else None


def parse_reports(entries: Sequence[Any] | None) -> tuple[tuple[ReportSpec, ...], bool]:
    """Read the ``reports`` setting (its form is checked by the JSON schema).

    Args:
        entries: Developer names, ``*`` or ``{name, report_id | developer_name, ...}``.

    Returns:
        The named reports, and whether ``*`` (every tabular report) was given.

    Raises:
        ConfigError: An entry naming no report, or both an id and a developer name.
    """
    specs: list[ReportSpec] = []
    wildcard = False
    for entry in entries or []:
        if isinstance(entry, str):
            name = entry.strip()
            if not name:
                raise ConfigError("reports: entries must be non-empty")
            if name == ALL_REPORTS:
                wildcard = True
            else:
                specs.append(ReportSpec(name, developer_name=name))
            continue
        name = _text(entry, "name") or ""
        report_id, developer = _text(entry, "report_id"), _text(entry, "developer_name")
        if not name or (report_id is None) == (developer is None):
            raise ConfigError(
                f"reports: entry {entry!r} needs a name and exactly one of report_id or "
                "developer_name"
            )
        specs.append(
            ReportSpec(
                name,
                report_id,
                developer,
                _text(entry, "unique_column"),
                _text(entry, "replication_key"),
            )
        )
    return tuple(specs), wildcard


def snake_case(text: str) -> str:
    """``Closed Deals (Q1)`` -> ``closed_deals_q1``; ``ACCOUNT.NAME`` -> ``account_name``.

    Args:
        text: A report name or column name.

    Returns:
        Lower-case letters, digits and single underscores (``report`` when nothing is left).
    """
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text.strip())
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_") or "report"


def unique_name(base: str, taken: set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``... when taken; the result is added to ``taken``."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


@dataclass(frozen=True)
class Column:
    """One detail column of a report.

    Attributes:
        api_name: The column's name in ``detailColumns`` (``ACCOUNT.NAME``).
        label: Its label (the property's description).
        data_type: The report data type, lower-cased (``string``, ``currency``...).
        prop: The property name (snake-cased, unique within the report).
    """

    api_name: str
    label: str
    data_type: str
    prop: str

    @property
    def labelled(self) -> bool:
        """Whether a cell's ``label`` (the display name) differs from its value."""
        return self.data_type in LABELLED_TYPES

    def schema(self) -> dict[str, dict[str, Any]]:
        """The properties this column yields."""
        kind = self.data_type
        extra: dict[str, Any] = {}
        if kind in DATE_FORMATS:
            json_type, extra = "string", {"format": DATE_FORMATS[kind]}
        elif kind in NUMBER_TYPES:
            json_type = "number"
        elif kind in INTEGER_TYPES:
            json_type = "integer"
        elif kind == "boolean":
            json_type = "boolean"
        else:  # string types, and anything unknown
            json_type = "string"
        props = {self.prop: {"type": [json_type, "null"], "description": self.label, **extra}}
        if self.labelled:
            props[self.prop + LABEL_SUFFIX] = {
                "type": ["string", "null"],
                "description": f"{self.label} (display name)",
            }
        if kind == "currency":
            props[self.prop + CURRENCY_SUFFIX] = {
                "type": ["string", "null"],
                "description": f"{self.label} (currency ISO code)",
            }
        return props

    def values(self, cell: Mapping[str, Any] | None) -> dict[str, Any]:
        """This column's properties for one detail-row cell ``{label, value}``."""
        cell = cell or {}
        value, label = cell.get("value"), cell.get("label")
        out: dict[str, Any] = {}
        if self.data_type == "currency":
            amount = value.get("amount") if isinstance(value, Mapping) else value
            currency = value.get("currency") if isinstance(value, Mapping) else None
            out[self.prop] = _number(amount)
            out[self.prop + CURRENCY_SUFFIX] = currency
            return out
        if self.data_type in NUMBER_TYPES:
            out[self.prop] = _number(value)
        elif self.data_type in INTEGER_TYPES:
            out[self.prop] = (
                int(value) if isinstance(value, int | float | str) and value != "" else None
            )
        elif self.data_type == "boolean":
            out[self.prop] = _boolean(value)
        elif isinstance(value, Mapping | list):
            out[self.prop] = label
        elif self.data_type == "datetime" and isinstance(value, str) and value:
            out[self.prop] = normalize_datetime(value)
        else:
            out[self.prop] = None if value in ("", "-") else value
        if self.labelled:
            out[self.prop + LABEL_SUFFIX] = label
        return out


def key_value(column: Column, value: str) -> str:
    """A date or datetime in the form records carry (``2024-07-15``, ``...T20:18:56.000Z``).

    Args:
        column: A date or datetime column.
        value: A value of it, a bookmark or a start date.

    Returns:
        The value, so that bookmarks, filters and records compare as strings.
    """
    if column.data_type == "date":
        return value[:10]
    return normalize_datetime(value)


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return float(value)
    return value


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return str(value).lower() == "true"


def report_columns(describe: Mapping[str, Any]) -> list[Column]:
    """The detail columns of a report describe, in report order, with unique properties.

    Args:
        describe: ``GET analytics/reports/{id}/describe``.

    Returns:
        The columns.
    """
    metadata = describe.get("reportMetadata") or {}
    info = (describe.get("reportExtendedMetadata") or {}).get("detailColumnInfo") or {}
    taken: set[str] = set()
    columns = []
    for api_name in metadata.get("detailColumns") or []:
        column_info = info.get(api_name) or {}
        data_type = str(column_info.get("dataType") or "string").lower()
        base = snake_case(str(api_name))
        prop = unique_name(base, taken)
        if data_type in LABELLED_TYPES:
            taken.add(prop + LABEL_SUFFIX)
        if data_type == "currency":
            taken.add(prop + CURRENCY_SUFFIX)
        columns.append(
            Column(str(api_name), str(column_info.get("label") or api_name), data_type, prop)
        )
    return columns


def report_schema(columns: Iterable[Column]) -> dict[str, Any]:
    """The JSON schema of a report stream.

    Args:
        columns: From :func:`report_columns`.

    Returns:
        An object schema, one or more properties per column.
    """
    properties: dict[str, Any] = {}
    for column in columns:
        properties.update(column.schema())
    return {"type": "object", "properties": properties}


def row_record(columns: Sequence[Column], row: Mapping[str, Any]) -> dict[str, Any]:
    """One record from a detail row (``dataCells`` in column order)."""
    cells = row.get("dataCells") or []
    record: dict[str, Any] = {}
    for index, column in enumerate(columns):
        record.update(column.values(cells[index] if index < len(cells) else None))
    return record


def detail_rows(fact_map: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The detail rows of a run: every grouping's ``<key>!T`` (summary) or ``T!T`` (tabular).

    In a summary report the rows sit under the innermost groupings (``0!T``, ``1!T``, or
    ``0_1!T`` with two levels); ``T!T`` holds the grand total.

    Args:
        fact_map: The run's ``factMap``.

    Returns:
        The rows in grouping order, or None when the run holds no detail rows at all (a
        matrix report, or a run without ``includeDetails``).
    """
    grouped = {
        key: value["rows"]
        for key, value in fact_map.items()
        if key.endswith("!T") and key != DETAIL_KEY and isinstance((value or {}).get("rows"), list)
    }
    if grouped:
        depth = max(len(_grouping_order(key)) for key in grouped)
        rows: list[Mapping[str, Any]] = []
        for key in sorted(grouped, key=_grouping_order):
            if len(_grouping_order(key)) == depth:
                rows.extend(grouped[key])
        return rows
    total = (fact_map.get(DETAIL_KEY) or {}).get("rows")
    return list(total) if isinstance(total, list) else None


def _grouping_order(key: str) -> tuple[int, ...]:
    head = key.split("!", 1)[0]
    return tuple(int(part) if part.isdigit() else -1 for part in head.split("_"))


def find_column(columns: Sequence[Column], wanted: str) -> Column | None:
    """The column called ``wanted`` (API name or property name, any case)."""
    low = wanted.lower()
    return next((c for c in columns if low in (c.api_name.lower(), c.prop)), None)


def paging_candidates(columns: Sequence[Column]) -> list[Column]:
    """Columns that may page a report, best first: Id columns, lookups, then name columns."""
    found = [c for kind in ("id", "reference") for c in columns if c.data_type == kind]
    found += [c for c in columns if c.data_type == "string" and c.api_name.upper().endswith("NAME")]
    return found


def cell_key(cell: Mapping[str, Any] | None) -> str | None:
    """The value a paging filter compares: the cell's ``value`` (a record Id for lookups)."""
    value = (cell or {}).get("value")
    return None if value is None or value == "" else str(value)


def strictly_ascending(keys: Sequence[str | None], *, after: str | None = None) -> bool:
    """Whether paging keys are all set, unique and ascending (and above ``after``).

    Args:
        keys: The paging column's values, in row order.
        after: The value the run was filtered above, if any.

    Returns:
        True when ``greaterThan`` the last key cannot skip or repeat a row.
    """
    previous = after
    for key in keys:
        if key is None or (previous is not None and not previous < key):
            return False
        previous = key
    return True


@dataclass(frozen=True)
class RunFilters:
    """What a run POSTs in ``reportMetadata`` on top of the saved report.

    Attributes:
        saved: The saved ``reportFilters``.
        saved_logic: The saved ``reportBooleanFilter`` (None or empty: all ANDed).
    """

    saved: tuple[Mapping[str, Any], ...] = ()
    saved_logic: str | None = None

    @classmethod
    def of(cls, metadata: Mapping[str, Any]) -> RunFilters:
        """The saved filters of a describe's ``reportMetadata``."""
        logic = metadata.get("reportBooleanFilter")
        return cls(tuple(metadata.get("reportFilters") or ()), str(logic) if logic else None)

    def metadata(self, extra: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """``reportFilters`` (saved ones first, then ``extra``) and a boolean filter naming all.

        Args:
            extra: The tap's filters (paging, bookmark).

        Returns:
            The ``reportFilters`` and, when the saved report has logic, a
            ``reportBooleanFilter`` of ``(<saved>) AND N AND M...``.
        """
        filters = [*self.saved, *extra]
        out: dict[str, Any] = {"reportFilters": filters}
        if self.saved_logic:
            numbers = range(len(self.saved) + 1, len(filters) + 1)
            out["reportBooleanFilter"] = " AND ".join(
                [f"({self.saved_logic})", *(str(n) for n in numbers)]
            )
        return out


def greater_than(column: Column, value: str) -> dict[str, Any]:
    """The paging filter: rows whose ``column`` is after ``value``."""
    return {"column": column.api_name, "operator": "greaterThan", "value": value}


def at_least(column: Column, value: str) -> dict[str, Any]:
    """The bookmark filter: rows whose ``column`` is at or after ``value``."""
    return {"column": column.api_name, "operator": "greaterOrEqual", "value": value}


def sort_by(column: Column) -> list[dict[str, str]]:
    """``reportMetadata.sortBy`` sorting on ``column`` ascending."""
    return [{"sortColumn": column.api_name, "sortOrder": "Asc"}]

"""Rendering fetched rows as REST JSON records and Bulk API 2.0 CSV values.

A row is ``(rowid, Id, column...)``; the compiler lays out the columns and describes the
SELECT list as a tree of :class:`Leaf` (a field) and :class:`Branch` (a parent relationship)
slots holding column indexes. Converters are built once per query (and per API version for
JSON, whose ``attributes.url`` embeds it), so rendering a row is a loop of cheap getters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from salesforce_emulator.catalog import INTEGER_TYPES, NUMBER_TYPES, FieldDef
from salesforce_emulator.json_text import JavaDouble, dumps
from salesforce_emulator.values import bulk_datetime, java_double

Row = Sequence[object]
Getter = Callable[[Row], object]


@dataclass(frozen=True)
class Leaf:
    """A selected field: ``index`` is its row column, or None for a compound field."""

    key: str
    field: FieldDef
    index: int | None
    parts: tuple[tuple[str, FieldDef, int | None], ...] = ()
    header: str = ""


@dataclass
class Branch:
    """A parent relationship: a nested record, or None when ``id_index`` holds NULL."""

    key: str
    id_index: int
    type_name: str
    type_index: int | None = None
    children: list[Leaf | Branch] = field(default_factory=list)


def _boolean(index: int) -> Getter:
    def get(row: Row) -> object:
        value = row[index]
        return None if value is None else bool(value)

    return get


def _converted(index: int, convert: Callable[[object], object]) -> Getter:
    def get(row: Row) -> object:
        value = row[index]
        return None if value is None else convert(value)

    return get


def _to_int(value: object) -> object:
    return int(value) if isinstance(value, int | float) else value


def _to_float(value: object) -> object:
    return float(value) if isinstance(value, int | float) else value


def _wire_double(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return JavaDouble(float(value))


def value_getter(field_def: FieldDef, index: int, *, wire: bool = False) -> Getter:
    """A getter returning the JSON value of one column (booleans, numbers typed).

    With ``wire``, doubles (``double``, ``currency``, ``percent``) come as :class:`JavaDouble`,
    ready for an answer; otherwise as floats.
    """
    if field_def.type == "boolean":
        return _boolean(index)
    if wire and field_def.type in NUMBER_TYPES:
        return _converted(index, _wire_double)
    if field_def.calculated and field_def.type in INTEGER_TYPES:
        return _converted(index, _to_int)
    if field_def.calculated and field_def.type in NUMBER_TYPES:
        return _converted(index, _to_float)
    return itemgetter(index)


def _compound_getter(leaf: Leaf, *, wire: bool = False) -> Getter:
    """Compound value: an object of its components, or None when all of them are null."""
    parts = [
        (key, value_getter(part, index, wire=wire) if index is not None else _none)
        for key, part, index in leaf.parts
    ]

    def get(row: Row) -> object:
        value = {key: getter(row) for key, getter in parts}
        return None if all(v is None for v in value.values()) else value

    return get


def _none(_row: Row) -> object:
    return None


def _leaf_getter(leaf: Leaf, wire: bool) -> Getter:
    if leaf.index is None:
        return _compound_getter(leaf, wire=wire)
    return value_getter(leaf.field, leaf.index, wire=wire)


def _picker(indices: Sequence[int]) -> Callable[[Row], Sequence[object]]:
    """Fetch several columns at once (``itemgetter`` runs in C)."""
    if not indices:
        return lambda _row: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda row: (row[index],)
    return itemgetter(*indices)


def _branch_getter(branch: Branch, base: str, wire: bool) -> Getter:
    entries = _entries(branch.children, base, wire)
    id_index, type_index, type_name = branch.id_index, branch.type_index, branch.type_name

    def get(row: Row) -> object:
        parent_id = row[id_index]
        if parent_id is None:
            return None
        if type_index is None:
            attributes = {"type": type_name, "url": f"{base}{type_name}/{parent_id}"}
        else:  # polymorphic: Salesforce names the Name entity, the url the concrete object
            attributes = {"type": "Name", "url": f"{base}{row[type_index]}/{parent_id}"}
        record: dict[str, object] = {"attributes": attributes}
        for key, getter in entries:
            record[key] = getter(row)
        return record

    return get


def _entries(slots: Sequence[Leaf | Branch], base: str, wire: bool) -> list[tuple[str, Getter]]:
    """``(key, getter)`` per slot; a plain loop over these beats bulk dict updates here."""
    return [
        (s.key, _leaf_getter(s, wire) if isinstance(s, Leaf) else _branch_getter(s, base, wire))
        for s in slots
    ]


def plain_number(value: object) -> str:
    """A number as plain decimal text: ``12``, ``1500000``, ``0.25`` (no exponent, no ``.0``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text else text


def java_number(value: object) -> str:
    """A double as Salesforce writes it in Bulk CSV: Java's form (``2.5E7``, ``48000.0``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return java_double(float(value))


def _boolean_text(value: object) -> str:
    return "true" if value else "false"


def _datetime_text(value: object) -> str:
    return bulk_datetime(str(value))


def _csv_text(field_def: FieldDef) -> Callable[[object], str] | None:
    """How a non-null value becomes CSV text (None: it is already text)."""
    if field_def.type == "boolean":
        return _boolean_text
    if field_def.type == "datetime":
        return _datetime_text
    if field_def.type in INTEGER_TYPES:
        return plain_number
    if field_def.type in NUMBER_TYPES:
        return java_number
    return str if field_def.calculated else None


def _compound_text(leaf: Leaf) -> Callable[[Row], str]:
    compound = _compound_getter(leaf)

    def get(row: Row) -> str:
        value = compound(row)
        return "" if value is None else dumps(value)

    return get


class _CsvPlan:
    """Renders CSV values: one pick, nulls to ``""``, then per-type conversions."""

    def __init__(self, leaves: Sequence[Leaf]) -> None:
        self.pick = _picker([0 if leaf.index is None else leaf.index for leaf in leaves])
        self.converters: list[tuple[int, Callable[[object], str]]] = []
        self.compounds: list[tuple[int, Callable[[Row], str]]] = []
        for position, leaf in enumerate(leaves):
            if leaf.index is None:
                self.compounds.append((position, _compound_text(leaf)))
            elif (convert := _csv_text(leaf.field)) is not None:
                self.converters.append((position, convert))

    def render(self, row: Row) -> list[str]:
        values: list[object] = ["" if v is None else v for v in self.pick(row)]
        for position, convert in self.converters:
            value = values[position]
            if value != "":
                values[position] = convert(value)
        for position, getter in self.compounds:
            values[position] = getter(row)
        return values  # type: ignore[return-value]  # every value is text by now


class RowRenderer:
    """Renders rows of one compiled query."""

    def __init__(
        self, object_name: str, slots: list[Leaf | Branch], csv_leaves: list[Leaf]
    ) -> None:
        """Render rows of ``object_name``: ``slots`` shape the JSON, ``csv_leaves`` the CSV."""
        self.object_name = object_name
        self.slots = slots
        self.csv_header = [leaf.header for leaf in csv_leaves]
        self._csv = _CsvPlan(csv_leaves)
        self._json_plans: dict[tuple[str, bool], tuple[str, list[tuple[str, Getter]]]] = {}

    def _plan(self, api_version: str, wire: bool) -> tuple[str, list[tuple[str, Getter]]]:
        plan = self._json_plans.get((api_version, wire))
        if plan is None:
            base = f"/services/data/v{api_version.removeprefix('v')}/sobjects/"
            plan = (f"{base}{self.object_name}/", _entries(self.slots, base, wire))
            self._json_plans[api_version, wire] = plan
        return plan

    def json(self, row: Row, api_version: str, *, wire: bool = False) -> dict[str, object]:
        """The REST record for a row; ``wire``: doubles as :class:`JavaDouble` for an answer."""
        url, entries = self._plan(api_version, wire)
        record: dict[str, object] = {
            "attributes": {"type": self.object_name, "url": f"{url}{row[1]}"}
        }
        for key, getter in entries:
            record[key] = getter(row)
        return record

    def csv(self, row: Row) -> list[str]:
        """The Bulk API 2.0 CSV values for a row (null as empty string)."""
        return self._csv.render(row)

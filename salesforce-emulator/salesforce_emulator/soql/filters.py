"""WHERE and ORDER BY clauses: SOQL conditions to SQLite SQL with Salesforce's semantics.

* Text comparisons are case-insensitive (``COLLATE NOCASE``; LIKE is case-insensitive).
* Salesforce stores empty text as null, so ``''`` and ``null`` are the same for text and Ids.
* Negations (``!=``, ``NOT IN``, ``EXCLUDES``, ``NOT``) are null-safe: a row whose field is
  null matches ``Field != 'x'``. They are built as ``NOT COALESCE(positive, 0)``.
* Date literals (``TODAY``, ``LAST_N_DAYS:7``) become half-open ranges computed from ``now``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from salesforce_common.api_limits import MAX_LITERAL_CHARS
from salesforce_common.soql.ast import And, Comparison, Expr, Literal, Not, Or, OrderItem
from salesforce_common.soql.date_literals import date_literal_range
from salesforce_common.soql.parser import iso_datetime

from salesforce_emulator.catalog import (
    ID_TYPES,
    INTEGER_TYPES,
    NUMBER_TYPES,
    STRING_TYPES,
    FieldDef,
)
from salesforce_emulator.exceptions import malformed_query
from salesforce_emulator.values import (
    format_datetime,
    format_time,
    id_checksum,
    normalize_datetime,
)

from .errors import ErrorFactory
from .resolver import ROOT_ALIAS, Relation, Resolved, Resolver

_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_RANGE_OPS = {"<": "<", "<=": "<", ">": ">=", ">=": ">="}


@dataclass(frozen=True)
class _Range:
    """A half-open range ``[start, end)`` of stored values (from a date literal)."""

    start: str
    end: str


def _type_word(field: FieldDef) -> tuple[str, bool]:
    """The type Salesforce names in value errors, and whether values are quoted."""
    sf_type = field.type
    if sf_type in STRING_TYPES:
        return "string", True
    if sf_type in ID_TYPES:
        return "id", True
    if sf_type in INTEGER_TYPES:
        return "integer", False
    if sf_type in NUMBER_TYPES:
        return "double", False
    words = {"datetime": "dateTime", "date": "date", "boolean": "boolean", "time": "time"}
    return words.get(sf_type, sf_type), False


def like_escape(text: str) -> str:
    r"""Escape LIKE wildcards in plain text (escape character ``\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(value: str) -> str:
    r"""A SOQL LIKE pattern (``\%`` and ``\_`` are literal) as an SQLite pattern."""
    out: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and value[index + 1 : index + 2] in ("%", "_"):
            out.append(value[index : index + 2])
            index += 2
            continue
        out.append("\\\\" if char == "\\" else char)
        index += 1
    return "".join(out)


def negate(sql: str) -> str:
    """Two-valued negation: rows where ``sql`` is NULL count as not matching it."""
    return f"NOT COALESCE(({sql}), 0)"


class FilterCompiler:
    """Compiles WHERE and ORDER BY; collects parameters and the relations they join."""

    def __init__(self, resolver: Resolver, errors: ErrorFactory, now: dt.datetime) -> None:
        """Compile for ``resolver``'s object; date literals (``TODAY``) are relative to ``now``."""
        self.resolver = resolver
        self.errors = errors
        self.today = now.astimezone(dt.UTC).date()
        self.params: list[object] = []
        self.relations: list[Relation] = []

    # --- WHERE --------------------------------------------------------------------------------

    def where(self, expr: Expr) -> str:
        """SQL for a condition tree."""
        if isinstance(expr, Comparison):
            return self.comparison(expr)
        if isinstance(expr, Not):
            return negate(self.where(expr.operand))
        joiner = " AND " if isinstance(expr, And) else " OR "
        assert isinstance(expr, And | Or)
        return "(" + joiner.join(f"({self.where(e)})" for e in expr.operands) + ")"

    def comparison(self, comparison: Comparison) -> str:
        """SQL for one ``field op value`` condition."""
        resolved = self._filterable(comparison)
        op = comparison.op
        literals = comparison.value if isinstance(comparison.value, tuple) else (comparison.value,)
        if op in ("INCLUDES", "EXCLUDES"):
            positive = self._includes(resolved, literals, comparison.pos)
            return positive if op == "INCLUDES" else negate(positive)
        if op == "LIKE":
            return self._like(resolved, literals[0], comparison.pos)
        values = [self._value(resolved.field, literal) for literal in literals]
        if op in ("IN", "NOT IN"):
            positive = " OR ".join(self._equals(resolved, v) for v in self._grouped(values))
            return f"({positive})" if op == "IN" else negate(positive)
        if op == "=":
            return self._equals(resolved, values[0])
        if op == "!=":
            return negate(self._equals(resolved, values[0]))
        return self._ordering(resolved, op, values[0])

    def _filterable(self, comparison: Comparison) -> Resolved:
        resolved = self.resolver.resolve(comparison.field)
        if resolved.relation is not None:
            self.relations.append(resolved.relation)
        if resolved.sql is None or not resolved.field.describe()["filterable"]:
            name = resolved.field.name
            raise self.errors.field_not_allowed(name, "filtered in a query call", resolved.pos)
        return resolved

    @staticmethod
    def _cmp(resolved: Resolved) -> str:
        assert resolved.sql is not None
        return resolved.sql + (" COLLATE NOCASE" if resolved.field.is_text else "")

    def _param(self, value: object) -> str:
        self.params.append(value)
        return "?"

    @staticmethod
    def _grouped(values: list[object]) -> list[object]:
        """Scalars of an IN list gathered into one tuple; nulls and ranges kept apart."""
        scalars = tuple(v for v in values if v is not None and not isinstance(v, _Range))
        others = [v for v in values if v is None or isinstance(v, _Range)]
        return ([scalars] if scalars else []) + list(dict.fromkeys(others))

    def _equals(self, resolved: Resolved, value: object) -> str:
        assert resolved.sql is not None
        if value is None:
            if resolved.field.type in STRING_TYPES or resolved.field.type in ID_TYPES:
                return f"COALESCE({resolved.sql}, '') = ''"
            return f"{resolved.sql} IS NULL"
        if isinstance(value, _Range):
            start, end = self._param(value.start), self._param(value.end)
            return f"({resolved.sql} >= {start} AND {resolved.sql} < {end})"
        if isinstance(value, tuple):
            marks = ", ".join(self._param(v) for v in value)
            return f"{self._cmp(resolved)} IN ({marks})"
        return f"{self._cmp(resolved)} = {self._param(value)}"

    def _ordering(self, resolved: Resolved, op: str, value: object) -> str:
        if value is None:
            return "0"
        if isinstance(value, _Range):
            bound = value.start if op in ("<", ">=") else value.end
            return f"{resolved.sql} {_RANGE_OPS[op]} {self._param(bound)}"
        return f"{self._cmp(resolved)} {op} {self._param(value)}"

    def _like(self, resolved: Resolved, literal: Literal, pos: int) -> str:
        field = resolved.field
        if not (field.is_text or field.type in ID_TYPES):
            raise self.errors.filter_operator(f"invalid operator on field '{field.name}'", pos)
        if literal.kind == "null":
            return "0"
        if literal.kind != "string":
            raise self.errors.wrong_value_type(field.name, "string", True, literal.pos)
        pattern = like_pattern(str(literal.value))
        return f"{resolved.sql} LIKE {self._param(pattern)} ESCAPE '\\'"

    def _includes(self, resolved: Resolved, literals: tuple[Literal, ...], pos: int) -> str:
        field = resolved.field
        if field.type != "multipicklist":
            raise self.errors.filter_operator(
                "includes or excludes operator only valid on multipicklist field", pos
            )
        wrapped = f"(';' || {resolved.sql} || ';')"
        alternatives = []
        for literal in literals:
            if literal.kind == "null":
                continue
            if literal.kind != "string":
                raise self.errors.wrong_value_type(field.name, "string", True, literal.pos)
            parts = [p.strip() for p in str(literal.value).split(";") if p.strip()]
            conditions = [
                f"{wrapped} LIKE {self._param('%;' + like_escape(p) + ';%')} ESCAPE '\\'"
                for p in parts
            ]
            alternatives.append("(" + (" AND ".join(conditions) or "0") + ")")
        return "(" + (" OR ".join(alternatives) or "0") + ")"

    # --- values -------------------------------------------------------------------------------

    def _value(self, field: FieldDef, literal: Literal) -> object:
        """The stored form of a literal compared with ``field`` (None: null, _Range: literal)."""
        if literal.kind == "null":
            return None
        sf_type = field.type
        if sf_type in STRING_TYPES:
            text = self._expect(field, literal, "string")
            if isinstance(text, str) and len(text) > MAX_LITERAL_CHARS:
                raise malformed_query(
                    f"The value for field '{field.name}' is too long: string literals in a "
                    f"WHERE clause are limited to {MAX_LITERAL_CHARS} characters."
                )
            return text or None
        if sf_type in ID_TYPES:
            return self._id_value(field, literal)
        if sf_type == "boolean":
            return int(bool(self._expect(field, literal, "boolean")))
        if sf_type in INTEGER_TYPES or sf_type in NUMBER_TYPES:
            return self._expect(field, literal, "number")
        if sf_type == "date":
            return self._date_value(field, literal)
        if sf_type == "datetime":
            return self._datetime_value(field, literal)
        if sf_type == "time":
            return self._time_value(field, literal)
        type_word, quoted = _type_word(field)
        raise self.errors.wrong_value_type(field.name, type_word, quoted, literal.pos)

    def _expect(self, field: FieldDef, literal: Literal, kind: str) -> object:
        if literal.kind != kind:
            type_word, quoted = _type_word(field)
            raise self.errors.wrong_value_type(field.name, type_word, quoted, literal.pos)
        return literal.value

    def _id_value(self, field: FieldDef, literal: Literal) -> str | None:
        value = str(self._expect(field, literal, "string"))
        if not value:
            return None
        if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
            raise self.errors.filter_operator(f"invalid ID field: {value}", literal.pos)
        return value + id_checksum(value) if len(value) == 15 else value

    def _date_value(self, field: FieldDef, literal: Literal) -> object:
        if literal.kind == "date_literal":
            start, end = date_literal_range(str(literal.value), self.today)
            return _Range(start.isoformat(), end.isoformat())
        return self._expect(field, literal, "date")

    def _datetime_value(self, field: FieldDef, literal: Literal) -> object:
        if literal.kind == "date_literal":
            start, end = date_literal_range(str(literal.value), self.today)
            return _Range(_midnight(start), _midnight(end))
        return normalize_datetime(str(self._expect(field, literal, "datetime")))

    def _time_value(self, field: FieldDef, literal: Literal) -> str:
        """A time literal (``01:00:00.000Z``, ``01:00:00-06:00``) as stored: UTC, ``...Z``."""
        value = iso_datetime("2000-01-01T" + str(self._expect(field, literal, "time")))
        return format_time(value.astimezone(dt.UTC).time())

    # --- ORDER BY -----------------------------------------------------------------------------

    def order_by(self, items: tuple[OrderItem, ...]) -> str:
        """The ORDER BY terms; ties (and unordered queries) fall back to table order."""
        terms = [self._order_term(item) for item in items]
        terms.append(f"{ROOT_ALIAS}.rowid")
        return ", ".join(terms)

    def _order_term(self, item: OrderItem) -> str:
        resolved = self.resolver.resolve(item.field)
        if resolved.relation is not None:
            self.relations.append(resolved.relation)
        if resolved.sql is None or not resolved.field.describe()["sortable"]:
            name = resolved.field.name
            raise self.errors.field_not_allowed(name, "sorted in a query call", resolved.pos)
        nulls_first = (not item.descending) if item.nulls_first is None else item.nulls_first
        direction = "DESC" if item.descending else "ASC"
        return f"{self._cmp(resolved)} {direction} NULLS {'FIRST' if nulls_first else 'LAST'}"


def _midnight(day: dt.date) -> str:
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))

"""SOQL syntax tree: frozen dataclasses, and printing them back as SOQL text.

Pure Python, no I/O: shared by the plugins and the emulator.
Positions (``pos``) are 0-based character offsets into the parsed text; they are ignored by
equality so that a query re-parsed from :func:`format_query` compares equal to the original.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

LIST_OPS = frozenset({"IN", "NOT IN", "INCLUDES", "EXCLUDES"})

_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_STRING_ESCAPES.update({"\b": "\\b", "\f": "\\f"})


@dataclass(frozen=True)
class FieldRef:
    """A field path as written: ``("Account", "Owner", "Name")``."""

    path: tuple[str, ...]
    pos: int = dataclasses.field(default=-1, compare=False)

    @property
    def dotted(self) -> str:
        """The path joined with dots, as written in the query."""
        return ".".join(self.path)


@dataclass(frozen=True)
class CountAll:
    """``COUNT()``: the query answers only ``totalSize``."""

    pos: int = dataclasses.field(default=-1, compare=False)


@dataclass(frozen=True)
class Count:
    """``COUNT(field) [alias]``: an aggregate counting non-null values."""

    field: FieldRef
    alias: str | None = None
    pos: int = dataclasses.field(default=-1, compare=False)


SelectItem = FieldRef | CountAll | Count


@dataclass(frozen=True)
class Literal:
    r"""A value in a condition.

    Kinds and values: ``string`` (str, unescaped except ``\%``/``\_`` kept for LIKE),
    ``number`` (int or float), ``boolean`` (bool), ``null`` (None), ``date`` (``YYYY-MM-DD``),
    ``datetime`` and ``time`` (the text as written, e.g. ``01:00:00.000Z``), and
    ``date_literal`` (upper-case, e.g. ``LAST_N_DAYS:7``).
    """

    kind: str
    value: object
    pos: int = dataclasses.field(default=-1, compare=False)


@dataclass(frozen=True)
class Comparison:
    """``field op value``; ``value`` is a tuple of literals for IN/NOT IN/INCLUDES/EXCLUDES."""

    field: FieldRef
    op: str
    value: Literal | tuple[Literal, ...]
    pos: int = dataclasses.field(default=-1, compare=False)


@dataclass(frozen=True)
class And:
    """Conjunction of two or more conditions."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """Disjunction of two or more conditions."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    """Negation of a condition."""

    operand: Expr


Expr = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY term; ``nulls_first`` is None when NULLS FIRST/LAST is not written."""

    field: FieldRef
    descending: bool = False
    nulls_first: bool | None = None


@dataclass(frozen=True)
class Query:
    """A parsed SOQL SELECT statement.

    ``source`` is the text it was parsed from (empty for built or modified queries); error
    messages quote it, so it is ignored by equality.
    """

    select: tuple[SelectItem, ...]
    from_object: str
    where: Expr | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    source: str = dataclasses.field(default="", compare=False)
    from_pos: int = dataclasses.field(default=-1, compare=False)

    def to_soql(self) -> str:
        """Print the query as SOQL text (see :func:`format_query`)."""
        return format_query(self)


def and_where(query: Query, expr: Expr) -> Query:
    """Return ``query`` with ``expr`` ANDed to its WHERE clause."""
    where = expr if query.where is None else And((query.where, expr))
    return dataclasses.replace(query, where=where, source="", from_pos=-1)


# --- printing -------------------------------------------------------------------------------


def format_query(query: Query) -> str:
    """Print a query as valid SOQL that parses back to an equal :class:`Query`."""
    parts = ["SELECT " + ", ".join(_format_select_item(item) for item in query.select)]
    parts.append("FROM " + query.from_object)
    if query.where is not None:
        parts.append("WHERE " + format_expr(query.where))
    if query.order_by:
        parts.append("ORDER BY " + ", ".join(_format_order_item(o) for o in query.order_by))
    if query.limit is not None:
        parts.append(f"LIMIT {query.limit}")
    if query.offset is not None:
        parts.append(f"OFFSET {query.offset}")
    return " ".join(parts)


def format_expr(expr: Expr) -> str:
    """Print a condition; nested groups are parenthesised."""
    if isinstance(expr, Comparison):
        return _format_comparison(expr)
    if isinstance(expr, Not):
        return f"NOT ({format_expr(expr.operand)})"
    joiner = " AND " if isinstance(expr, And) else " OR "
    return joiner.join(_format_operand(operand) for operand in expr.operands)


def quote_string(value: str) -> str:
    r"""A SOQL string literal: quoted, with ``\``, ``'`` and control characters escaped.

    The one SOQL escaper of the project (the plugins' queries, the target's email lookups and
    the emulator's own queries all print strings through it).

    Args:
        value: The text (``o'brien@x.com``).

    Returns:
        The literal (``'o\'brien@x.com'``).
    """
    return "'" + "".join(_STRING_ESCAPES.get(c, c) for c in value) + "'"


def format_literal(literal: Literal) -> str:
    """Print a literal as SOQL."""
    if literal.kind == "string":
        return quote_string(str(literal.value))
    if literal.kind == "number":
        return _format_number(literal.value)
    if literal.kind == "boolean":
        return "true" if literal.value else "false"
    if literal.kind == "null":
        return "null"
    return str(literal.value)


def _format_number(value: object) -> str:
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else text + ".0"
    return str(value)


def _format_operand(expr: Expr) -> str:
    return format_expr(expr) if isinstance(expr, Comparison) else f"({format_expr(expr)})"


def _format_comparison(comparison: Comparison) -> str:
    if isinstance(comparison.value, tuple):
        value = "(" + ", ".join(format_literal(v) for v in comparison.value) + ")"
    else:
        value = format_literal(comparison.value)
    return f"{comparison.field.dotted} {comparison.op} {value}"


def _format_select_item(item: SelectItem) -> str:
    if isinstance(item, FieldRef):
        return item.dotted
    if isinstance(item, CountAll):
        return "COUNT()"
    alias = f" {item.alias}" if item.alias else ""
    return f"COUNT({item.field.dotted}){alias}"


def _format_order_item(item: OrderItem) -> str:
    text = item.field.dotted + (" DESC" if item.descending else " ASC")
    if item.nulls_first is not None:
        text += " NULLS FIRST" if item.nulls_first else " NULLS LAST"
    return text

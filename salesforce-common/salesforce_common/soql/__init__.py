"""A SOQL parser and syntax tree, shared by the plugins and the emulator.

``parse_soql`` turns a ``SELECT`` statement into a :class:`Query`; queries are edited as
values (``and_where``, ``dataclasses.replace``) and printed back with ``format_query``, which
parenthesises nested conditions, so a condition added to a user's ``WHERE`` can never change
the meaning of what was there.
"""

from __future__ import annotations

from salesforce_common.soql.ast import (
    And,
    Comparison,
    Count,
    CountAll,
    Expr,
    FieldRef,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    SelectItem,
    and_where,
    format_expr,
    format_literal,
    format_query,
    quote_string,
)
from salesforce_common.soql.lexer import SoqlSyntaxError
from salesforce_common.soql.parser import error_location, iso_datetime, parse_soql

__all__ = [
    "And",
    "Comparison",
    "Count",
    "CountAll",
    "Expr",
    "FieldRef",
    "Literal",
    "Not",
    "Or",
    "OrderItem",
    "Query",
    "SelectItem",
    "SoqlSyntaxError",
    "and_where",
    "error_location",
    "format_expr",
    "format_literal",
    "format_query",
    "iso_datetime",
    "parse_soql",
    "quote_string",
]

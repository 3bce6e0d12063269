"""SOQL for the emulator: parsing (``parse_soql``) and compiling to SQLite (``compile_soql``)."""

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
    format_query,
)
from salesforce_common.soql.parser import SoqlSyntaxError, parse_soql

from .compiler import CompiledQuery, compile_query, compile_soql

__all__ = [
    "And",
    "Comparison",
    "CompiledQuery",
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
    "compile_query",
    "compile_soql",
    "format_expr",
    "format_query",
    "parse_soql",
]

"""SOQL for the emulator: compiling parsed queries (``salesforce_common.soql``) to SQLite."""

from __future__ import annotations

from .compiler import CompiledQuery, compile_query, compile_soql

__all__ = ["CompiledQuery", "compile_query", "compile_soql"]

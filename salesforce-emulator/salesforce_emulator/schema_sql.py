"""SQLite tables for catalog objects: one table per object, one column per stored field."""

from __future__ import annotations

import sqlite3

from salesforce_emulator.catalog import ObjectDef
from salesforce_emulator.values import make_id


def quote(identifier: str) -> str:
    """Quote an SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def create_table_sql(obj: ObjectDef) -> list[str]:
    """DDL for the object's table and the indexes queries rely on."""
    columns = ", ".join(
        f"{quote(f.name)} {f.sql_type}" + (" PRIMARY KEY" if f.name == "Id" else "")
        for f in obj.stored_fields
    )
    table = quote(obj.name)
    statements = [f"CREATE TABLE IF NOT EXISTS {table} ({columns})"]
    for name in ("SystemModstamp", "LastModifiedDate", "Email", "CreatedDate"):
        if obj.field(name) is not None and obj.field(name).is_stored:  # type: ignore[union-attr]
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {quote(f'ix_{obj.name}_{name}')} "
                f"ON {table} ({quote(name)})"
            )
    return statements


ID_COUNTERS_DDL = (
    'CREATE TABLE IF NOT EXISTS "_id_counters" (object TEXT PRIMARY KEY, next INTEGER NOT NULL)'
)


def reserve_ids(conn: sqlite3.Connection, obj: ObjectDef, count: int) -> list[str]:
    """Reserve ``count`` new record Ids for ``obj`` (never reused, even after a purge)."""
    conn.execute(ID_COUNTERS_DDL)
    row = conn.execute('SELECT next FROM "_id_counters" WHERE object = ?', (obj.name,)).fetchone()
    first = row[0] if row else 1
    conn.execute(
        'INSERT INTO "_id_counters" (object, next) VALUES (?, ?) '
        "ON CONFLICT(object) DO UPDATE SET next = excluded.next",
        (obj.name, first + count),
    )
    return [make_id(obj.key_prefix, number) for number in range(first, first + count)]

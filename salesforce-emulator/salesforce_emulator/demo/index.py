"""Read access to rows already stored: parents to point at, values to keep unique."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from salesforce_emulator.catalog import Catalog, ObjectDef
from salesforce_emulator.schema_sql import quote


class OrgIndex:
    """Cached read access to rows already stored: parents to point at, values to keep unique."""

    def __init__(self, conn: sqlite3.Connection, catalog: Catalog) -> None:
        """Read the tables of ``catalog``'s objects in ``conn``."""
        self._conn = conn
        self._catalog = catalog
        self._cache: dict[tuple[str, ...], Any] = {}

    def _object(self, name: str, fields: Sequence[str]) -> ObjectDef | None:
        obj = self._catalog.get(name)
        if obj is None or not all(is_stored(obj, f) for f in fields):
            return None
        exists = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (obj.name,)
        ).fetchone()
        return obj if exists else None

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def rows(self, name: str, fields: Sequence[str], *, live: bool = True) -> dict[str, tuple]:
        """Id -> values of ``fields`` for stored rows (only not deleted ones when ``live``)."""

        def load() -> dict[str, tuple]:
            obj = self._object(name, fields)
            if obj is None:
                return {}
            columns = ", ".join(quote(f) for f in ("Id", *fields))
            where = ' WHERE NOT "IsDeleted"' if live and is_stored(obj, "IsDeleted") else ""
            sql = f"SELECT {columns} FROM {quote(obj.name)}{where} ORDER BY rowid"
            return {row[0]: tuple(row[1:]) for row in self._conn.execute(sql)}

        return self._cached(("rows", name, str(live), *fields), load)

    def ids(self, name: str) -> list[str]:
        """Ids of the stored, not deleted rows of an object, oldest first."""
        return self._cached(("ids", name), lambda: list(self.rows(name, ())))

    def column(self, name: str, field: str) -> dict[str, Any]:
        """Id -> value of one field for the not deleted rows."""
        return self._cached(
            ("column", name, field), lambda: {k: v[0] for k, v in self.rows(name, (field,)).items()}
        )

    def groups(self, name: str, field: str) -> dict[Any, list[str]]:
        """Value of a field -> Ids of the not deleted rows that have it."""

        def load() -> dict[Any, list[str]]:
            out: dict[Any, list[str]] = {}
            for key, value in self.column(name, field).items():
                if value is not None:
                    out.setdefault(value, []).append(key)
            return out

        return self._cached(("groups", name, field), load)

    def timeline(
        self, name: str, subset: Sequence[str] | None = None
    ) -> tuple[list[str], list[str]]:
        """Ids of live rows (or of ``subset``) ordered by CreatedDate, and those CreatedDates."""
        if subset is None:
            return self._cached(("timeline", name), lambda: self.timeline(name, self.ids(name)))
        created = self.column(name, "CreatedDate")
        pairs = sorted((created.get(i) or "", i) for i in subset)
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def lowered(self, name: str, field: str) -> set[str]:
        """Lower-cased values of a field over all rows (deleted ones too)."""
        values = self.rows(name, (field,), live=False).values()
        return {v[0].lower() for v in values if isinstance(v[0], str)}

    def count(self, name: str) -> int:
        """How many rows the object's table holds."""
        obj = self._object(name, ())
        if obj is None:
            return 0
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {quote(obj.name)}").fetchone()[0])

    def max_number(self, name: str, field: str, prefix: str) -> int:
        """The largest number in values ``prefix`` + digits of a field (0 when none)."""
        obj = self._object(name, (field,))
        if obj is None:
            return 0
        sql = (
            f"SELECT MAX(CAST(SUBSTR({quote(field)}, ?) AS INTEGER)) FROM {quote(obj.name)} "
            f"WHERE {quote(field)} LIKE ?"
        )
        row = self._conn.execute(sql, (len(prefix) + 1, prefix + "%")).fetchone()
        return int(row[0] or 0)

    def forget(self, name: str) -> None:
        """Drop what is cached about an object after rows were added to it."""
        self._cache = {k: v for k, v in self._cache.items() if k[1] != name}


def is_stored(obj: ObjectDef, name: str) -> bool:
    """True when ``obj`` has a field ``name`` that is a table column."""
    f = obj.field(name)
    return f is not None and f.is_stored

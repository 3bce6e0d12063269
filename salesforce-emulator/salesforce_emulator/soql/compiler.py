"""Compile parsed SOQL into SQLite statements and row renderers.

How the server uses a :class:`CompiledQuery`:

1. ``COUNT()`` queries (``is_count``): run ``count_sql`` with ``params``; answer ``totalSize``.
2. Aggregate queries (``is_aggregate``, e.g. ``COUNT(Id)``): run ``aggregate_sql`` with
   ``params`` (one row) and answer ``[render_aggregate(row)]`` with ``totalSize`` 1.
3. Other queries: run ``ids_sql`` with ``params`` to snapshot the matching rowids in query
   order (LIMIT/OFFSET applied; ``count_sql`` counts the same rows), then for each page call
   ``fetch_page(conn, rowids)``, which returns the rows in the snapshot order (rows deleted
   since the snapshot are skipped), and render each with ``render_json`` or ``render_csv``.
   ``rows_sql(n)`` is the underlying statement (rows in arbitrary order, n rowid parameters).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from salesforce_common.api_limits import MAX_SOQL_CHARS
from salesforce_common.soql.ast import Count, CountAll, FieldRef, Query, format_query
from salesforce_common.soql.parser import SoqlSyntaxError, error_location, parse_soql

from salesforce_emulator.catalog import Catalog, ObjectDef
from salesforce_emulator.exceptions import SalesforceApiError, malformed_query
from salesforce_emulator.schema_sql import quote

from .errors import ErrorFactory, offset_too_large
from .filters import FilterCompiler
from .render import Branch, Leaf, Row, RowRenderer
from .resolver import ROOT_ALIAS, Relation, Resolved, Resolver

MAX_OFFSET = 2000
"""Largest SOQL ``OFFSET`` Salesforce accepts (not in ``salesforce_common.api_limits``)."""
_FETCH_CHUNK = 5000
SqlValue = object  # a query parameter or column value (``object`` is a field name below)


@dataclass(frozen=True)
class CompiledQuery:
    """A query ready to run against the org's SQLite database (see the module docstring)."""

    object: ObjectDef
    is_count: bool
    is_aggregate: bool
    selects_compound: bool
    has_relationships: bool
    count_sql: str
    ids_sql: str
    params: tuple[SqlValue, ...]
    aggregate_sql: str | None
    aggregate_keys: tuple[str, ...]
    select_sql: str
    renderer: RowRenderer

    @property
    def csv_header(self) -> list[str]:
        """Bulk API 2.0 CSV header: the selected fields as written (``Account.Name``)."""
        return self.renderer.csv_header

    def rows_sql(self, n: int) -> str:
        """``SELECT rowid, Id, columns... WHERE t0.rowid IN (?...)`` for ``n`` rowids."""
        return f"{self.select_sql}{', '.join('?' * n)})"

    def fetch_page(self, conn: sqlite3.Connection, rowids: Sequence[int]) -> list[Row]:
        """Fetch the rows with these rowids, in the given order; missing rows are skipped."""
        rows: dict[SqlValue, Row] = {}
        for start in range(0, len(rowids), _FETCH_CHUNK):
            chunk = tuple(rowids[start : start + _FETCH_CHUNK])
            for row in conn.execute(self.rows_sql(len(chunk)), chunk):
                rows[row[0]] = row
        return [rows[rowid] for rowid in rowids if rowid in rows]

    def render_json(self, row: Row, api_version: str) -> dict[str, SqlValue]:
        """The REST record for a fetched row (``api_version`` like ``64.0``)."""
        return self.renderer.json(row, api_version)

    def render_csv(self, row: Row) -> list[str]:
        """The Bulk API 2.0 CSV values for a fetched row, in ``csv_header`` order."""
        return self.renderer.csv(row)

    def render_aggregate(self, row: Row) -> dict[str, SqlValue]:
        """The AggregateResult record for the single row of ``aggregate_sql``."""
        record: dict[str, SqlValue] = {"attributes": {"type": "AggregateResult"}}
        record.update(zip(self.aggregate_keys, row, strict=True))
        return record


def compile_soql(
    soql: str,
    catalog: Catalog,
    *,
    include_deleted: bool,
    hidden_fields: frozenset[tuple[str, str]] = frozenset(),
    now: dt.datetime | None = None,
) -> CompiledQuery:
    """Parse and compile a SOQL statement.

    Raises:
        SalesforceApiError: MALFORMED_QUERY for syntax errors, and the errors of
            :func:`compile_query`.
    """
    if len(soql) > MAX_SOQL_CHARS:
        raise malformed_query(
            f"SOQL statements cannot be longer than {MAX_SOQL_CHARS:,} characters."
        )
    try:
        query = parse_soql(soql)
    except SoqlSyntaxError as exc:
        raise _syntax_error(soql, exc) from None
    return compile_query(
        query, catalog, include_deleted=include_deleted, hidden_fields=hidden_fields, now=now
    )


def compile_query(
    query: Query,
    catalog: Catalog,
    *,
    include_deleted: bool,
    hidden_fields: frozenset[tuple[str, str]] = frozenset(),
    now: dt.datetime | None = None,
) -> CompiledQuery:
    """Compile a parsed query for ``catalog``'s SQLite tables.

    Args:
        query: the parsed (possibly modified) query.
        catalog: the org's objects.
        include_deleted: True for queryAll (rows with ``IsDeleted = 1`` included).
        hidden_fields: ``(object, field)`` pairs, lower-case, hidden by field-level security.
        now: the time relative date literals (``TODAY``) refer to; defaults to now (UTC).

    Raises:
        SalesforceApiError: INVALID_TYPE, INVALID_FIELD, MALFORMED_QUERY,
            INVALID_QUERY_FILTER_OPERATOR or NUMBER_OUTSIDE_VALID_RANGE.
    """
    if not query.source:
        query = _with_source(query)
    return _Compilation(
        query, catalog, include_deleted, hidden_fields, now or dt.datetime.now(dt.UTC)
    ).run()


def _with_source(query: Query) -> Query:
    """Re-parse a built or modified query so that error positions refer to real text."""
    text = format_query(query)
    try:
        return parse_soql(text)
    except SoqlSyntaxError as exc:
        raise _syntax_error(text, exc) from None


def _syntax_error(text: str, exc: SoqlSyntaxError) -> SalesforceApiError:
    """MALFORMED_QUERY for a parse error.

    Constructs the shared parser does not handle are named as unsupported by the emulator
    (Salesforce itself accepts them).
    """
    message = exc.message + (" by the Salesforce emulator" if exc.unsupported else "")
    return malformed_query(error_location(text, exc.position) + message)


class _Columns:
    """The row layout of ``rows_sql``: rowid, Id, then each distinct SQL expression once."""

    def __init__(self) -> None:
        self.sql: list[str] = [f"{ROOT_ALIAS}.rowid", f"{ROOT_ALIAS}.{quote('Id')}"]
        self._index = {sql: i for i, sql in enumerate(self.sql)}

    def add(self, sql: str) -> int:
        if sql not in self._index:
            self._index[sql] = len(self.sql)
            self.sql.append(sql)
        return self._index[sql]


class _Compilation:
    """One compile_query call."""

    def __init__(
        self,
        query: Query,
        catalog: Catalog,
        include_deleted: bool,
        hidden: frozenset[tuple[str, str]],
        now: dt.datetime,
    ) -> None:
        self.query = query
        self.errors = ErrorFactory(query.source)
        obj = catalog.get(query.from_object)
        if obj is None or not obj.queryable:
            raise self.errors.unknown_object(query.from_object, query.from_pos)
        self.obj = obj
        self.include_deleted = include_deleted
        self.resolver = Resolver(catalog, obj, hidden, self.errors)
        self.filters = FilterCompiler(self.resolver, self.errors, now)
        self.columns = _Columns()
        self.select_relations: list[Relation] = []
        self.selects_compound = False

    def run(self) -> CompiledQuery:
        query = self.query
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise offset_too_large(MAX_OFFSET)
        is_count, counts, fields = self._classify_select()
        table = f"{quote(self.obj.name)} {ROOT_ALIAS}"
        slots, csv_leaves = self._select_plan(fields)
        where = self._where_sql()
        order = self.filters.order_by(query.order_by)
        aggregate_keys, aggregate_exprs = self._aggregates(counts)
        filter_from = table + self.resolver.join_sql(self.filters.relations)
        base = f"FROM {filter_from} WHERE {where}"
        paging = _paging_sql(query.limit, query.offset)
        count_sql = f"SELECT COUNT(*) {base}"
        if paging:
            count_sql = f"SELECT COUNT(*) FROM (SELECT {ROOT_ALIAS}.rowid {base}{paging})"
        aggregate_sql = None
        if counts:
            aggregate_sql = f"SELECT {', '.join(aggregate_exprs)} {base}"
        select_from = table + self.resolver.join_sql(self.select_relations)
        return CompiledQuery(
            object=self.obj,
            is_count=is_count,
            is_aggregate=bool(counts),
            selects_compound=self.selects_compound,
            has_relationships=bool(self.resolver.relations),
            count_sql=count_sql,
            ids_sql=f"SELECT {ROOT_ALIAS}.rowid {base} ORDER BY {order}{paging}",
            params=tuple(self.filters.params),
            aggregate_sql=aggregate_sql,
            aggregate_keys=aggregate_keys,
            select_sql=f"SELECT {', '.join(self.columns.sql)} FROM {select_from} "
            f"WHERE {ROOT_ALIAS}.rowid IN (",
            renderer=RowRenderer(self.obj.name, slots, csv_leaves),
        )

    # --- SELECT -------------------------------------------------------------------------------

    def _classify_select(self) -> tuple[bool, list[Count], list[FieldRef]]:
        select = self.query.select
        count_all = [item for item in select if isinstance(item, CountAll)]
        counts = [item for item in select if isinstance(item, Count)]
        fields = [item for item in select if isinstance(item, FieldRef)]
        if count_all and len(select) > 1:
            raise self.errors.malformed(
                "COUNT() must be the only element in the SELECT list", count_all[0].pos
            )
        if counts and fields:
            raise self.errors.malformed(
                f"Field must be grouped or aggregated: {fields[0].dotted}", fields[0].pos
            )
        return bool(count_all), counts, fields

    def _select_plan(self, fields: list[FieldRef]) -> tuple[list[Leaf | Branch], list[Leaf]]:
        """The slot tree for JSON and the flat leaves for CSV, checking for duplicates."""
        roots: list[Leaf | Branch] = []
        branches: dict[tuple[str, ...], Branch] = {}
        seen: set[tuple[str, ...]] = set()
        leaves: list[Leaf] = []
        for ref in fields:
            resolved = self.resolver.resolve(ref)
            key = tuple(name.lower() for name in resolved.names)
            if key in seen:
                raise self.errors.malformed(f"duplicate field selected: {ref.dotted}")
            seen.add(key)
            container = roots
            if resolved.relation is not None:
                self.select_relations.append(resolved.relation)
                for relation in resolved.relation.chain():
                    if relation.key not in branches:
                        branches[relation.key] = self._branch(relation)
                        container.append(branches[relation.key])
                    container = branches[relation.key].children
            leaf = self._leaf(resolved, ref)
            container.append(leaf)
            leaves.append(leaf)
        return roots, leaves

    def _branch(self, relation: Relation) -> Branch:
        type_index = None if relation.type_sql is None else self.columns.add(relation.type_sql)
        return Branch(
            key=relation.name,
            id_index=self.columns.add(relation.id_sql),
            type_name=relation.targets[0].name,
            type_index=type_index,
        )

    def _leaf(self, resolved: Resolved, ref: FieldRef) -> Leaf:
        if resolved.sql is not None:
            index = self.columns.add(resolved.sql)
            return Leaf(resolved.field.name, resolved.field, index, header=ref.dotted)
        self.selects_compound = True
        parts = tuple(
            (key, part, None if sql is None else self.columns.add(sql))
            for key, part, sql in self.resolver.components(resolved)
        )
        return Leaf(resolved.field.name, resolved.field, None, parts, header=ref.dotted)

    def _aggregates(self, counts: list[Count]) -> tuple[tuple[str, ...], list[str]]:
        keys: list[str] = []
        exprs: list[str] = []
        unnamed = 0
        for count in counts:
            resolved = self.resolver.resolve(count.field)
            if resolved.relation is not None:
                self.filters.relations.append(resolved.relation)
            if resolved.sql is None or not resolved.field.describe()["aggregatable"]:
                name = resolved.field.name
                raise self.errors.field_not_allowed(name, "aggregated in a query", count.pos)
            key = count.alias or f"expr{unnamed}"
            unnamed += count.alias is None
            if key.lower() in (k.lower() for k in keys):
                raise self.errors.malformed(f"duplicate alias: {key}", count.pos)
            keys.append(key)
            exprs.append(f"COUNT({resolved.sql})")
        return tuple(keys), exprs

    # --- WHERE --------------------------------------------------------------------------------

    def _where_sql(self) -> str:
        conditions = []
        deleted = self.obj.field("IsDeleted")
        if not self.include_deleted and deleted is not None and deleted.is_stored:
            conditions.append(f"COALESCE({ROOT_ALIAS}.{quote('IsDeleted')}, 0) = 0")
        if self.query.where is not None:
            conditions.append(self.filters.where(self.query.where))
        return " AND ".join(conditions) or "1"


def _paging_sql(limit: int | None, offset: int | None) -> str:
    if limit is None and not offset:
        return ""
    text = f" LIMIT {-1 if limit is None else limit}"
    return text + (f" OFFSET {offset}" if offset else "")

"""What a SOQL stream reads: its object, record shape, base query and keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salesforce_common.soql import Query, format_query

from tap_salesforce_plus.bulk_chunks import BulkChunking
from tap_salesforce_plus.deletions import IS_DELETED
from tap_salesforce_plus.schema import PRIMARY_KEY, replication_key_for
from tap_salesforce_plus.shape import ParentNode, Shape, field_nodes
from tap_salesforce_plus.soql import field_ref, read_query

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_salesforce_plus.options import TapOptions
    from tap_salesforce_plus.registry import Table
    from tap_salesforce_plus.windows import Window


@dataclass
class StreamSource:
    """What a SOQL stream reads.

    Attributes:
        name: The Singer stream name.
        object_name: The ``FROM`` object.
        shape: Every property the stream offers (the catalog selects among them).
        base_query: The ``FROM`` object and the user's conditions (query streams).
        replication_key: Incremental key, or None for full-table reads.
        primary_keys: Key properties.
        bulk_allowed: Whether the Bulk API may read it.
        hard_deletes: Whether to report deletions from ``sobjects/{X}/deleted``.
        approximate_rows: The org's approximate row count (``limits/recordCount``), if known.
        bulk_chunks: How a large Bulk read is split into Id ranges (None: never).
    """

    name: str
    object_name: str
    shape: Shape
    base_query: Query
    replication_key: str | None
    primary_keys: list[str]
    bulk_allowed: bool = True
    hard_deletes: bool = False
    approximate_rows: int | None = None
    bulk_chunks: BulkChunking | None = None

    def statement(self, terms: Sequence[str], window: Window, *, ordered: bool = True) -> str:
        """The SOQL reading some terms of this source within a window of the key.

        Args:
            terms: SELECT terms.
            window: Bounds on the replication key (unbounded for full-table reads).
            ordered: ``ORDER BY key ASC`` (REST); Bulk API jobs are not ordered.

        Returns:
            The statement.
        """
        return format_query(
            read_query(
                self.base_query,
                terms,
                replication_key=self.replication_key,
                since=window.since,
                until=window.until,
                ordered=ordered,
            )
        )


def table_source(
    table: Table,
    describe: Mapping[str, Any],
    options: TapOptions,
    parents: list[ParentNode] | None = None,
) -> StreamSource:
    """The source of a table stream: every readable field of the object, in describe order.

    Args:
        table: Stream name and object API name.
        describe: The object's describe.
        options: The tap settings.
        parents: Parent relationship nodes to embed (``relationships`` setting).

    Returns:
        The source.
    """
    object_name = str(describe.get("name") or table.object_name)
    fields = describe.get("fields") or []
    nodes = field_nodes(fields, include_base64=options.include_base64)
    shape = Shape((*nodes, *(parents or [])))
    has_deleted_flag = any(f.get("name") == IS_DELETED for f in fields)
    return StreamSource(
        name=table.stream_name,
        object_name=object_name,
        shape=shape,
        base_query=Query(select=(field_ref(PRIMARY_KEY),), from_object=object_name),
        replication_key=replication_key_for(fields),
        primary_keys=[PRIMARY_KEY],
        hard_deletes=options.include_deleted
        and has_deleted_flag
        and bool(describe.get("replicateable", True)),
        bulk_chunks=options.bulk_chunks,
    )

"""Formula fields, re-read on a schedule (the ``formula_refresh_hours`` setting).

A formula (calculated) field can change without its record's ``SystemModstamp`` moving (it
may show a parent's value, or depend on the date), so incremental reads never see the change.
With ``formula_refresh_hours`` set, every table with formula fields gets a companion stream
``<stream>__formulas``: ``Id`` plus the formula fields, primary key ``Id``, read for the whole
table (REST or Bulk API like any stream) when the interval has passed since its last refresh
(kept in its state as ``formulas_refreshed_at``), and skipped otherwise.

A separate stream, rather than partial records in the table's own stream, is what keeps this
safe for every target: a record holding only ``Id`` and the formula fields would null the
other columns in targets that replace whole rows on upsert. Join the two on ``Id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from salesforce_common.soql import Query
from typing_extensions import override

from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.shape import FieldNode, Shape, field_nodes
from tap_salesforce_plus.soql import field_ref
from tap_salesforce_plus.sources import StreamSource
from tap_salesforce_plus.streams import SoqlStream
from tap_salesforce_plus.values import format_datetime, parse_datetime

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

SUFFIX = "__formulas"
STATE_KEY = "formulas_refreshed_at"


def formula_source(stream_name: str, describe: Mapping[str, Any]) -> StreamSource | None:
    """The companion stream of a table, or None when the object has no formula field.

    Args:
        stream_name: The table's stream name.
        describe: The object's describe.

    Returns:
        ``Id`` plus the calculated fields, full-table.
    """
    fields = describe.get("fields") or []
    nodes = [
        node
        for node in field_nodes(fields, include_compounds=False)
        if isinstance(node, FieldNode)
        and (node.field.get("calculated") or node.name == PRIMARY_KEY)
    ]
    if not any(node.name != PRIMARY_KEY for node in nodes):
        return None
    object_name = str(describe["name"])
    return StreamSource(
        name=stream_name + SUFFIX,
        object_name=object_name,
        shape=Shape(tuple(nodes)),
        base_query=Query(select=(field_ref(PRIMARY_KEY),), from_object=object_name),
        replication_key=None,
        primary_keys=[PRIMARY_KEY],
    )


class FormulaStream(SoqlStream):
    """``Id`` and the formula fields of a whole table, re-read every ``formula_refresh_hours``."""

    @override
    def read(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """Read the table when the refresh interval has passed, else nothing.

        Args:
            context: Stream partition context.

        Yields:
            ``{Id, <formula fields>}`` records.
        """
        interval = self.options.formula_refresh
        state = self.get_context_state(context)
        now = self.clock.now()
        last = state.get(STATE_KEY)
        if interval is not None and isinstance(last, str):
            due = parse_datetime(last) + interval
            if now < due:
                self.logger.info(
                    "Stream %s: formula fields refreshed at %s; next refresh after %s",
                    self.name,
                    last,
                    format_datetime(due),
                )
                return
        yield from super().read(context)
        state[STATE_KEY] = format_datetime(now)

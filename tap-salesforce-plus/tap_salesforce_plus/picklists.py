"""The ``picklist_values`` stream: every value of every picklist field of the synced objects.

Opt-in through ``tables`` (``picklist_values``). One record per (object, field, value) of
each ``picklist`` and ``multipicklist`` field, taken from the describes discovery already
fetched: no API call of its own. For a dependent picklist (``dependentPicklist: true``,
``controllerName``) each value carries the controlling field and the controller values it
is valid for, decoded from the value's base64 ``validFor`` bitmap: bit i, most significant
bit first within each byte, set = valid for the controller's i-th value (for a checkbox
controller, value 0 is ``false`` and 1 is ``true``).

Not covered: record-type-specific values (UI API ``picklist-values``); the stream lists
every value the field defines.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

STREAM_NAME = "picklist_values"
PICKLIST_TYPES = frozenset({"picklist", "multipicklist"})
CHECKBOX_VALUES = ("false", "true")
"""A checkbox controller's values, in ``validFor`` bit order."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "object": {"type": "string", "description": "Object API name"},
        "field": {"type": "string", "description": "Field API name"},
        "value": {"type": "string", "description": "The value stored in records"},
        "label": {"type": ["string", "null"], "description": "The value's label"},
        "active": {"type": ["boolean", "null"]},
        "default": {"type": ["boolean", "null"], "description": "The field's default value"},
        "controlling_field": {
            "type": ["string", "null"],
            "description": "For a dependent picklist: the controlling field",
        },
        "valid_for": {
            "type": ["array", "null"],
            "items": {"type": "string"},
            "description": "For a dependent picklist: the controller values it is valid for",
        },
    },
}
PRIMARY_KEYS = ("object", "field", "value")


def valid_for_indexes(valid_for: str | None) -> list[int]:
    """The controller value indexes a ``validFor`` bitmap sets.

    Args:
        valid_for: Base64 bitmap; bit i (most significant bit first within each byte)
            says the value is valid for the controller's i-th value.

    Returns:
        The set bit indexes, ascending (empty for none or an undecodable bitmap).
    """
    if not valid_for:
        return []
    try:
        bitmap = base64.b64decode(valid_for, validate=True)
    except (binascii.Error, ValueError):
        return []
    return [
        byte_index * 8 + bit
        for byte_index, byte in enumerate(bitmap)
        for bit in range(8)
        if byte & (0x80 >> bit)
    ]


def controller_values(controller: Mapping[str, Any]) -> list[str]:
    """A controlling field's values in ``validFor`` order (checkboxes: false, true)."""
    if str(controller.get("type", "")).lower() == "boolean":
        return list(CHECKBOX_VALUES)
    return [str(v.get("value")) for v in controller.get("picklistValues") or []]


def picklist_records(describe: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One record per value of each picklist and multipicklist field, in describe order.

    Args:
        describe: An object's describe.

    Yields:
        ``{object, field, value, label, active, default, controlling_field, valid_for}``.
    """
    object_name = str(describe.get("name"))
    fields: Sequence[Mapping[str, Any]] = describe.get("fields") or []
    by_name = {str(f.get("name")): f for f in fields}
    for field in fields:
        if str(field.get("type", "")).lower() not in PICKLIST_TYPES:
            continue
        controller_name = field.get("controllerName") if field.get("dependentPicklist") else None
        controller = by_name.get(str(controller_name)) if controller_name else None
        choices = controller_values(controller) if controller else []
        for entry in field.get("picklistValues") or []:
            valid = None
            if controller_name:
                valid = [
                    choices[i] for i in valid_for_indexes(entry.get("validFor")) if i < len(choices)
                ]
            yield {
                "object": object_name,
                "field": str(field.get("name")),
                "value": str(entry.get("value")),
                "label": entry.get("label"),
                "active": entry.get("active"),
                "default": entry.get("defaultValue"),
                "controlling_field": controller_name,
                "valid_for": valid,
            }


class PicklistStream(Stream):
    """Picklist values of the objects whose table streams are selected.

    Args:
        tap: The tap.
        describes: Table stream name -> the object's describe (from discovery).
        selected: Whether a table stream is selected.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        tap: Tap,
        *,
        describes: Mapping[str, Mapping[str, Any]],
        selected: Callable[[str], bool],
    ) -> None:
        """Create the stream."""
        self.describes, self.table_selected = describes, selected
        super().__init__(tap, schema=SCHEMA, name=STREAM_NAME)
        self.primary_keys = list(PRIMARY_KEYS)

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Values of the objects whose streams are selected (all of them without a catalog).

        Args:
            context: Stream partition context.

        Yields:
            Records.
        """
        for stream_name, describe in self.describes.items():
            if self.table_selected(stream_name):
                yield from picklist_records(describe)

"""Parent records embedded as sub-objects (the ``relationships`` setting, after Ragie).

``{"case": ["Contact"]}`` adds to each Case record a ``Contact`` object holding the parent
Contact's fields (all of them except compound and base64 fields, whose components are
fields of their own), or null. They are read in the same SOQL as parent relationship fields
(``Contact.Id, Contact.Email, ...``), so they cost no extra API call, and the nested schema
comes from the parent's describe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from salesforce_common import ConfigError

from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.shape import FieldNode, ParentNode, field_nodes


def relationship_fields(describe: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Reference fields by lower-cased relationship name.

    Args:
        describe: An object's describe.

    Returns:
        ``{"contact": <ContactId field>, ...}``.
    """
    return {
        str(f["relationshipName"]).lower(): f
        for f in describe.get("fields") or []
        if f.get("relationshipName") and f.get("referenceTo")
    }


def parent_objects(
    stream_name: str, describe: Mapping[str, Any], names: Sequence[str]
) -> dict[str, str]:
    """The parent object of each requested relationship of a table.

    Args:
        stream_name: The table's stream (for messages).
        describe: The table object's describe.
        names: Relationship names from the setting.

    Returns:
        Relationship name (as the org spells it) -> parent object API name.

    Raises:
        ConfigError: An unknown or polymorphic relationship (one line naming it).
    """
    fields = relationship_fields(describe)
    parents: dict[str, str] = {}
    for name in names:
        reference = fields.get(name.lower())
        if reference is None:
            known = ", ".join(sorted(str(f["relationshipName"]) for f in fields.values()))
            raise ConfigError(
                f"relationships: stream {stream_name} has no relationship {name!r}; "
                f"its relationships are {known or 'none'}"
            )
        targets = list(reference.get("referenceTo") or [])
        if len(targets) != 1:
            raise ConfigError(
                f"relationships: {stream_name}.{reference['relationshipName']} is polymorphic "
                f"({', '.join(targets)}); only single-object relationships can be embedded"
            )
        parents[str(reference["relationshipName"])] = str(targets[0])
    return parents


def parent_node(
    relationship: str, parent_describe: Mapping[str, Any], *, include_base64: bool = False
) -> ParentNode:
    """The sub-object of one parent relationship: the parent's fields, ``Id`` first.

    Args:
        relationship: The relationship name (``Contact``).
        parent_describe: The parent object's describe.
        include_base64: Keep base64 fields.

    Returns:
        The node.
    """
    nodes = field_nodes(
        parent_describe.get("fields") or [],
        include_base64=include_base64,
        include_compounds=False,
    )
    ids = [n for n in nodes if isinstance(n, FieldNode) and n.name == PRIMARY_KEY]
    rest = [n for n in nodes if n not in ids]
    return ParentNode(relationship, str(parent_describe["name"]), (*ids, *rest))

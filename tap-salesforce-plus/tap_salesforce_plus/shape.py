"""Record shapes: what a stream selects, its JSON schema, and how rows become records.

A :class:`Shape` is a tree built from describe: plain fields, compound fields (``address``,
``location``) with their components, and parent relationships (``Contact`` of a Case) holding
fields of the parent object. From it come, consistently:

* the JSON schema (one type mapping, :func:`~tap_salesforce_plus.schema.field_schema`);
* the SOQL terms of a REST query (compounds as themselves, parents as ``Contact.Email``);
* the columns of a Bulk API query (compounds replaced by their components, which the Bulk
  API requires, and each parent's ``Id`` so that a missing parent reads as null);
* the normaliser of REST records and the builder of records from Bulk CSV rows, both typed by
  the same describe and datetimes normalised by the same function, so that one table read by
  REST and by Bulk gives identical records.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tap_salesforce_plus.schema import (
    ADDRESS_PROPERTIES,
    LOCATION_PROPERTIES,
    PRIMARY_KEY,
    field_schema,
)
from tap_salesforce_plus.values import normalize_datetime, normalize_record

COMPOUND_TYPES = frozenset({"address", "location"})
_COMPONENT_SUFFIX = "__s"

Row = Sequence[str]


def sf_type(describe_field: Mapping[str, Any]) -> str:
    """The lower-cased Salesforce type of a describe field."""
    return str(describe_field.get("type", "")).lower()


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return int(decimal.Decimal(text))


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "boolean": lambda text: text.lower() == "true",
    "int": _integer,
    "long": _integer,
    "double": decimal.Decimal,
    "currency": decimal.Decimal,
    "percent": decimal.Decimal,
    "datetime": normalize_datetime,
}
"""How a non-empty Bulk CSV value becomes the value REST would give (decimals kept exact,
as REST pages are decoded); types not listed stay text (dates, times, picklists, ids...)."""


@dataclass(frozen=True)
class FieldNode:
    """A plain field: ``name`` is its describe name (the key REST uses)."""

    name: str
    field: Mapping[str, Any] = dataclasses.field(compare=False, repr=False)


@dataclass(frozen=True)
class CompoundNode:
    """A compound field and its components as ``(key, describe field)`` pairs."""

    name: str
    field: Mapping[str, Any] = dataclasses.field(compare=False, repr=False)
    components: tuple[tuple[str, Mapping[str, Any]], ...] = dataclasses.field(
        compare=False, repr=False
    )


@dataclass(frozen=True)
class ParentNode:
    """A parent relationship (``Contact`` of a Case): a nested record or null.

    Attributes:
        name: The relationship name, the key REST uses.
        object_name: The parent object's API name.
        children: The selected fields of the parent (and deeper parents).
    """

    name: str
    object_name: str
    children: tuple[Node, ...]


Node = FieldNode | CompoundNode | ParentNode


def compound_components(
    compound: Mapping[str, Any], fields: Iterable[Mapping[str, Any]]
) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """The components of a compound field, keyed as REST keys the compound value.

    ``BillingCity`` is the ``city`` of ``BillingAddress``; ``Place__Latitude__s`` the
    ``latitude`` of ``Place__c``: the key is the component name's suffix.

    Args:
        compound: The compound's describe field.
        fields: The object's describe fields.

    Returns:
        ``(key, component)`` pairs in the order REST uses.
    """
    keys = ADDRESS_PROPERTIES if sf_type(compound) == "address" else LOCATION_PROPERTIES
    name = str(compound["name"])
    found: dict[str, Mapping[str, Any]] = {}
    for candidate in fields:
        if candidate.get("compoundFieldName") != name or candidate is compound:
            continue
        stem = str(candidate["name"]).removesuffix(_COMPONENT_SUFFIX).lower()
        for key in sorted(keys, key=len, reverse=True):
            if stem.endswith(key.lower()):
                found.setdefault(key, candidate)
                break
    return tuple((key, found[key]) for key in keys if key in found)


def field_nodes(
    fields: Sequence[Mapping[str, Any]],
    *,
    include_base64: bool = False,
    include_compounds: bool = True,
) -> list[Node]:
    """Nodes for describe fields, in describe order (base64 only when asked).

    Args:
        fields: Describe fields.
        include_base64: Keep base64 fields.
        include_compounds: Keep compound fields (their components are fields of their own).

    Returns:
        One node per kept field.
    """
    nodes: list[Node] = []
    for describe_field in fields:
        if field_schema(describe_field, include_base64=include_base64) is None:
            continue
        name = str(describe_field["name"])
        if sf_type(describe_field) in COMPOUND_TYPES:
            if include_compounds:
                components = compound_components(describe_field, fields)
                nodes.append(CompoundNode(name, describe_field, components))
            continue
        nodes.append(FieldNode(name, describe_field))
    return nodes


def _nullable_object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": ["object", "null"], "properties": properties}


@dataclass(frozen=True)
class Shape:
    """The selected nodes of a stream, top level first (see the module docstring).

    Attributes:
        nodes: Top-level nodes in property order.
    """

    nodes: tuple[Node, ...]

    @property
    def names(self) -> list[str]:
        """Top-level property names."""
        return [node.name for node in self.nodes]

    def only(self, names: Iterable[str]) -> Shape:
        """The shape restricted to some top-level properties (order kept).

        Args:
            names: Property names to keep.

        Returns:
            The narrower shape.
        """
        wanted = set(names)
        return Shape(tuple(node for node in self.nodes if node.name in wanted))

    def within(self, schema: Mapping[str, Any]) -> Shape:
        """The shape restricted to the properties a JSON schema declares, at every level.

        A parent record keeps only the fields its nested schema declares, so that a field
        added to the org after a catalog was made is neither queried nor emitted.

        Args:
            schema: A stream schema (such as the catalog's).

        Returns:
            The narrower shape.
        """
        return Shape(_within(self.nodes, schema))

    def node(self, name: str) -> Node | None:
        """The top-level node of a property, if any."""
        return next((node for node in self.nodes if node.name == name), None)

    # -- schema ------------------------------------------------------------------------

    def schema(self, *, include_base64: bool = False) -> dict[str, Any]:
        """The stream's JSON schema (``Id`` required when present).

        Args:
            include_base64: Whether base64 fields were kept.

        Returns:
            A JSON schema object.
        """
        properties = _properties(self.nodes, include_base64)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if PRIMARY_KEY in properties:
            schema["required"] = [PRIMARY_KEY]
        return schema

    # -- queries -----------------------------------------------------------------------

    def rest_terms(self) -> list[str]:
        """SELECT terms for REST (compounds as themselves, parents as dotted paths)."""
        return _rest_terms(self.nodes, "")

    def bulk_columns(self) -> list[str]:
        """SELECT terms for the Bulk API: compounds as components, each parent's Id too."""
        return list(dict.fromkeys(_bulk_columns(self.nodes, "")))

    def parent_terms(self, object_name: str, field_name: str) -> list[str]:
        """The dotted terms selecting ``field_name`` of parents that are ``object_name``.

        Args:
            object_name: The entity Salesforce named in an ``INVALID_FIELD`` error.
            field_name: The field it named.

        Returns:
            Terms such as ``Contact.Phone``.
        """
        return _parent_terms(self.nodes, "", object_name.lower(), field_name.lower())

    # -- records -----------------------------------------------------------------------

    def rest_normalizer(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """A function preparing a REST record for output, in place.

        It drops ``attributes`` at every level and normalises datetimes (see
        :func:`~tap_salesforce_plus.values.normalize_record`).
        """
        return _rest_normalizer(self.nodes)

    def csv_builder(self, header: Sequence[str]) -> Callable[[Row], dict[str, Any]]:
        """A function building a record from one Bulk CSV row with this header.

        Columns are matched case-insensitively; a node whose column is missing is null.

        Args:
            header: The CSV header (the terms as sent).

        Returns:
            ``row -> record``.
        """
        index = {name.lower(): position for position, name in enumerate(header)}
        return _RowBuilder(self.nodes, index)


class _RowBuilder:
    """Builds records from CSV rows fast: one function generated for the header.

    The function is a single dict display, ``{"Id": row[0] or None, ...}``, with the typed
    values converted inline and compound and parent values assembled inline, so a row costs
    one call whatever its width (the way :mod:`dataclasses` generates its methods). Only
    integers (column positions), ``repr`` of property names and the names of the converters
    in :data:`_CONVERTERS` enter the generated source.
    """

    def __init__(self, nodes: Sequence[Node], index: Mapping[str, int]) -> None:
        self.namespace: dict[str, Any] = {}
        body = _dict_source(nodes, index, "", self.namespace)
        source = f"def build(row):\n    return {body}\n"
        exec(compile(source, "<tap_salesforce_plus.shape csv row>", "exec"), self.namespace)  # noqa: S102
        self.build: Callable[[Row], dict[str, Any]] = self.namespace["build"]
        self.source = source

    def __call__(self, row: Row) -> dict[str, Any]:
        """The record of one CSV row."""
        return self.build(row)


def _converter_name(describe_field: Mapping[str, Any], namespace: dict[str, Any]) -> str | None:
    kind = sf_type(describe_field)
    convert = _CONVERTERS.get(kind)
    if convert is None:
        return None
    name = f"convert_{kind}"
    namespace[name] = convert
    return name


def _leaf_source(
    position: int | None, describe_field: Mapping[str, Any], ns: dict[str, Any]
) -> str:
    if position is None:
        return "None"
    cell = f"row[{position}]"
    convert = _converter_name(describe_field, ns)
    if convert is None:
        return f"({cell} or None)"
    return f"({convert}({cell}) if {cell} else None)"


def _compound_source(
    node: CompoundNode, index: Mapping[str, int], prefix: str, ns: dict[str, Any]
) -> str:
    """An object of the components, or None when every component is empty or missing."""
    present: list[tuple[str, str, int]] = []
    for key, part in node.components:
        position = index.get((prefix + str(part["name"])).lower())
        if position is not None:
            present.append((key, _leaf_source(position, part, ns), position))
    if not present:
        return "None"
    keys = {key for key, _, _ in present}
    items = [f"{key!r}: {source}" for key, source, _ in present]
    items += [f"{key!r}: None" for key, _ in node.components if key not in keys]
    test = " or ".join(f"row[{position}]" for _, _, position in present)
    return f"({{{', '.join(items)}}} if ({test}) else None)"


def _parent_source(
    node: ParentNode, index: Mapping[str, int], prefix: str, ns: dict[str, Any]
) -> str:
    """The parent record, or None when its ``Id`` column is empty or missing."""
    inner = f"{prefix}{node.name}."
    id_position = index.get((inner + PRIMARY_KEY).lower())
    if id_position is None:
        return "None"
    return f"({_dict_source(node.children, index, inner, ns)} if row[{id_position}] else None)"


def _dict_source(
    nodes: Iterable[Node], index: Mapping[str, int], prefix: str, ns: dict[str, Any]
) -> str:
    items: list[str] = []
    for node in nodes:
        if isinstance(node, ParentNode):
            source = _parent_source(node, index, prefix, ns)
        elif isinstance(node, CompoundNode):
            source = _compound_source(node, index, prefix, ns)
        else:
            source = _leaf_source(index.get((prefix + node.name).lower()), node.field, ns)
        items.append(f"{node.name!r}: {source}")
    return "{" + ", ".join(items) + "}"


def _properties(nodes: Iterable[Node], include_base64: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for node in nodes:
        if isinstance(node, ParentNode):
            properties[node.name] = _nullable_object(_properties(node.children, include_base64))
            continue
        schema = field_schema(node.field, include_base64=include_base64)
        if schema is not None:
            properties[node.name] = schema
    return properties


def _within(nodes: Iterable[Node], schema: Mapping[str, Any]) -> tuple[Node, ...]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return ()
    kept: list[Node] = []
    for node in nodes:
        declared = properties.get(node.name)
        if not isinstance(declared, Mapping):
            continue
        if isinstance(node, ParentNode):
            kept.append(dataclasses.replace(node, children=_within(node.children, declared)))
        else:
            kept.append(node)
    return tuple(kept)


def _rest_terms(nodes: Iterable[Node], prefix: str) -> list[str]:
    terms: list[str] = []
    for node in nodes:
        if isinstance(node, ParentNode):
            terms.extend(_rest_terms(node.children, f"{prefix}{node.name}."))
        else:
            terms.append(prefix + node.name)
    return terms


def _bulk_columns(nodes: Iterable[Node], prefix: str) -> list[str]:
    columns: list[str] = []
    for node in nodes:
        if isinstance(node, ParentNode):
            inner = f"{prefix}{node.name}."
            columns.append(inner + PRIMARY_KEY)
            columns.extend(_bulk_columns(node.children, inner))
        elif isinstance(node, CompoundNode):
            columns.extend(prefix + str(part["name"]) for _, part in node.components)
        else:
            columns.append(prefix + node.name)
    return columns


def _parent_terms(nodes: Iterable[Node], prefix: str, entity: str, name: str) -> list[str]:
    terms: list[str] = []
    for node in nodes:
        if not isinstance(node, ParentNode):
            continue
        inner = f"{prefix}{node.name}."
        if node.object_name.lower() == entity:
            terms.extend(
                inner + child.name
                for child in node.children
                if not isinstance(child, ParentNode) and child.name.lower() == name
            )
        terms.extend(_parent_terms(node.children, inner, entity, name))
    return terms


def _rest_normalizer(nodes: Sequence[Node]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    datetimes = tuple(
        node.name
        for node in nodes
        if isinstance(node, FieldNode) and sf_type(node.field) == "datetime"
    )
    parents = tuple(
        (node.name, _rest_normalizer(node.children))
        for node in nodes
        if isinstance(node, ParentNode)
    )

    def normalize(record: dict[str, Any]) -> dict[str, Any]:
        normalize_record(record, datetimes)
        for name, inner in parents:
            value = record.get(name)
            if isinstance(value, dict):
                inner(value)
        return record

    return normalize

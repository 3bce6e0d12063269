"""SOQL query streams (the ``queries`` setting, after Domo's query mode).

Each entry ``{name, soql, replication_key?, primary_keys?}`` becomes a stream. The statement
is parsed with the shared SOQL parser (``salesforce_common.soql``) at discovery; an invalid
or unsupported statement is a one-line error naming the query. The schema comes from the
describe of the ``FROM`` object for plain fields, and of each parent object for relationship
fields: ``Account.Name`` is a property ``Account: {Name}``, as REST returns it.

With a ``replication_key`` (a datetime field), the tap adds the bookmark condition to the
user's ``WHERE`` through the syntax tree, so the user's condition keeps its meaning:
``WHERE (user condition) AND Key >= <bookmark> ORDER BY Key ASC``. Query streams are read
over REST.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from salesforce_common import ConfigError
from salesforce_common.soql import FieldRef, Query, SoqlSyntaxError, parse_soql

from tap_salesforce_plus.options import QuerySpec
from tap_salesforce_plus.relationships import relationship_fields
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.shape import (
    COMPOUND_TYPES,
    CompoundNode,
    FieldNode,
    Node,
    ParentNode,
    Shape,
    compound_components,
    sf_type,
)
from tap_salesforce_plus.sources import StreamSource

POLYMORPHIC_FIELDS = {"id": "id", "name": "string", "type": "string"}
"""What a polymorphic relationship (``Who``, ``What``) offers: the name-type fields."""

Describes = Mapping[str, Mapping[str, Any]]
"""Describes by lower-cased object API name."""


def _error(spec: QuerySpec, message: str) -> ConfigError:
    return ConfigError(f"queries: query {spec.name!r}: {message}")


def parse_query(spec: QuerySpec) -> Query:
    """Parse and check a query's statement (no request is sent).

    Args:
        spec: The setting entry.

    Returns:
        The syntax tree.

    Raises:
        ConfigError: Invalid SOQL, aggregates, or an unsupported construct (one line).
    """
    try:
        query = parse_soql(spec.soql)
    except SoqlSyntaxError as exc:
        suffix = " in query streams" if exc.unsupported else ""
        raise _error(
            spec, f"invalid SOQL at character {exc.position + 1}: {exc.message}{suffix}"
        ) from None
    if not all(isinstance(item, FieldRef) for item in query.select):
        raise _error(spec, "COUNT() and aggregate functions are not supported in query streams")
    return query


@dataclass
class _Branch:
    """A parent relationship while the shape is assembled."""

    name: str
    object_name: str
    children: dict[str, _Branch | Node] = field(default_factory=dict)

    def freeze(self) -> ParentNode:
        return ParentNode(self.name, self.object_name, _freeze(self.children))


def _freeze(children: Mapping[str, _Branch | Node]) -> tuple[Node, ...]:
    return tuple(c.freeze() if isinstance(c, _Branch) else c for c in children.values())


def _fields_by_name(describe: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(f["name"]).lower(): f for f in describe.get("fields") or []}


def _walk(
    spec: QuerySpec, query: Query, describes: Describes
) -> Iterator[tuple[tuple[str, ...], list[tuple[str, str]]]]:
    """For each selected path, its relationship hops ``(relationship name, parent object)``.

    The parent object is ``""`` for a polymorphic relationship; the hops stop where an
    object is not described (yet).
    """
    for item in query.select:
        assert isinstance(item, FieldRef)
        hops: list[tuple[str, str]] = []
        current = describes.get(query.from_object.lower())
        for name in item.path[:-1]:
            if current is None:
                break
            reference = relationship_fields(current).get(name.lower())
            if reference is None:
                raise _error(
                    spec, f"{current['name']} has no relationship {name!r} ({item.dotted})"
                )
            targets = [str(t) for t in reference.get("referenceTo") or []]
            target = targets[0] if len(targets) == 1 else ""
            hops.append((str(reference["relationshipName"]), target))
            current = describes.get(target.lower()) if target else None
        yield item.path, hops


def needed_objects(spec: QuerySpec, query: Query, describes: Describes) -> set[str]:
    """Parent objects whose describe the query needs and that are not described yet.

    Args:
        spec: The setting entry.
        query: Its syntax tree.
        describes: What is described so far.

    Returns:
        Object API names to describe next (relationship paths are walked level by level).
    """
    missing: set[str] = set()
    for _path, hops in _walk(spec, query, describes):
        for _name, target in hops:
            if target and target.lower() not in describes:
                missing.add(target)
                break
    return missing


def _leaf(spec: QuerySpec, describe: Mapping[str, Any] | None, name: str, dotted: str) -> Node:
    if describe is None:  # a polymorphic parent: only its name fields
        kind = POLYMORPHIC_FIELDS.get(name.lower())
        if kind is None:
            raise _error(
                spec, f"{dotted}: a polymorphic relationship offers only Id, Name and Type"
            )
        canonical = name[0].upper() + name[1:].lower()
        return FieldNode(canonical, {"name": canonical, "type": kind})
    found = _fields_by_name(describe).get(name.lower())
    if found is None:
        raise _error(spec, f"{describe['name']} has no field {name!r} ({dotted})")
    if sf_type(found) in COMPOUND_TYPES:
        fields = describe.get("fields") or []
        return CompoundNode(str(found["name"]), found, compound_components(found, fields))
    return FieldNode(str(found["name"]), found)


def query_shape(spec: QuerySpec, query: Query, describes: Describes) -> Shape:
    """The record shape of a query: its selected fields, parents nested.

    Args:
        spec: The setting entry.
        query: Its syntax tree.
        describes: Describes of the ``FROM`` object and every parent on the paths.

    Returns:
        The shape, in SELECT order.

    Raises:
        ConfigError: An unknown field or relationship (one line naming the query).
    """
    root = describes.get(query.from_object.lower())
    if root is None:
        raise _error(spec, f"object {query.from_object!r} does not exist or is not queryable")
    top: dict[str, _Branch | Node] = {}
    for path, hops in _walk(spec, query, describes):
        if len(hops) != len(path) - 1:
            raise _error(
                spec, f"{'.'.join(path)}: a polymorphic relationship offers only Id, Name and Type"
            )
        children = top
        for name, target in hops:
            branch = children.get(name.lower())
            if not isinstance(branch, _Branch):
                branch = _Branch(name, target or "")
                children[name.lower()] = branch
            children = branch.children
        parent = describes.get(hops[-1][1].lower()) if hops and hops[-1][1] else None
        describe = root if not hops else parent
        node = _leaf(spec, describe, path[-1], ".".join(path))
        if node.name.lower() in children:
            raise _error(spec, f"{'.'.join(path)} is selected twice")
        children[node.name.lower()] = node
    return Shape(_freeze(top))


def query_source(spec: QuerySpec, query: Query, describes: Describes) -> StreamSource:
    """The stream source of a query.

    Args:
        spec: The setting entry.
        query: Its syntax tree.
        describes: Describes of the objects it reads.

    Returns:
        The source (REST only; incremental when ``replication_key`` is set).

    Raises:
        ConfigError: A replication key or primary key that does not fit (one line).
    """
    shape = query_shape(spec, query, describes)
    root = describes[query.from_object.lower()]
    object_name = str(root["name"])
    key = None
    if spec.replication_key is not None:
        found = _fields_by_name(root).get(spec.replication_key.lower())
        if found is None or sf_type(found) != "datetime":
            raise _error(
                spec,
                f"replication_key {spec.replication_key!r} must be a datetime field of "
                f"{object_name}, such as SystemModstamp",
            )
        key = str(found["name"])
        if shape.node(key) is None:
            shape = Shape((*shape.nodes, FieldNode(key, found)))
        orders = query.order_by
        if orders and (
            len(orders) > 1 or orders[0].field.dotted.lower() != key.lower() or orders[0].descending
        ):
            raise _error(spec, f"ORDER BY is set by the tap (ORDER BY {key} ASC); remove it")
    names = {name.lower(): name for name in shape.names}
    if spec.primary_keys is None:
        primary_keys = [PRIMARY_KEY] if PRIMARY_KEY.lower() in names else []
    else:
        unknown = [k for k in spec.primary_keys if k.lower() not in names]
        if unknown:
            raise _error(spec, f"primary_keys {', '.join(unknown)} are not selected fields")
        primary_keys = [names[k.lower()] for k in spec.primary_keys]
    return StreamSource(
        name=spec.name,
        object_name=object_name,
        shape=shape,
        base_query=dataclasses.replace(query, from_object=object_name),
        replication_key=key,
        primary_keys=primary_keys,
        bulk_allowed=False,
    )

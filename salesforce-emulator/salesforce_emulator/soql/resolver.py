"""Field-path resolution: SOQL field references to SQL expressions over joined tables.

The queried object's table is aliased ``t0``; each parent relationship becomes a LEFT JOIN
(``t1``, ``t2``...). A polymorphic relationship (``Task.Who``) joins every target object and
exposes only ``Id``, ``Name`` and ``Type``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from salesforce_common.soql.ast import FieldRef

from salesforce_emulator.catalog import Catalog, FieldDef, ObjectDef
from salesforce_emulator.schema_sql import quote

from .errors import ErrorFactory

ROOT_ALIAS = "t0"
POLYMORPHIC_FIELDS = {
    "id": FieldDef("Id", "id"),
    "name": FieldDef("Name", "string"),
    "type": FieldDef("Type", "string"),
}


@dataclass(frozen=True)
class Relation:
    """A parent relationship joined into the query.

    ``id_sql`` is the parent's Id (NULL when there is no parent row); ``type_sql`` gives the
    parent's object name for polymorphic relationships (None: always ``targets[0]``).
    """

    key: tuple[str, ...]
    name: str
    targets: tuple[ObjectDef, ...]
    aliases: tuple[str, ...]
    joins: tuple[str, ...]
    id_sql: str
    type_sql: str | None
    parent: Relation | None

    @property
    def polymorphic(self) -> bool:
        """True when the relationship can point at several objects."""
        return len(self.targets) > 1

    def chain(self) -> list[Relation]:
        """This relation and its ancestors, root-most first."""
        chain: list[Relation] = []
        node: Relation | None = self
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain


@dataclass(frozen=True)
class Resolved:
    """A resolved field reference.

    ``sql`` is None for compound fields; ``names`` is the canonical path (``Account.Name``);
    ``entity`` the object owning the field (``Name`` for polymorphic parents); ``alias`` the
    table alias the field is read from.
    """

    field: FieldDef
    entity: str
    sql: str | None
    names: tuple[str, ...]
    relation: Relation | None
    obj: ObjectDef | None
    alias: str
    written: str
    pos: int


def column_sql(field: FieldDef, alias: str, guard: str | None = None) -> str | None:
    """SQL for a field read from ``alias``; formulas are wrapped so a missing parent gives NULL."""
    if field.is_compound:
        return None
    if not field.calculated:
        return f"{alias}.{quote(field.name)}"
    expr = "(" + (field.formula_sql or "NULL").replace("{t}", alias) + ")"
    return f"(CASE WHEN {guard} IS NOT NULL THEN {expr} END)" if guard else expr


class Resolver:
    """Resolves field paths from one root object and records the joins they need."""

    def __init__(
        self,
        catalog: Catalog,
        root: ObjectDef,
        hidden: frozenset[tuple[str, str]],
        errors: ErrorFactory,
    ) -> None:
        """Resolve paths from ``root``; ``hidden`` fields (``(object, field)``) do not exist."""
        self.catalog = catalog
        self.root = root
        self.hidden = hidden
        self.errors = errors
        self.relations: dict[tuple[str, ...], Relation] = {}

    def is_hidden(self, obj: ObjectDef, field: FieldDef) -> bool:
        """True when field-level security hides the field."""
        return (obj.name.lower(), field.name.lower()) in self.hidden

    def resolve(self, ref: FieldRef) -> Resolved:
        """Resolve a field path, joining parents as needed.

        Raises:
            SalesforceApiError: INVALID_FIELD for unknown or hidden fields and relationships.
        """
        path, pos = ref.path, ref.pos
        if (
            len(path) > 1
            and path[0].lower() == self.root.name.lower()
            and self.root.relationship(path[0]) is None
        ):
            pos = pos + len(path[0]) + 1 if pos >= 0 else -1
            path = path[1:]
        obj, alias, relation = self.root, ROOT_ALIAS, None
        names: list[str] = []
        for part in path[:-1]:
            relation = self._walk(obj, alias, relation, part, pos)
            names.append(relation.name)
            obj, alias = relation.targets[0], relation.aliases[0]
            pos = pos + len(part) + 1 if pos >= 0 else -1
        last = path[-1]
        if relation is not None and relation.polymorphic:
            return self._polymorphic_field(relation, last, names, ref, pos)
        field = obj.field(last)
        if field is None or self.is_hidden(obj, field):
            raise self.errors.no_such_column(last, obj.name, pos)
        guard = relation.id_sql if relation is not None else None
        return Resolved(
            field=field,
            entity=obj.name,
            sql=column_sql(field, alias, guard),
            names=(*names, field.name),
            relation=relation,
            obj=obj,
            alias=alias,
            written=ref.dotted,
            pos=ref.pos,
        )

    def components(self, resolved: Resolved) -> list[tuple[str, FieldDef, str | None]]:
        """A compound field's ``(json key, component, SQL or None when hidden)`` triples."""
        obj = resolved.obj
        assert obj is not None
        guard = resolved.relation.id_sql if resolved.relation is not None else None
        parts = []
        for key, component in obj.components_of(resolved.field):
            hidden = self.is_hidden(obj, component)
            sql = None if hidden else column_sql(component, resolved.alias, guard)
            parts.append((key, component, sql))
        return parts

    def join_sql(self, used: Iterable[Relation]) -> str:
        """The JOIN clauses for the given relations and their ancestors, in a valid order."""
        needed = {rel.key for relation in used for rel in relation.chain()}
        joins = [join for key, rel in self.relations.items() if key in needed for join in rel.joins]
        return "".join(" " + join for join in joins)

    # --- internals ----------------------------------------------------------------------------

    def _walk(
        self, obj: ObjectDef, alias: str, parent: Relation | None, part: str, pos: int
    ) -> Relation:
        if parent is not None and parent.polymorphic:
            raise self.errors.bad_relationship(part, pos)
        ref_field = obj.relationship(part)
        if ref_field is None or self.is_hidden(obj, ref_field):
            raise self.errors.bad_relationship(part, pos)
        assert ref_field.relationship_name is not None
        key = (*(parent.key if parent else ()), ref_field.relationship_name.lower())
        if key not in self.relations:
            self.relations[key] = self._join(
                key, ref_field=ref_field, alias=alias, parent=parent, part=part, pos=pos
            )
        return self.relations[key]

    def _join(
        self,
        key: tuple[str, ...],
        *,
        ref_field: FieldDef,
        alias: str,
        parent: Relation | None,
        part: str,
        pos: int,
    ) -> Relation:
        targets = tuple(
            obj for name in ref_field.reference_to if (obj := self.catalog.get(name)) is not None
        )
        if not targets:
            raise self.errors.bad_relationship(part, pos)
        fk = f"{alias}.{quote(ref_field.name)}"
        first = sum(len(r.aliases) for r in self.relations.values()) + 1
        aliases = tuple(f"t{first + i}" for i in range(len(targets)))
        joins = tuple(
            f"LEFT JOIN {quote(obj.name)} {a} ON {a}.{quote('Id')} = {fk}"
            for obj, a in zip(targets, aliases, strict=True)
        )
        ids = [f"{a}.{quote('Id')}" for a in aliases]
        type_sql = None
        if len(targets) > 1:
            cases = " ".join(
                f"WHEN {i} IS NOT NULL THEN '{obj.name}'"
                for obj, i in zip(targets, ids, strict=True)
            )
            type_sql = f"(CASE {cases} END)"
        assert ref_field.relationship_name is not None
        return Relation(
            key=key,
            name=ref_field.relationship_name,
            targets=targets,
            aliases=aliases,
            joins=joins,
            id_sql=ids[0] if len(ids) == 1 else f"COALESCE({', '.join(ids)})",
            type_sql=type_sql,
            parent=parent,
        )

    def _polymorphic_field(
        self, relation: Relation, name: str, names: list[str], ref: FieldRef, pos: int
    ) -> Resolved:
        field = POLYMORPHIC_FIELDS.get(name.lower())
        if field is None:
            raise self.errors.no_such_column(name, "Name", pos)
        if field.name == "Id":
            sql = relation.id_sql
        elif field.name == "Type":
            assert relation.type_sql is not None
            sql = relation.type_sql
        else:
            sql = self._polymorphic_name(relation)
        return Resolved(
            field=field,
            entity="Name",
            sql=sql,
            names=(*names, field.name),
            relation=relation,
            obj=None,
            alias=relation.aliases[0],
            written=ref.dotted,
            pos=ref.pos,
        )

    @staticmethod
    def _polymorphic_name(relation: Relation) -> str:
        cases = []
        for obj, alias in zip(relation.targets, relation.aliases, strict=True):
            name_field = obj.field("Name")
            sql = column_sql(name_field, alias) if name_field is not None else None
            if sql is not None:
                cases.append(f"WHEN {alias}.{quote('Id')} IS NOT NULL THEN {sql}")
        return f"(CASE {' '.join(cases)} END)" if cases else "NULL"

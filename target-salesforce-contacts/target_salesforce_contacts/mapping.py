"""From record properties to Contact fields: explicit, static and automatic mappings."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_salesforce_contacts.describe import ContactField, ContactSchema, normalize_name
from target_salesforce_contacts.errors import MappingError
from target_salesforce_contacts.settings import SyncMode, TargetSettings
from target_salesforce_contacts.values import to_salesforce

EMAIL = "Email"
MISSING = object()
"""Marks a path that is absent from a record."""


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at ``path``: a top-level property, else a dotted path into nested objects.

    Args:
        record: The record.
        path: ``email`` or ``person.contact.email``.

    Returns:
        The value, or :data:`MISSING`.
    """
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


def writable_problem(f: ContactField, mode: SyncMode) -> str | None:
    """Why ``mode`` cannot write ``f``, or None when it can.

    Args:
        f: The Contact field.
        mode: The sync mode.

    Returns:
        A short reason, or None.
    """
    if f.calculated:
        return "is a formula field"
    if mode.creates and not f.createable:
        return "cannot be created"
    if mode.updates and not f.updateable:
        return "cannot be updated"
    return None


@dataclass(frozen=True)
class ContactMapping:
    """The run-wide mapping, checked against describe: identity, explicit and static fields.

    Attributes:
        schema: The org's Contact fields.
        mode: The sync mode.
        email_path: The configured identity property/path, None to auto-detect per stream.
        explicit: Source property or path -> Contact field.
        static: Contact field -> constant value (already converted).
        external_id: The external-ID field holding the email key (``external_id_field``).
    """

    schema: ContactSchema
    mode: SyncMode
    email_path: str | None = None
    explicit: Mapping[str, ContactField] = field(default_factory=dict)
    static: Mapping[str, Any] = field(default_factory=dict)
    external_id: str | None = None

    @classmethod
    def build(cls, settings: TargetSettings, schema: ContactSchema) -> ContactMapping:
        """Check the configured mapping against the org's Contact describe.

        Args:
            settings: The target settings.
            schema: The Contact fields.

        Returns:
            The mapping.

        Raises:
            MappingError: A target field that does not exist or cannot be written in this
                sync mode, a field mapped twice, or a conflicting identity (one line).
        """
        mode = settings.sync_mode
        email_path = settings.email_field
        explicit: dict[str, ContactField] = {}
        targets: dict[str, str] = {}
        for source, target in settings.field_mapping.items():
            f = cls._field(schema, mode, target, f"field_mapping[{source!r}]")
            if f.name == EMAIL:
                if email_path not in (None, source):
                    raise MappingError(
                        f"field_mapping maps {source!r} to Email but email_field is "
                        f"{email_path!r}: the identity must come from one property"
                    )
                email_path = source
                continue
            if f.name in targets:
                raise MappingError(
                    f"field_mapping maps both {targets[f.name]!r} and {source!r} to "
                    f"Contact.{f.name}; map each Contact field once"
                )
            targets[f.name] = source
            explicit[source] = f
        static: dict[str, Any] = {}
        for target, value in settings.static_fields.items():
            f = cls._field(schema, mode, target, f"static_fields[{target!r}]")
            if f.name == EMAIL:
                raise MappingError("static_fields cannot set Email: it identifies the Contact")
            if f.name in targets:
                raise MappingError(
                    f"Contact.{f.name} is both mapped from {targets[f.name]!r} and set by "
                    "static_fields; keep one"
                )
            targets[f.name] = "static_fields"
            static[f.name] = to_salesforce(f, value)
        external_id = cls._external_id(settings, schema, targets)
        return cls(schema, mode, email_path, explicit, static, external_id)

    @staticmethod
    def _external_id(
        settings: TargetSettings, schema: ContactSchema, targets: Mapping[str, str]
    ) -> str | None:
        """The checked ``external_id_field``: an external-ID field the target may write."""
        name = settings.external_id_field
        if name is None:
            return None
        f = schema.get(name)
        if f is None:
            raise MappingError(
                f"external_id_field: Contact has no field {name!r} in this org (create a "
                "unique, case-insensitive External ID text field, e.g. Email_Key__c)"
            )
        if not f.external_id:
            raise MappingError(
                f"external_id_field: Contact.{f.name} is not an External ID field; mark it "
                "External ID and Unique (case-insensitive)"
            )
        if not (f.createable and f.updateable):
            raise MappingError(
                f"external_id_field: Contact.{f.name} is not writable by this user; "
                "change its field-level security"
            )
        if f.name in targets:
            raise MappingError(
                f"external_id_field: Contact.{f.name} holds the email key; do not also set "
                f"it from {targets[f.name]!r}"
            )
        return f.name

    @staticmethod
    def _field(schema: ContactSchema, mode: SyncMode, name: str, where: str) -> ContactField:
        f = schema.get(name)
        if f is None:
            raise MappingError(
                f"{where}: Contact has no field {name!r} in this org (check the API name, "
                "e.g. FirstName or My_Field__c)"
            )
        problem = writable_problem(f, mode)
        if problem:
            raise MappingError(
                f"{where}: Contact.{f.name} {problem} (sync_mode={mode.value}); "
                "map another field or change its field-level security"
            )
        return f


def _auto_target(schema: ContactSchema, mode: SyncMode, prop: str) -> ContactField | None:
    """The Contact field a property maps to automatically, if any.

    Reference fields (Ids of other records) are never mapped automatically: ids from
    another system are not Salesforce Ids. Map them explicitly when they are.
    """
    f = schema.match(prop)
    if f is None or f.name in ("Id", EMAIL) or f.type in ("reference", "id"):
        return None
    return None if writable_problem(f, mode) else f


@dataclass
class Extracted:
    """One record's identity and Contact values.

    Attributes:
        email: The raw identity value (None when absent).
        values: Contact field -> value converted for Salesforce (None values dropped).
    """

    email: Any
    values: dict[str, Any]


class StreamMapper:
    """The mapping of one stream: identity property, automatic, explicit and static fields."""

    def __init__(
        self, stream: str, mapping: ContactMapping, logger: logging.Logger | None = None
    ) -> None:
        """Start with no properties seen.

        Args:
            stream: The stream name.
            mapping: The run-wide mapping.
            logger: Where to log the mapping (once per stream) and unmapped properties.
        """
        self.stream = stream
        self.mapping = mapping
        self.logger = logger or logging.getLogger(__name__)
        self.email_path = mapping.email_path
        self.automatic: dict[str, ContactField] = {}
        self.unmapped: set[str] = set()
        self._seen: set[str] = set()
        self._logged = False
        self._sources: list[tuple[str, ContactField]] | None = None
        """(source path, field) of every mapped property, rebuilt when the mapping grows."""

    @property
    def fields(self) -> set[str]:
        """Contact fields this stream writes (for the lookup's SELECT)."""
        names = {f.name for f in self.automatic.values()}
        names.update(f.name for f in self.mapping.explicit.values())
        names.update(self.mapping.static)
        return names

    def check_schema(self, properties: Iterable[str]) -> None:
        """Fail before any write when a configured source property is not in the SCHEMA.

        ``email_field`` and every ``field_mapping`` source must name a property of the
        stream (their first path segment, for a dotted path). A SCHEMA without properties
        is not checked (nothing to check against).

        Args:
            properties: The SCHEMA's top-level property names.

        Raises:
            MappingError: One line naming the stream, the setting and the missing property.
        """
        known = set(properties)
        if not known:
            return
        listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        configured = self.mapping.email_path
        if configured and configured.split(".")[0] not in known:
            raise MappingError(
                f"stream {self.stream}: email_field {configured!r} is not a property of its "
                f"SCHEMA (properties: {listed}); set email_field to the property holding the email"
            )
        missing = sorted(src for src in self.mapping.explicit if src.split(".")[0] not in known)
        if missing:
            raise MappingError(
                f"stream {self.stream}: field_mapping source(s) {', '.join(missing)} not in its "
                f"SCHEMA (properties: {listed})"
            )

    def observe(self, properties: Iterable[str]) -> None:
        """Take new top-level property names into the automatic mapping.

        Args:
            properties: Property names from the schema or records.
        """
        new = [p for p in properties if p not in self._seen]
        if not new:
            return
        self._seen.update(new)
        explicit_targets = {f.name for f in self.mapping.explicit.values()}
        taken = (
            explicit_targets | set(self.mapping.static) | {f.name for f in self.automatic.values()}
        )
        sources = set(self.mapping.explicit) | ({self.email_path} if self.email_path else set())
        for prop in new:
            if self.email_path is None and normalize_name(prop) == "email":
                self.email_path = prop
                continue
            if prop in sources or (self.email_path and prop == self.email_path.split(".")[0]):
                continue
            if any(src.split(".")[0] == prop for src in sources):
                continue
            target = _auto_target(self.mapping.schema, self.mapping.mode, prop)
            if target is None or target.name in taken:
                self.unmapped.add(prop)
                if self._logged:
                    self.logger.info(
                        "Stream '%s': ignoring new unmapped property %s", self.stream, prop
                    )
                continue
            taken.add(target.name)
            self.automatic[prop] = target
            self._sources = None

    def log_mapping(self) -> None:
        """Log the mapping and the ignored properties, once per stream, at INFO."""
        if self._logged:
            return
        self._logged = True
        pairs = [
            f"{f.name} <- {src}" for src, f in {**self.automatic, **self.mapping.explicit}.items()
        ]
        pairs += [f"{name} = {value!r}" for name, value in self.mapping.static.items()]
        self.logger.info(
            "Stream '%s': Email <- %s; %s",
            self.stream,
            self.email_path or "(no email property: records will be rejected)",
            ", ".join(sorted(pairs)) or "no other fields",
        )
        if self.unmapped:
            self.logger.info(
                "Stream '%s': ignoring unmapped properties: %s",
                self.stream,
                ", ".join(sorted(self.unmapped)),
            )

    def extract(self, record: Mapping[str, Any]) -> Extracted:
        """The identity and Contact values of a record.

        Args:
            record: The record.

        Returns:
            What to write.
        """
        if not self._seen.issuperset(record):
            self.observe(record)
        email = get_path(record, self.email_path) if self.email_path else MISSING
        values: dict[str, Any] = {}
        sources = self._sources
        if sources is None:
            sources = self._sources = [*self.automatic.items(), *self.mapping.explicit.items()]
        for source, f in sources:
            raw = record[source] if source in record else get_path(record, source)
            if raw is MISSING:
                continue
            converted = to_salesforce(f, raw)
            if converted is not None:
                values[f.name] = converted
        for name, constant in self.mapping.static.items():
            if constant is not None:
                values[name] = constant
        return Extracted(None if email is MISSING else email, values)

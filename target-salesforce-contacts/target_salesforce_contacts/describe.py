"""The org's Contact object as its describe reports it: field names, types, writability."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


def normalize_name(name: str) -> str:
    """Fold a property or field name for automatic matching: case, ``_``, ``-``, spaces.

    Args:
        name: ``first_name``, ``FirstName``, ``First Name``...

    Returns:
        ``firstname``.
    """
    return "".join(ch for ch in name.lower() if ch not in "_- ")


@dataclass(frozen=True)
class ContactField:
    """One Contact field from describe.

    Attributes:
        name: API name (``FirstName``).
        type: Salesforce type (``string``, ``email``, ``date``, ``boolean``...).
        createable: Can be set on create.
        updateable: Can be set on update.
        nillable: May be empty.
        defaulted_on_create: Salesforce fills it when absent on create.
        length: Maximum length of text fields (0 when not text).
        scale: Decimal places of numeric fields, when known.
        calculated: A formula field.
        external_id: An external-ID field (an upsert may key on it).
        unique: Salesforce keeps its values unique.
        filterable: May be used in a WHERE clause.
    """

    name: str
    type: str
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    defaulted_on_create: bool = False
    length: int = 0
    scale: int | None = None
    calculated: bool = False
    external_id: bool = False
    unique: bool = False
    filterable: bool = True

    @classmethod
    def from_describe(cls, raw: Mapping[str, Any]) -> ContactField:
        """Build from one entry of describe's ``fields``.

        Args:
            raw: The describe entry.

        Returns:
            The field.
        """
        return cls(
            name=str(raw["name"]),
            type=str(raw.get("type") or "string"),
            createable=bool(raw.get("createable")),
            updateable=bool(raw.get("updateable")),
            nillable=bool(raw.get("nillable", True)),
            defaulted_on_create=bool(raw.get("defaultedOnCreate")),
            length=int(raw.get("length") or 0),
            scale=raw.get("scale") if isinstance(raw.get("scale"), int) else None,
            calculated=bool(raw.get("calculated")),
            external_id=bool(raw.get("externalId")),
            unique=bool(raw.get("unique")),
            filterable=bool(raw.get("filterable", True)),
        )

    @property
    def required_on_create(self) -> bool:
        """Salesforce refuses a create without it (``REQUIRED_FIELD_MISSING``)."""
        return (
            not self.nillable
            and self.createable
            and not self.defaulted_on_create
            and self.type != "boolean"
        )


class ContactSchema:
    """The Contact fields of one org, found by exact or folded name."""

    def __init__(self, fields: list[ContactField]) -> None:
        """Index the fields.

        Args:
            fields: Every Contact field from describe.
        """
        self._by_lower = {f.name.lower(): f for f in fields}
        self._by_folded: dict[str, ContactField] = {}
        for f in fields:
            self._by_folded.setdefault(normalize_name(f.name), f)

    @classmethod
    def from_describe(cls, describe: Mapping[str, Any]) -> ContactSchema:
        """Build from ``GET sobjects/Contact/describe``.

        Args:
            describe: The describe body.

        Returns:
            The schema.
        """
        return cls([ContactField.from_describe(raw) for raw in describe.get("fields") or []])

    def __iter__(self) -> Iterator[ContactField]:
        """Iterate over the fields."""
        return iter(self._by_lower.values())

    def get(self, name: str) -> ContactField | None:
        """A field by API name, ignoring case.

        Args:
            name: The API name.

        Returns:
            The field or None.
        """
        return self._by_lower.get(name.lower())

    def match(self, property_name: str) -> ContactField | None:
        """The field whose name folds like ``property_name`` (``mailing_city`` -> MailingCity).

        Args:
            property_name: A record property name.

        Returns:
            The field or None.
        """
        return self._by_folded.get(normalize_name(property_name))

    @property
    def required_on_create(self) -> list[ContactField]:
        """Fields a create must carry."""
        return [f for f in self if f.required_on_create]

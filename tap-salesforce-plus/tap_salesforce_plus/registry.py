"""The table registry (stream name -> sObject) and the resolution of the ``tables`` setting.

Streams come from data: one generic stream class is instantiated per resolved
:class:`Table`. Resolution happens in two steps so that typos fail before any request:

1. :func:`parse_tables` checks the setting on its own (unknown plain names are errors).
2. :func:`resolve_tables` matches it against the org's global describe (``sobjects``):
   standard tables the org lacks are skipped with a warning, unknown ``custom:`` names
   are errors.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from salesforce_common import ConfigError

if TYPE_CHECKING:
    import logging

STANDARD_TABLES: Mapping[str, str] = MappingProxyType(
    {
        "account": "Account",
        "contact": "Contact",
        "lead": "Lead",
        "opportunity": "Opportunity",
        "opportunity_line_item": "OpportunityLineItem",
        "opportunity_contact_role": "OpportunityContactRole",
        "case": "Case",
        "campaign": "Campaign",
        "campaign_member": "CampaignMember",
        "task": "Task",
        "event": "Event",
        "email_message": "EmailMessage",
        "user": "User",
        "user_role": "UserRole",
        "product": "Product2",
        "pricebook": "Pricebook2",
        "pricebook_entry": "PricebookEntry",
    }
)
"""Standard tables: stream name -> Salesforce object API name."""

CUSTOM_PREFIX = "custom:"
ALL_CUSTOM = "custom:*"
ALL_STANDARD = "*"
PICKLIST_VALUES = "picklist_values"
"""Opt-in stream of the picklist values of the other tables (``picklists.py``)."""
CUSTOM_OBJECT_SUFFIX = "__c"


@dataclass(frozen=True)
class Table:
    """One stream to build.

    Attributes:
        stream_name: The Singer stream name.
        object_name: The Salesforce object API name, as the org spells it.
    """

    stream_name: str
    object_name: str


@dataclass(frozen=True)
class TableRequest:
    """The ``tables`` setting, checked but not yet matched against an org.

    Attributes:
        standard: Requested standard stream names, in order.
        custom: Object API names requested with ``custom:<Name>``, in order.
        all_custom: Whether ``custom:*`` was given.
        picklist_values: Whether the ``picklist_values`` stream was asked for.
    """

    standard: tuple[str, ...]
    custom: tuple[str, ...] = ()
    all_custom: bool = False
    picklist_values: bool = False


_BY_OBJECT_NAME = {obj.lower(): stream for stream, obj in STANDARD_TABLES.items()}


def _unknown_table(entry: str) -> ConfigError:
    names = [*STANDARD_TABLES, *STANDARD_TABLES.values()]
    close = difflib.get_close_matches(entry.lower(), [n.lower() for n in names], n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return ConfigError(
        f"tables: unknown table {entry!r}{hint}; use a standard table "
        f"({', '.join(STANDARD_TABLES)}), * for all of them, custom:<ObjectApiName>, custom:* "
        f"or {PICKLIST_VALUES}"
    )


def _is_picklists(entry: object) -> bool:
    return isinstance(entry, str) and entry.strip().lower() == PICKLIST_VALUES


def parse_tables(entries: Sequence[str] | None) -> TableRequest:
    """Check the ``tables`` setting without contacting the org.

    Args:
        entries: The setting: standard table names (or their object API names, any case),
            ``*`` (every standard table), ``custom:<ObjectApiName>``, ``custom:*`` or
            ``picklist_values``. None or empty (or only ``picklist_values``) means every
            standard table.

    Returns:
        The request, duplicates removed.

    Raises:
        ConfigError: An unknown table name or an empty ``custom:`` entry (one line).
    """
    picklists = any(
        isinstance(e, str) and e.strip().lower() == PICKLIST_VALUES for e in entries or []
    )
    entries = [
        e
        for e in entries or []
        if not (isinstance(e, str) and e.strip().lower() == PICKLIST_VALUES)
    ]
    if not entries:
        return TableRequest(standard=tuple(STANDARD_TABLES), picklist_values=picklists)
    standard: dict[str, None] = {}
    custom: dict[str, str] = {}
    all_custom = False
    for raw in entries:
        entry = raw.strip() if isinstance(raw, str) else ""
        if not entry:
            raise ConfigError("tables: entries must be non-empty strings")
        if entry.lower() == ALL_CUSTOM:
            all_custom = True
        elif entry.lower().startswith(CUSTOM_PREFIX):
            name = entry[len(CUSTOM_PREFIX) :].strip()
            if not name:
                raise ConfigError(f"tables: {entry!r} names no object; use custom:<ObjectApiName>")
            custom.setdefault(name.lower(), name)
        elif entry == ALL_STANDARD:
            standard.update(dict.fromkeys(STANDARD_TABLES))
        elif entry.lower() in STANDARD_TABLES:
            standard[entry.lower()] = None
        elif entry.lower() in _BY_OBJECT_NAME:
            standard[_BY_OBJECT_NAME[entry.lower()]] = None
        else:
            raise _unknown_table(entry)
    return TableRequest(tuple(standard), tuple(custom.values()), all_custom, picklists)


def _is_custom_object(entry: Mapping[str, Any]) -> bool:
    return bool(entry.get("custom")) and str(entry.get("name", "")).endswith(CUSTOM_OBJECT_SUFFIX)


def resolve_tables(
    request: TableRequest,
    sobjects: Iterable[Mapping[str, Any]],
    logger: logging.Logger,
) -> list[Table]:
    """Match a request against the org's global describe.

    A standard table the org lacks, or that is not queryable, is skipped with a warning;
    so is a ``custom:`` object that exists but is not queryable. ``custom:*`` adds every
    queryable custom object (API name ending in ``__c``). Each object is synced once: a
    standard object also named with ``custom:`` keeps its standard stream name.

    Args:
        request: From :func:`parse_tables`.
        sobjects: The ``sobjects`` entries of ``GET sobjects``.
        logger: Where skipped tables are reported.

    Returns:
        The tables to sync, standard ones first.

    Raises:
        ConfigError: A ``custom:<Name>`` object that the org does not have (one line).
    """
    by_name = {str(entry["name"]).lower(): entry for entry in sobjects}
    tables: dict[str, Table] = {}

    def add(stream_name: str, entry: Mapping[str, Any], label: str) -> None:
        if not entry.get("queryable", False):
            logger.warning("Skipping table %s: object %s is not queryable", label, entry["name"])
            return
        tables.setdefault(str(entry["name"]).lower(), Table(stream_name, str(entry["name"])))

    for stream_name in request.standard:
        object_name = STANDARD_TABLES[stream_name]
        found = by_name.get(object_name.lower())
        if found is None:
            logger.warning(
                "Skipping table %s: object %s does not exist in this org or is not visible "
                "to the user",
                stream_name,
                object_name,
            )
            continue
        add(stream_name, found, stream_name)
    for name in request.custom:
        found = by_name.get(name.lower())
        if found is None:
            raise ConfigError(
                f"tables: custom:{name} is not an object in this org (or the user cannot see "
                "it); check the object API name, e.g. My_Object__c"
            )
        add(str(found["name"]).lower(), found, f"custom:{name}")
    if request.all_custom:
        for entry in sorted(by_name.values(), key=lambda e: str(e["name"]).lower()):
            if _is_custom_object(entry):
                add(str(entry["name"]).lower(), entry, f"custom:{entry['name']}")
    return list(tables.values())

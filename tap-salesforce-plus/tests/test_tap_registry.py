"""The ``tables`` setting: parsing against the registry, resolution against an org."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from salesforce_common import ConfigError
from tap_salesforce_plus.registry import (
    STANDARD_TABLES,
    Table,
    TableRequest,
    parse_tables,
    resolve_tables,
)

LOGGER = logging.getLogger("test_tap_registry")


def sobject(name: str, *, custom: bool = False, queryable: bool = True) -> dict[str, Any]:
    """A global-describe entry."""
    return {"name": name, "custom": custom, "queryable": queryable, "customSetting": False}


ORG = [
    *(sobject(name) for name in STANDARD_TABLES.values() if name != "EmailMessage"),
    sobject("Attachment"),
    sobject("My__Community_Group__c", custom=True),
    sobject("Project__c", custom=True),
    sobject("Hidden__c", custom=True, queryable=False),
    sobject("Config__mdt", custom=True),
]


def test_registry_has_the_17_design_tables() -> None:
    assert len(STANDARD_TABLES) == 17
    assert STANDARD_TABLES["product"] == "Product2"
    assert STANDARD_TABLES["pricebook_entry"] == "PricebookEntry"


def test_default_is_every_standard_table() -> None:
    assert parse_tables(None) == TableRequest(standard=tuple(STANDARD_TABLES))
    assert parse_tables([]) == parse_tables(None)
    assert parse_tables(["*"]) == parse_tables(None)


def test_plain_names_any_case_or_object_name_deduplicated() -> None:
    request = parse_tables(["Contact", "account", "Product2", "product", "custom:Project__c"])
    assert request == TableRequest(("contact", "account", "product"), ("Project__c",), False)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("acount", "unknown table 'acount' (did you mean account?)"),
        ("widgets", "unknown table 'widgets'; use a standard table"),
        ("custom:", "'custom:' names no object"),
        ("  ", "entries must be non-empty strings"),
    ],
)
def test_bad_entries_are_one_line_errors(entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        parse_tables(["account", entry])
    assert "\n" not in str(caught.value)


def test_standard_table_missing_from_org_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        tables = resolve_tables(parse_tables(["account", "email_message"]), ORG, LOGGER)
    assert tables == [Table("account", "Account")]
    assert "Skipping table email_message: object EmailMessage does not exist" in caplog.text


def test_custom_star_adds_every_queryable_custom_object(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        tables = resolve_tables(parse_tables(["contact", "custom:*"]), ORG, LOGGER)
    assert tables == [
        Table("contact", "Contact"),
        Table("my__community_group__c", "My__Community_Group__c"),
        Table("project__c", "Project__c"),
    ]
    assert "Skipping table custom:Hidden__c: object Hidden__c is not queryable" in caplog.text


def test_custom_name_is_matched_in_any_case_and_keeps_the_org_spelling() -> None:
    tables = resolve_tables(parse_tables(["custom:my__community_group__C"]), ORG, LOGGER)
    assert tables == [Table("my__community_group__c", "My__Community_Group__c")]


def test_custom_can_name_a_standard_object_outside_the_registry() -> None:
    request = parse_tables(["account", "custom:Attachment", "custom:Account"])
    assert resolve_tables(request, ORG, LOGGER) == [
        Table("account", "Account"),
        Table("attachment", "Attachment"),
    ]


def test_unknown_custom_name_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"custom:Nope__c is not an object in this org"):
        resolve_tables(parse_tables(["custom:Nope__c"]), ORG, LOGGER)

"""Dependent picklists in describe (``controllerName``, ``validFor`` bitmaps) and stored data."""

from __future__ import annotations

import base64
from typing import Any

from salesforce_emulator.catalog import SUB_INDUSTRIES, valid_for_bitmap


def valid_controllers(entry: dict[str, Any], controller_values: list[str]) -> set[str]:
    """Decode ``validFor``: bit i, most significant first in each byte, is controller value i."""
    bits = base64.b64decode(entry["validFor"])
    return {
        value
        for i, value in enumerate(controller_values)
        if i // 8 < len(bits) and bits[i // 8] & (0x80 >> (i % 8))
    }


def test_the_bitmap_puts_the_first_value_in_the_top_bit():
    values = tuple("abcdefghij")
    assert base64.b64decode(valid_for_bitmap(values, ("a",))) == bytes([0x80, 0])
    assert base64.b64decode(valid_for_bitmap(values, ("h", "i"))) == bytes([0x01, 0x80])


def test_sub_industry_depends_on_industry_and_the_data_respects_it(demo_sf):
    fields = {f["name"]: f for f in demo_sf.get("sobjects/Account/describe").json()["fields"]}
    dependent, controller = fields["Sub_Industry__c"], fields["Industry"]
    assert dependent["dependentPicklist"] is True
    assert dependent["controllerName"] == "Industry"
    assert dependent["type"] == "picklist"
    assert controller["dependentPicklist"] is False
    assert controller["controllerName"] is None
    controller_values = [v["value"] for v in controller["picklistValues"]]
    allowed = {
        v["value"]: valid_controllers(v, controller_values) for v in dependent["picklistValues"]
    }
    assert allowed["Software"] == {"Technology"}
    assert allowed["Investment Banking"] == {"Banking", "Finance"}
    assert allowed["Other"] == set(controller_values)
    for industry, subs in SUB_INDUSTRIES.items():
        assert {v for v, valid in allowed.items() if industry in valid} == set(subs)
    rows = demo_sf.query_all_pages("SELECT Industry, Sub_Industry__c FROM Account")
    pairs = [(r["Industry"], r["Sub_Industry__c"]) for r in rows]
    assert sum(1 for _, sub in pairs if sub) > len(pairs) / 2
    for industry, sub in pairs:
        if sub is not None:
            assert industry in allowed[sub], (industry, sub)
        if industry is None:
            assert sub is None
    for f in fields.values():
        if f["name"] != "Sub_Industry__c":
            assert f["dependentPicklist"] is False
            assert all(v["validFor"] is None for v in f["picklistValues"])


def test_a_multipicklist_exists_with_values_joined_by_semicolons(demo_sf):
    fields = {f["name"]: f for f in demo_sf.get("sobjects/Contact/describe").json()["fields"]}
    assert fields["Interests__c"]["type"] == "multipicklist"
    allowed = {v["value"] for v in fields["Interests__c"]["picklistValues"]}
    rows = demo_sf.query_all_pages("SELECT Interests__c FROM Contact WHERE Interests__c != null")
    assert any(";" in r["Interests__c"] for r in rows)
    assert all(set(r["Interests__c"].split(";")) <= allowed for r in rows)

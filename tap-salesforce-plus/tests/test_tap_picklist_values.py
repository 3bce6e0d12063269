"""The picklist_values stream: validFor decoding and records from describes."""

from __future__ import annotations

import base64

from tap_salesforce_plus.picklists import picklist_records, valid_for_indexes
from tap_salesforce_plus.registry import STANDARD_TABLES, parse_tables
from tapsf_support import make_tap, shared_emulator, sync


def bitmap(*indexes: int, size: int = 3) -> str:
    raw = bytearray(size)
    for i in indexes:
        raw[i // 8] |= 0x80 >> (i % 8)
    return base64.b64encode(bytes(raw)).decode()


def test_valid_for_is_msb_first_per_byte() -> None:
    assert valid_for_indexes("gAAA") == [0]  # 0x80 0x00 0x00
    assert valid_for_indexes("QAAA") == [1]  # 0x40
    assert valid_for_indexes("AIAA") == [8]  # second byte, first bit
    assert valid_for_indexes(bitmap(0, 7, 9, 23)) == [0, 7, 9, 23]
    assert valid_for_indexes(None) == []
    assert valid_for_indexes("") == []
    assert valid_for_indexes("not base64!") == []


DESCRIBE = {
    "name": "Thing__c",
    "fields": [
        {"name": "Id", "type": "id"},
        {
            "name": "Country__c",
            "type": "picklist",
            "picklistValues": [
                {"value": "FR", "label": "France", "active": True, "defaultValue": True},
                {"value": "US", "label": "United States", "active": True, "defaultValue": False},
                {"value": "XX", "label": "Old", "active": False, "defaultValue": False},
            ],
        },
        {
            "name": "City__c",
            "type": "multipicklist",
            "dependentPicklist": True,
            "controllerName": "Country__c",
            "picklistValues": [
                {
                    "value": "Paris",
                    "label": "Paris",
                    "active": True,
                    "defaultValue": False,
                    "validFor": bitmap(0),
                },
                {
                    "value": "Both",
                    "label": "Both",
                    "active": True,
                    "defaultValue": False,
                    "validFor": bitmap(0, 1),
                },
            ],
        },
        {
            "name": "Mode__c",
            "type": "picklist",
            "dependentPicklist": True,
            "controllerName": "Flag__c",
            "picklistValues": [
                {
                    "value": "On",
                    "label": "On",
                    "active": True,
                    "defaultValue": False,
                    "validFor": bitmap(1),
                },
            ],
        },
        {"name": "Flag__c", "type": "boolean"},
    ],
}


def test_records_cover_every_value_and_decode_dependencies() -> None:
    records = list(picklist_records(DESCRIBE))
    assert [(r["field"], r["value"]) for r in records] == [
        ("Country__c", "FR"),
        ("Country__c", "US"),
        ("Country__c", "XX"),
        ("City__c", "Paris"),
        ("City__c", "Both"),
        ("Mode__c", "On"),
    ]
    assert records[0] == {
        "object": "Thing__c",
        "field": "Country__c",
        "value": "FR",
        "label": "France",
        "active": True,
        "default": True,
        "controlling_field": None,
        "valid_for": None,
    }
    assert records[2]["active"] is False
    assert records[3]["controlling_field"] == "Country__c"
    assert records[3]["valid_for"] == ["FR"]
    assert records[4]["valid_for"] == ["FR", "US"]
    assert records[5]["valid_for"] == ["true"]


def test_picklist_values_is_opt_in_through_tables() -> None:
    assert not parse_tables(["account"]).picklist_values
    request = parse_tables(["account", "picklist_values"])
    assert request.picklist_values
    assert request.standard == ("account",)
    alone = parse_tables(["picklist_values"])
    assert alone.picklist_values
    assert alone.standard == tuple(STANDARD_TABLES)


def test_picklist_values_match_the_emulators_describe() -> None:
    emulator = shared_emulator()
    run = sync(emulator.config(tables=["account", "opportunity", "picklist_values"]))
    records = run.records("picklist_values")
    stream = run.tap.streams["picklist_values"]
    assert stream.primary_keys == ["object", "field", "value"]
    session = run.tap.sf_session
    expected = []
    for object_name in ("Account", "Opportunity"):
        describe = session.get_json(f"sobjects/{object_name}/describe")
        by_name = {f["name"]: f for f in describe["fields"]}
        for field in describe["fields"]:
            if field["type"] not in ("picklist", "multipicklist"):
                continue
            for value in field["picklistValues"]:
                controller = field.get("controllerName") if field.get("dependentPicklist") else None
                valid = None
                if controller:
                    choices = [v["value"] for v in by_name[controller].get("picklistValues") or []]
                    if by_name[controller]["type"] == "boolean":
                        choices = ["false", "true"]
                    valid = [choices[i] for i in valid_for_indexes(value["validFor"])]
                expected.append(
                    {
                        "object": object_name,
                        "field": field["name"],
                        "value": value["value"],
                        "label": value["label"],
                        "active": value["active"],
                        "default": value["defaultValue"],
                        "controlling_field": controller,
                        "valid_for": valid,
                    }
                )
    assert expected
    assert records == expected
    assert len({(r["object"], r["field"], r["value"]) for r in records}) == len(records)


def test_picklist_values_follow_the_catalog_selection() -> None:
    emulator = shared_emulator()
    config = emulator.config(tables=["account", "opportunity", "picklist_values"])
    catalog = make_tap(config).tap.catalog_dict
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "account":
            for meta in entry["metadata"]:
                if meta["breadcrumb"] == []:
                    meta["metadata"]["selected"] = False
    run = sync(config, catalog=catalog)
    objects = {r["object"] for r in run.records("picklist_values")}
    assert objects == {"Opportunity"}
    assert not run.records("account")


def test_dependent_picklist_values_agree_with_the_orgs_data() -> None:
    emulator = shared_emulator()
    run = sync(emulator.config(tables=["account", "picklist_values"]))
    records = run.records("picklist_values")
    industries = {r["value"] for r in records if r["field"] == "Industry"}
    dependent = {r["value"]: r for r in records if r["field"] == "Sub_Industry__c"}
    assert dependent
    for record in dependent.values():
        assert record["controlling_field"] == "Industry"
        assert record["valid_for"]
        assert set(record["valid_for"]) <= industries
    pairs = {
        (a["Sub_Industry__c"], a["Industry"])
        for a in emulator.admin.records("Account")
        if a.get("Sub_Industry__c")
    }
    assert pairs
    for sub_industry, industry in pairs:
        assert industry in dependent[sub_industry]["valid_for"]

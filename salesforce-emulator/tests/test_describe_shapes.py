"""Describe answers shaped like a Developer Edition org's: same keys, documented standard fields.

``fixtures/describe_shapes.json`` is written from Salesforce's documentation (the SOAP API's
DescribeSObjectResult, Field, PicklistEntry and ChildRelationship, and the Object Reference's
field tables), not from emulator output: a describe may differ from an org's only in data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_http import Api
from salesforce_emulator.catalog import demo_catalog
from test_emulator_bulk import all_pages, create_query_job, poll

SHAPES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "describe_shapes.json").read_text(encoding="utf-8")
)
OBJECTS = sorted(o.name for o in demo_catalog())


def describe(api: Api, obj: str) -> dict[str, Any]:
    response = api.get(f"sobjects/{obj}/describe")
    assert response.status_code == 200, response.text
    return dict(response.json())


def fields_of(api: Api, obj: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in describe(api, obj)["fields"]}


def documented_fields(obj: str) -> dict[str, str]:
    """The fixture's standard fields of ``obj``: name -> ``type`` or ``type:length``."""
    skipped = set(SHAPES["without_audit_fields"].get(obj, ()))
    audit = {k: v for k, v in SHAPES["audit_fields"].items() if k not in skipped}
    return {**audit, **SHAPES["objects"][obj]}


def test_fixture_covers_every_demo_object():
    assert sorted(SHAPES["objects"]) == OBJECTS


def test_global_describe_has_the_documented_keys(demo_sf):
    body = demo_sf.get("sobjects").json()
    assert sorted(body) == SHAPES["global_describe_keys"]
    for entry in body["sobjects"]:
        assert sorted(entry) == SHAPES["global_sobject_keys"], entry["name"]


@pytest.mark.parametrize("obj", OBJECTS)
def test_describe_has_exactly_the_documented_keys(demo_sf, obj):
    body = describe(demo_sf, obj)
    assert sorted(body) == SHAPES["sobject_keys"]
    for f in body["fields"]:
        assert sorted(f) == SHAPES["field_keys"], f["name"]
        assert f["type"] in SHAPES["field_types"], f["name"]
        for entry in f["picklistValues"]:
            assert sorted(entry) == SHAPES["picklist_entry_keys"], f["name"]
    for child in body["childRelationships"]:
        assert sorted(child) == SHAPES["child_relationship_keys"]


@pytest.mark.parametrize("obj", OBJECTS)
def test_describe_lists_the_documented_standard_fields(demo_sf, obj):
    described = fields_of(demo_sf, obj)
    expected = documented_fields(obj)
    shapes = {}
    for name, spec in expected.items():
        field = described.get(name)
        if field is None:
            shapes[name] = None
            continue
        _type, _, length = spec.partition(":")
        shapes[name] = f"{field['type']}:{field['length']}" if length else field["type"]
    assert shapes == expected
    extras = {n for n, f in described.items() if not f["custom"] and n not in expected}
    assert extras == set(SHAPES["emulator_extras"].get(obj, {}))


@pytest.mark.parametrize("obj", OBJECTS)
def test_standard_fields_come_before_custom_fields(demo_sf, obj):
    flags = [f["custom"] for f in describe(demo_sf, obj)["fields"]]
    assert flags == sorted(flags)


# --- values an org gives ----------------------------------------------------------------------


def test_ids_and_lookups_are_18_bytes(demo_sf):
    fields = fields_of(demo_sf, "Contact")
    assert {k: fields["Id"][k] for k in ("byteLength", "length", "defaultedOnCreate")} == {
        "byteLength": 18,
        "length": 18,
        "defaultedOnCreate": True,
    }
    assert (fields["AccountId"]["byteLength"], fields["AccountId"]["length"]) == (18, 18)
    # text fields count three bytes per character
    assert fields["Department"]["byteLength"] == 3 * 80


@pytest.mark.parametrize("obj", ["Account", "Lead", "Case", "Task", "Project__c"])
def test_owner_is_required_but_defaulted(demo_sf, obj):
    owner = fields_of(demo_sf, obj)["OwnerId"]
    assert (owner["nillable"], owner["defaultedOnCreate"], owner["createable"]) == (
        False,
        True,
        True,
    )
    assert owner["relationshipName"] == "Owner"


def test_contact_name_is_a_compound_person_name(demo_sf):
    fields = fields_of(demo_sf, "Contact")
    name = fields["Name"]
    assert {
        k: name[k]
        for k in (
            "type", "nameField", "compoundFieldName", "createable", "updateable", "calculated",
            "calculatedFormula", "extraTypeInfo", "nillable", "length",
        )
    } == {
        "type": "string", "nameField": True, "compoundFieldName": None, "createable": False,
        "updateable": False, "calculated": False, "calculatedFormula": None,
        "extraTypeInfo": "personname", "nillable": False, "length": 121,
    }  # fmt: skip
    parts = {n for n, f in fields.items() if f["compoundFieldName"] == "Name"}
    assert parts == {"Salutation", "FirstName", "LastName"}
    assert [n for n, f in fields.items() if f["nameField"]] == ["Name"]


def test_compound_parts_name_their_compound(demo_sf):
    fields = fields_of(demo_sf, "Contact")
    for compound in ("MailingAddress", "OtherAddress"):
        assert fields[compound]["type"] == "address"
        assert fields[compound]["queryByDistance"] is True
        parts = sorted(n for n, f in fields.items() if f["compoundFieldName"] == compound)
        prefix = compound.removesuffix("Address")
        suffixes = ("City", "Country", "GeocodeAccuracy", "Latitude", "Longitude")
        assert parts == sorted(prefix + s for s in (*suffixes, "PostalCode", "State", "Street"))


@pytest.mark.parametrize(
    ("obj", "field", "targets"),
    [
        ("Task", "WhoId", ["Contact", "Lead"]),
        ("Task", "WhatId", ["Account", "Opportunity", "Case", "Campaign"]),
        ("Event", "WhoId", ["Contact", "Lead"]),
        ("Task", "OwnerId", ["Group", "User"]),
        ("Lead", "OwnerId", ["Group", "User"]),
        ("Case", "OwnerId", ["Group", "User"]),
        ("Event", "OwnerId", ["Calendar", "User"]),
        ("My__Community_Group__c", "OwnerId", ["Group", "User"]),
    ],
)
def test_polymorphic_lookups(demo_sf, obj, field, targets):
    described = fields_of(demo_sf, obj)[field]
    assert described["referenceTo"] == targets
    assert (described["polymorphicForeignKey"], described["namePointing"]) == (True, True)


@pytest.mark.parametrize(("obj", "field"), [("Account", "OwnerId"), ("Contact", "AccountId")])
def test_single_object_lookups_are_not_polymorphic(demo_sf, obj, field):
    described = fields_of(demo_sf, obj)[field]
    assert len(described["referenceTo"]) == 1
    assert (described["polymorphicForeignKey"], described["namePointing"]) == (False, False)
    assert described["searchPrefilterable"] is True


def test_dependent_picklist_names_its_controller(demo_sf):
    fields = fields_of(demo_sf, "Account")
    sub = fields["Sub_Industry__c"]
    assert (sub["controllerName"], sub["dependentPicklist"]) == ("Industry", True)
    assert (fields["Industry"]["controllerName"], fields["Industry"]["dependentPicklist"]) == (
        None,
        False,
    )


@pytest.mark.parametrize(
    ("obj", "field", "id_lookup"),
    [
        ("Contact", "Id", True),
        ("Contact", "Email", True),
        ("Lead", "Email", True),
        ("Account", "Name", True),
        ("Case", "CaseNumber", True),
        ("User", "Username", True),
        ("Contact", "Name", False),
        ("Contact", "Phone", False),
    ],
)
def test_id_lookup_fields(demo_sf, obj, field, id_lookup):
    described = fields_of(demo_sf, obj)[field]
    assert described["idLookup"] is id_lookup
    assert described["externalId"] is False


def test_case_number_is_the_auto_number_name_field(demo_sf):
    fields = fields_of(demo_sf, "Case")
    number = fields["CaseNumber"]
    assert (number["autoNumber"], number["nameField"], number["createable"]) == (True, True, False)
    assert [n for n, f in fields.items() if f["nameField"]] == ["CaseNumber"]


def test_activity_subjects_are_comboboxes_and_name_fields(demo_sf):
    for obj in ("Task", "Event"):
        subject = fields_of(demo_sf, obj)["Subject"]
        assert (subject["type"], subject["nameField"], subject["soapType"]) == (
            "combobox",
            True,
            "xsd:string",
        )
        assert subject["picklistValues"]


def test_picklist_default_is_flagged_on_its_value(demo_sf):
    status = fields_of(demo_sf, "Lead")["Status"]
    assert status["defaultValue"] is None
    assert [v["value"] for v in status["picklistValues"] if v["defaultValue"]] == [
        "Open - Not Contacted"
    ]


def test_account_new_standard_fields(demo_sf):
    fields = fields_of(demo_sf, "Account")
    assert [v["value"] for v in fields["Rating"]["picklistValues"]] == ["Hot", "Warm", "Cold"]
    assert [v["value"] for v in fields["Ownership"]["picklistValues"]] == [
        "Public",
        "Private",
        "Subsidiary",
        "Other",
    ]
    assert fields["CleanStatus"]["restrictedPicklist"] is True
    assert fields["DandbCompanyId"]["referenceTo"] == ["DandBCompany"]


def test_textareas_and_photos_carry_extra_type_info(demo_sf):
    fields = fields_of(demo_sf, "Contact")
    assert fields["Description"]["extraTypeInfo"] == "plaintextarea"
    assert fields["PhotoUrl"]["extraTypeInfo"] == "imageurl"
    assert fields["Phone"]["extraTypeInfo"] is None
    html = fields_of(demo_sf, "EmailMessage")["HtmlBody"]
    assert (html["htmlFormatted"], html["extraTypeInfo"]) == (True, "richtextarea")


def test_child_relationships_list_the_lookups_that_point_here(demo_sf):
    children = {
        (c["childSObject"], c["field"]): c
        for c in describe(demo_sf, "Account")["childRelationships"]
    }
    assert children[("Contact", "AccountId")]["relationshipName"] == "Contacts"
    assert children[("Opportunity", "AccountId")]["relationshipName"] == "Opportunities"
    assert children[("Case", "AccountId")]["relationshipName"] == "Cases"
    assert children[("Project__c", "Account__c")]["relationshipName"] == "Projects__r"
    assert ("Task", "WhatId") in children
    lines = {
        (c["childSObject"], c["field"]): c
        for c in describe(demo_sf, "Opportunity")["childRelationships"]
    }
    assert lines[("OpportunityLineItem", "OpportunityId")]["cascadeDelete"] is True
    assert lines[("OpportunityLineItem", "OpportunityId")]["relationshipName"] == (
        "OpportunityLineItems"
    )


def test_system_fields_are_not_permissionable(demo_sf):
    fields = fields_of(demo_sf, "Account")
    for name in ("Id", "CreatedDate", "SystemModstamp", "Name", "BillingAddress"):
        assert fields[name]["permissionable"] is False, name
    for name in ("Phone", "Rating", "BillingCity", "Health_Score__c"):
        assert fields[name]["permissionable"] is True, name


# --- the new fields are queryable -------------------------------------------------------------


def selectable(api: Api, obj: str) -> list[str]:
    return [n for n, f in fields_of(api, obj).items() if f["type"] not in ("address", "location")]


@pytest.mark.parametrize("obj", [o for o in OBJECTS if o != "Attachment"])
def test_every_field_is_selectable_in_soql(demo_sf, obj):
    names = selectable(demo_sf, obj)
    response = demo_sf.query(f"SELECT {', '.join(names)} FROM {obj} LIMIT 5")
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert records
    assert set(records[0]) == {"attributes", *names}


def test_new_account_fields_hold_plausible_values(demo_sf):
    soql = "SELECT Rating, Ownership, TickerSymbol, Sic, SicDesc, CleanStatus FROM Account"
    records = demo_sf.query(soql).json()["records"]
    assert {r["Rating"] for r in records} == {"Hot", "Warm", "Cold", None}
    public = [r for r in records if r["TickerSymbol"]]
    assert public
    assert all(r["Ownership"] == "Public" for r in public)
    assert all((r["Sic"] is None) == (r["SicDesc"] is None) for r in records)
    assert {r["CleanStatus"] for r in records} <= {"Pending", "Matched", "Different", "NotFound"}


def test_campaign_members_copy_their_person(demo_sf):
    soql = (
        "SELECT LeadOrContactId, LeadId, ContactId, LastName, Email, Contact.LastName, "
        "Contact.Email, Lead.LastName FROM CampaignMember"
    )
    records = demo_sf.query(soql).json()["records"]
    for r in records:
        assert r["LeadOrContactId"] == (r["LeadId"] or r["ContactId"])
        person = r["Lead"] if r["LeadId"] else r["Contact"]
        if person is not None:
            assert r["LastName"] == person["LastName"]


def test_new_fields_are_selectable_in_bulk(demo_sf):
    names = [n for n in selectable(demo_sf, "Account") if n not in ("Headquarters__c",)]
    job = create_query_job(demo_sf, f"SELECT {', '.join(names)} FROM Account")
    info, _states = poll(demo_sf, job["id"])
    assert info["state"] == "JobComplete", info
    rows, _sizes = all_pages(demo_sf, job["id"])
    assert rows
    assert list(rows[0]) == names
    assert any(r["Rating"] for r in rows)


def test_new_types_filter_like_text(demo_sf):
    calls = demo_sf.query("SELECT Id FROM Task WHERE Subject LIKE 'cal%'").json()["records"]
    exact = demo_sf.query("SELECT Id FROM Task WHERE Subject = 'Call'").json()["records"]
    assert calls
    assert {r["Id"] for r in calls} == {r["Id"] for r in exact}
    hot = demo_sf.query("SELECT Rating FROM Account WHERE Rating = 'hot'").json()["records"]
    assert hot
    assert {r["Rating"] for r in hot} == {"Hot"}


def test_combobox_takes_a_value_outside_its_list(sf):
    # a combobox suggests values but, unlike a picklist, accepts any text
    created = sf.post("sobjects/Task", json={"Subject": "Lunch with the CFO"})
    assert created.status_code == 201, created.text
    task = sf.get(f"sobjects/Task/{created.json()['id']}").json()
    assert task["Subject"] == "Lunch with the CFO"


def test_new_writable_fields_are_written(sf):
    created = sf.post(
        "sobjects/Account",
        json={"Name": "Rated", "Rating": "Warm", "TickerSymbol": "RTD", "Ownership": "Public"},
    )
    assert created.status_code == 201, created.text
    account = sf.get(f"sobjects/Account/{created.json()['id']}").json()
    assert (account["Rating"], account["TickerSymbol"], account["CleanStatus"]) == (
        "Warm",
        "RTD",
        None,
    )
    refused = sf.post("sobjects/Contact", json={"LastName": "X", "Name": "Full Name"})
    assert refused.status_code == 400

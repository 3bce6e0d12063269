"""The describe -> JSON schema type mapping, for every Salesforce field type."""

from __future__ import annotations

from typing import Any

import pytest
from tap_salesforce_plus.schema import field_schema, replication_key_for
from tap_salesforce_plus.shape import Shape, field_nodes

NULLABLE_STRING = {"type": ["string", "null"]}


def describe_field(name: str, sf_type: str, **extra: Any) -> dict[str, Any]:
    """A describe ``fields[]`` entry as Salesforce sends it (only what matters here)."""
    return {"name": name, "type": sf_type, "nillable": True, "custom": False, **extra}


ADDRESS = {
    "type": ["object", "null"],
    "properties": {
        "street": NULLABLE_STRING,
        "city": NULLABLE_STRING,
        "state": NULLABLE_STRING,
        "postalCode": NULLABLE_STRING,
        "country": NULLABLE_STRING,
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
        "geocodeAccuracy": NULLABLE_STRING,
    },
}
LOCATION = {
    "type": ["object", "null"],
    "properties": {
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
    },
}

TYPE_TABLE = [
    ("string", NULLABLE_STRING),
    ("textarea", NULLABLE_STRING),
    ("picklist", NULLABLE_STRING),
    ("multipicklist", NULLABLE_STRING),
    ("reference", NULLABLE_STRING),
    ("email", NULLABLE_STRING),
    ("phone", NULLABLE_STRING),
    ("url", NULLABLE_STRING),
    ("combobox", NULLABLE_STRING),
    ("encryptedstring", NULLABLE_STRING),
    ("id", NULLABLE_STRING),
    ("boolean", {"type": ["boolean", "null"]}),
    ("int", {"type": ["integer", "null"]}),
    ("long", {"type": ["integer", "null"]}),
    ("double", {"type": ["number", "null"]}),
    ("currency", {"type": ["number", "null"]}),
    ("percent", {"type": ["number", "null"]}),
    ("date", {"type": ["string", "null"], "format": "date"}),
    ("datetime", {"type": ["string", "null"], "format": "date-time"}),
    ("time", {"type": ["string", "null"], "format": "time"}),
    ("address", ADDRESS),
    ("location", LOCATION),
    ("anyType", NULLABLE_STRING),
]


@pytest.mark.parametrize(("sf_type", "expected"), TYPE_TABLE, ids=[t for t, _ in TYPE_TABLE])
def test_type_mapping(sf_type: str, expected: dict[str, Any]) -> None:
    assert field_schema(describe_field("Some_Field__c", sf_type)) == expected


def test_id_is_the_only_non_nullable_property() -> None:
    assert field_schema(describe_field("Id", "id")) == {"type": "string"}
    required_field = describe_field("LastName", "string", nillable=False)
    assert field_schema(required_field) == NULLABLE_STRING


def test_base64_is_excluded_unless_asked_for() -> None:
    body = describe_field("Body", "base64")
    assert field_schema(body) is None
    assert field_schema(body, include_base64=True) == NULLABLE_STRING


def test_schema_keeps_custom_fields_and_compound_components_in_describe_order() -> None:
    fields = [
        describe_field("Id", "id"),
        describe_field("BillingAddress", "address"),
        describe_field("BillingCity", "string", compoundFieldName="BillingAddress"),
        describe_field("BillingLatitude", "double", compoundFieldName="BillingAddress"),
        describe_field("Logo", "base64"),
        describe_field("Tier__c", "picklist", custom=True),
        describe_field("SystemModstamp", "datetime"),
    ]
    schema = Shape(tuple(field_nodes(fields))).schema()
    assert list(schema["properties"]) == [
        "Id",
        "BillingAddress",
        "BillingCity",
        "BillingLatitude",
        "Tier__c",
        "SystemModstamp",
    ]
    assert schema["properties"]["BillingAddress"] == ADDRESS
    assert schema["required"] == ["Id"]
    with_base64 = Shape(tuple(field_nodes(fields, include_base64=True)))
    assert "Logo" in with_base64.schema(include_base64=True)["properties"]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Id", "LastModifiedDate", "SystemModstamp"], "SystemModstamp"),
        (["Id", "LastModifiedDate"], "LastModifiedDate"),
        (["Id", "CreatedDate"], None),
    ],
)
def test_replication_key_preference(names: list[str], expected: str | None) -> None:
    fields = [describe_field(n, "id" if n == "Id" else "datetime") for n in names]
    assert replication_key_for(fields) == expected


def test_replication_key_must_be_a_datetime() -> None:
    fields = [describe_field("Id", "id"), describe_field("SystemModstamp", "string")]
    assert replication_key_for(fields) is None

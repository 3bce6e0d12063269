"""Record shapes: compound components, Bulk columns, and CSV values typed as REST types them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tap_salesforce_plus.shape import (
    CompoundNode,
    FieldNode,
    ParentNode,
    Shape,
    compound_components,
    field_nodes,
)


def field(name: str, sf_type: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": sf_type, **extra}


FIELDS = [
    field("Id", "id"),
    field("IsActive", "boolean"),
    field("Employees", "int"),
    field("Revenue", "currency"),
    field("Founded", "date"),
    field("Opens", "time"),
    field("SystemModstamp", "datetime"),
    field("BillingAddress", "address"),
    field("BillingStreet", "textarea", compoundFieldName="BillingAddress"),
    field("BillingPostalCode", "string", compoundFieldName="BillingAddress"),
    field("BillingState", "string", compoundFieldName="BillingAddress"),
    field("BillingLatitude", "double", compoundFieldName="BillingAddress"),
    field("Place__c", "location"),
    field("Place__Longitude__s", "double", compoundFieldName="Place__c"),
    field("Place__Latitude__s", "double", compoundFieldName="Place__c"),
    field("Body", "base64"),
]


def test_compound_components_are_keyed_by_suffix_in_rest_order() -> None:
    address, location = FIELDS[7], FIELDS[12]
    assert [key for key, _ in compound_components(address, FIELDS)] == [
        "street", "state", "postalCode", "latitude",
    ]  # fmt: skip
    assert [(k, f["name"]) for k, f in compound_components(location, FIELDS)] == [
        ("latitude", "Place__Latitude__s"),
        ("longitude", "Place__Longitude__s"),
    ]


def test_bulk_columns_replace_compounds_and_add_parent_ids() -> None:
    nodes = field_nodes(FIELDS)
    assert "Body" not in [n.name for n in nodes]
    parent = ParentNode("Owner", "User", (FieldNode("Email", field("Email", "email")),))
    shape = Shape((*nodes, parent))
    terms = shape.rest_terms()
    assert {"BillingAddress", "Place__c"} <= set(terms)
    assert terms[-1] == "Owner.Email"
    columns = shape.bulk_columns()
    assert not {"BillingAddress", "Place__c"} & set(columns)
    assert {"BillingLatitude", "Place__Latitude__s"} <= set(columns)
    assert len(columns) == len(set(columns))
    assert columns[-2:] == ["Owner.Id", "Owner.Email"]
    assert isinstance(shape.node("BillingAddress"), CompoundNode)


def test_csv_values_are_typed_like_rest_values() -> None:
    parent = ParentNode("Owner", "User", (FieldNode("Email", field("Email", "email")),))
    shape = Shape((*field_nodes(FIELDS), parent))
    header = [c.lower() for c in shape.bulk_columns()]  # Salesforce echoes terms as written
    build = shape.csv_builder(header)
    values = {
        "id": "001A",
        "isactive": "true",
        "employees": "12",
        "revenue": "1500000",
        "founded": "2024-07-15",
        "opens": "09:30:00.000Z",
        "systemmodstamp": "2024-07-15T20:18:56.000Z",
        "billingstreet": "1 Main St\nFloor 2",
        "billingpostalcode": "",
        "billingstate": "",
        "billinglatitude": "47.3769",
        "place__latitude__s": "",
        "place__longitude__s": "",
        "owner.id": "",
        "owner.email": "",
    }
    record = build([values[name] for name in header])
    assert record == {
        "Id": "001A",
        "IsActive": True,
        "Employees": 12,
        "Revenue": Decimal("1500000"),
        "Founded": "2024-07-15",
        "Opens": "09:30:00.000Z",
        "SystemModstamp": "2024-07-15T20:18:56.000Z",
        "BillingAddress": {
            "street": "1 Main St\nFloor 2",
            "state": None,
            "postalCode": None,
            "latitude": Decimal("47.3769"),
        },
        "BillingStreet": "1 Main St\nFloor 2",
        "BillingPostalCode": None,
        "BillingState": None,
        "BillingLatitude": Decimal("47.3769"),
        "Place__c": None,
        "Place__Longitude__s": None,
        "Place__Latitude__s": None,
        "Owner": None,
    }
    values.update({"owner.id": "005B", "owner.email": "a@b.c", "employees": "12.0"})
    record = build([values[name] for name in header])
    assert record["Owner"] == {"Email": "a@b.c"}
    assert record["Employees"] == 12

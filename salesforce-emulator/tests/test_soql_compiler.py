"""SOQL compiled to SQLite, run against a small in-memory org built from the demo catalog."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from salesforce_common.soql import Comparison, FieldRef, Literal, and_where, parse_soql
from salesforce_common.soql.date_literals import date_literal_range
from salesforce_emulator.catalog import demo_catalog
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.schema_sql import create_table_sql
from salesforce_emulator.soql import compile_query, compile_soql
from salesforce_emulator.soql.render import plain_number
from salesforce_emulator.values import make_id

CATALOG = demo_catalog()
NOW = dt.datetime(2024, 7, 15, 12, 0, tzinfo=dt.UTC)
API = "64.0"

U1, U2 = make_id("005", 1), make_id("005", 2)
A1, A2, A3, A4, A5 = (make_id("001", n) for n in range(1, 6))
C1, C2, C3, C4 = (make_id("003", n) for n in range(1, 5))
O1, O2, O3 = (make_id("006", n) for n in range(1, 4))
L1 = make_id("00Q", 1)
T1, T2, T3 = (make_id("00T", n) for n in range(1, 4))

ROWS: list[tuple[str, dict[str, object]]] = [
    ("User", {"Id": U1, "FirstName": "Ada", "LastName": "Admin", "Username": "ada@x"}),
    ("User", {"Id": U2, "FirstName": "Bob", "LastName": "Builder", "Username": "bob@x"}),
    (
        "Account",
        {
            "Id": A1,
            "Name": "Acme Corp",
            "OwnerId": U1,
            "Industry": "Technology",
            "AnnualRevenue": 2e8,
            "NumberOfEmployees": 500,
            "BillingStreet": "1 Rue de Rivoli",
            "BillingCity": "Paris",
            "BillingPostalCode": "75001",
            "BillingCountry": "France",
            "BillingLatitude": 48.8566,
            "BillingLongitude": 2.3522,
            "Headquarters__Latitude__s": 48.8566,
            "Headquarters__Longitude__s": 2.3522,
            "CreatedDate": "2024-01-10T08:00:00.000+0000",
            "Customer_Tier__c": "Gold",
            "Health_Score__c": 87.5,
        },
    ),
    (
        "Account",
        {
            "Id": A2,
            "Name": "globex",
            "OwnerId": U2,
            "ParentId": A1,
            "AnnualRevenue": 5e6,
            "CreatedDate": "2024-03-01T12:00:00.000+0000",
        },
    ),
    (
        "Account",
        {
            "Id": A3,
            "Name": "Initech",
            "OwnerId": U1,
            "Industry": "Finance",
            "AnnualRevenue": 2e7,
            "CreatedDate": "2023-12-31T23:59:59.000+0000",
        },
    ),
    (
        "Account",
        {
            "Id": A4,
            "Name": "Deleted Co",
            "OwnerId": U1,
            "Industry": "Technology",
            "IsDeleted": 1,
            "CreatedDate": "2024-02-01T00:00:00.000+0000",
        },
    ),
    ("Account", {"Id": A5, "Name": "50% Off_Sale"}),
    (
        "Contact",
        {
            "Id": C1,
            "FirstName": "Jo",
            "LastName": "Smith",
            "AccountId": A1,
            "Email": "JO.SMITH@example.com",
            "HasOptedOutOfEmail": 0,
            "Interests__c": "AI;Cloud",
            "Birthdate": "1990-05-01",
            "Lifetime_Value__c": 1200.5,
            "Preferred_Contact_Time__c": "09:30:00.000Z",
            "Title": "CEO",
            "MailingCity": "Lyon",
            "MailingCountry": "France",
            "CreatedDate": "2024-07-15T09:00:00.000+0000",
        },
    ),
    (
        "Contact",
        {
            "Id": C2,
            "FirstName": "Ann",
            "LastName": "Lee",
            "AccountId": A2,
            "HasOptedOutOfEmail": 1,
            "Interests__c": "Security",
            "ReportsToId": C1,
            "Birthdate": "2001-02-03",
            "CreatedDate": "2024-07-14T23:00:00.000+0000",
        },
    ),
    (
        "Contact",
        {
            "Id": C3,
            "FirstName": "Max",
            "LastName": "Mustermann",
            "Email": "max@example.org",
            "HasOptedOutOfEmail": 0,
            "Title": "cto",
            "CreatedDate": "2024-07-01T00:00:00.000+0000",
        },
    ),
    (
        "Contact",
        {
            "Id": C4,
            "LastName": "Gone",
            "AccountId": A1,
            "IsDeleted": 1,
            "CreatedDate": "2024-07-15T10:00:00.000+0000",
        },
    ),
    (
        "Opportunity",
        {
            "Id": O1,
            "Name": "Big Deal",
            "AccountId": A1,
            "Amount": 1000,
            "Probability": 50,
            "CloseDate": "2024-07-16",
            "StageName": "Prospecting",
            "IsWon": 0,
        },
    ),
    (
        "Opportunity",
        {
            "Id": O2,
            "Name": "Small",
            "AccountId": A3,
            "Probability": 10,
            "CloseDate": "2024-07-15",
            "StageName": "Closed Won",
            "IsWon": 1,
        },
    ),
    (
        "Opportunity",
        {
            "Id": O3,
            "Name": "Closed",
            "AccountId": A1,
            "Amount": 200,
            "CloseDate": "2024-07-20",
            "StageName": "Closed Lost",
            "IsWon": 0,
        },
    ),
    ("Lead", {"Id": L1, "FirstName": "Lara", "LastName": "Lead", "Company": "LeadCo"}),
    ("Task", {"Id": T1, "Subject": "Call", "WhoId": C1, "WhatId": A1}),
    ("Task", {"Id": T2, "Subject": "Send Letter", "WhoId": L1}),
    ("Task", {"Id": T3, "Subject": "Other"}),
]


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    for obj in CATALOG:
        for statement in create_table_sql(obj):
            conn.execute(statement)
    for table, given in ROWS:
        values = dict(given)
        obj = CATALOG.get(table)
        assert obj is not None
        if obj.has_field("IsDeleted"):
            values = {"IsDeleted": 0, **given}
        columns = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join("?" * len(values))
        conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', tuple(values.values()))
    yield conn
    conn.close()


def run(db, soql, *, include_deleted=False, hidden=frozenset()) -> list[dict[str, Any]]:
    """Compile, snapshot the rowids, fetch them and render JSON records."""
    compiled = compile_soql(
        soql, CATALOG, include_deleted=include_deleted, hidden_fields=hidden, now=NOW
    )
    rowids = [row[0] for row in db.execute(compiled.ids_sql, compiled.params)]
    count = db.execute(compiled.count_sql, compiled.params).fetchone()[0]
    assert count == len(rowids)
    return [compiled.render_json(row, API) for row in compiled.fetch_page(db, rowids)]


def column(db, soql, key="Name", **kw) -> list[object]:
    return [record[key] for record in run(db, soql, **kw)]


def api_error(soql, **kw) -> SalesforceApiError:
    with pytest.raises(SalesforceApiError) as raised:
        compile_soql(soql, CATALOG, include_deleted=False, now=NOW, **kw)
    assert raised.value.status == 400
    return raised.value


def url(sf_type: str, record_id: str) -> str:
    return f"/services/data/v{API}/sobjects/{sf_type}/{record_id}"


# --- filtering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ("Name = 'ACME CORP'", ["Acme Corp"]),
        ("Name IN ('GLOBEX', 'initech')", ["globex", "Initech"]),
        ("Name LIKE 'acme%'", ["Acme Corp"]),
        ("Name LIKE '%CORP'", ["Acme Corp"]),
        ("Name LIKE '_lobex'", ["globex"]),
        ("Name LIKE '%\\%%'", ["50% Off_Sale"]),
        ("Name LIKE '%\\_%'", ["50% Off_Sale"]),
        ("Name > 'h'", ["Initech"]),
        ("Industry = null", ["50% Off_Sale", "globex"]),
        ("Industry = ''", ["50% Off_Sale", "globex"]),
        ("Industry != null", ["Acme Corp", "Initech"]),
        ("Industry != 'finance'", ["50% Off_Sale", "Acme Corp", "globex"]),
        ("Industry <> 'Finance'", ["50% Off_Sale", "Acme Corp", "globex"]),
        ("Industry NOT IN ('Technology')", ["50% Off_Sale", "globex", "Initech"]),
        ("Industry NOT IN ('Technology', null)", ["Initech"]),
        ("Industry IN ('Finance', null)", ["50% Off_Sale", "globex", "Initech"]),
        ("Name = 'Acme Corp' OR Name = 'globex'", ["Acme Corp", "globex"]),
        (
            "AnnualRevenue > 1000000 AND (Industry = 'Finance' OR Industry = null)",
            ["globex", "Initech"],
        ),
        (
            "(AnnualRevenue > 1000000 AND Industry = 'Finance') OR Industry = null",
            ["50% Off_Sale", "globex", "Initech"],
        ),
        ("NOT Industry = 'Finance'", ["50% Off_Sale", "Acme Corp", "globex"]),
        ("NOT (Industry = 'Finance' OR Industry = 'Technology')", ["50% Off_Sale", "globex"]),
        ("NOT AnnualRevenue > 10000000", ["50% Off_Sale", "globex"]),
        ("Revenue_Band__c = 'enterprise'", ["Acme Corp"]),
        ("Revenue_Band__c = null", ["50% Off_Sale"]),
        ("Parent.Name = 'Acme Corp'", ["globex"]),
        ("Owner.Name = 'bob builder'", ["globex"]),
        ("Owner.LastName LIKE 'adm%'", ["Acme Corp", "Initech"]),
        ("OwnerId = null", ["50% Off_Sale"]),
        (f"OwnerId = '{U2}'", ["globex"]),
        (f"Id = '{A1[:15]}'", ["Acme Corp"]),
        (f"Id IN ('{A1}', '{A3}')", ["Acme Corp", "Initech"]),
        ("CreatedDate >= 2024-01-01T00:00:00Z", ["Acme Corp", "globex"]),
        ("CreatedDate < 2024-01-01T01:00:00+01:00", ["Initech"]),
        ("CreatedDate = 2024-03-01T04:00:00-0800", ["globex"]),
        ("CreatedDate = 2024-03-01T12:00:00.000+0000", ["globex"]),
        ("CreatedDate = null", ["50% Off_Sale"]),
        ("Customer_Tier__c IN ('gold')", ["Acme Corp"]),
        ("NumberOfEmployees >= 100", ["Acme Corp"]),
        ("Health_Score__c = 87.5", ["Acme Corp"]),
        ("BillingCity = 'paris'", ["Acme Corp"]),
        ("IsDeleted = false", ["50% Off_Sale", "Acme Corp", "globex", "Initech"]),
    ],
)
def test_account_filters(db, where, names):
    assert column(db, f"SELECT Name FROM Account WHERE {where} ORDER BY Name") == names


@pytest.mark.parametrize(
    ("where", "last_names"),
    [
        ("Email = 'jo.smith@EXAMPLE.com'", ["Smith"]),
        ("Email IN ('MAX@example.ORG', 'nobody@x')", ["Mustermann"]),
        ("Email != null", ["Mustermann", "Smith"]),
        ("Title = 'CTO'", ["Mustermann"]),
        ("HasOptedOutOfEmail = true", ["Lee"]),
        ("HasOptedOutOfEmail = false", ["Mustermann", "Smith"]),
        ("HasOptedOutOfEmail != true", ["Mustermann", "Smith"]),
        ("Interests__c INCLUDES ('cloud')", ["Smith"]),
        ("Interests__c INCLUDES ('AI;Cloud', 'Security')", ["Lee", "Smith"]),
        ("Interests__c INCLUDES ('AI;Security')", []),
        ("Interests__c EXCLUDES ('AI')", ["Lee", "Mustermann"]),
        ("Interests__c = 'ai;cloud'", ["Smith"]),
        ("Account.Name = 'acme corp'", ["Smith"]),
        ("Account.Owner.Name = 'Ada Admin'", ["Smith"]),
        ("Account.Parent.Name = 'Acme Corp'", ["Lee"]),
        ("Account_Name__c = 'GLOBEX'", ["Lee"]),
        ("ReportsTo.LastName = 'Smith'", ["Lee"]),
        ("AccountId = null", ["Mustermann"]),
        ("Account.Name != 'Acme Corp'", ["Lee", "Mustermann"]),
        ("Name = 'jo smith'", ["Smith"]),
        ("CreatedDate = TODAY", ["Smith"]),
        ("CreatedDate = YESTERDAY", ["Lee"]),
        ("CreatedDate > YESTERDAY", ["Smith"]),
        ("CreatedDate < TODAY", ["Lee", "Mustermann"]),
        ("CreatedDate = LAST_N_DAYS:30", ["Lee", "Mustermann", "Smith"]),
        ("CreatedDate < LAST_N_DAYS:7", ["Mustermann"]),
        ("CreatedDate != TODAY", ["Lee", "Mustermann"]),
        ("CreatedDate IN (TODAY, YESTERDAY)", ["Lee", "Smith"]),
        ("CreatedDate = THIS_MONTH", ["Lee", "Mustermann", "Smith"]),
        ("Birthdate < 2000-01-01", ["Smith"]),
        ("Birthdate IN (2001-02-03, 1990-05-01)", ["Lee", "Smith"]),
        ("Preferred_Contact_Time__c = 09:30:00Z", ["Smith"]),
        ("Preferred_Contact_Time__c = 03:30:00.000-06:00", ["Smith"]),
        ("Preferred_Contact_Time__c > 10:00:00.000Z", []),
        ("Lifetime_Value__c > 1000", ["Smith"]),
    ],
)
def test_contact_filters(db, where, last_names):
    soql = f"SELECT LastName FROM Contact WHERE {where} ORDER BY LastName"
    assert column(db, soql, "LastName") == last_names


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ("CloseDate = TODAY", ["Small"]),
        ("CloseDate = TOMORROW", ["Big Deal"]),
        ("CloseDate = NEXT_N_DAYS:7", ["Big Deal", "Closed"]),
        ("CloseDate > TODAY", ["Big Deal", "Closed"]),
        ("CloseDate <= TODAY", ["Small"]),
        ("CloseDate >= 2024-07-16", ["Big Deal", "Closed"]),
        ("ExpectedRevenue > 100", ["Big Deal"]),
        ("ExpectedRevenue = null", ["Small"]),
        ("Account.Revenue_Band__c = 'Mid-Market'", ["Small"]),
        ("IsWon = true", ["Small"]),
        ("Amount = null", ["Small"]),
    ],
)
def test_opportunity_filters(db, where, names):
    assert column(db, f"SELECT Name FROM Opportunity WHERE {where} ORDER BY Name") == names


# --- ordering and paging --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "names"),
    [
        ("ORDER BY Name", ["50% Off_Sale", "Acme Corp", "globex", "Initech"]),
        ("ORDER BY Name DESC", ["Initech", "globex", "Acme Corp", "50% Off_Sale"]),
        ("ORDER BY Industry", ["globex", "50% Off_Sale", "Initech", "Acme Corp"]),
        ("ORDER BY Industry NULLS LAST", ["Initech", "Acme Corp", "globex", "50% Off_Sale"]),
        ("ORDER BY Industry DESC", ["Acme Corp", "Initech", "globex", "50% Off_Sale"]),
        ("ORDER BY Industry DESC NULLS FIRST", ["globex", "50% Off_Sale", "Acme Corp", "Initech"]),
        ("ORDER BY Owner.Name, Name", ["50% Off_Sale", "Acme Corp", "Initech", "globex"]),
        ("ORDER BY Revenue_Band__c DESC, Name", ["globex", "Initech", "Acme Corp", "50% Off_Sale"]),
        ("ORDER BY Name LIMIT 2", ["50% Off_Sale", "Acme Corp"]),
        ("ORDER BY Name LIMIT 2 OFFSET 1", ["Acme Corp", "globex"]),
        ("ORDER BY Name OFFSET 3", ["Initech"]),
        ("ORDER BY Name LIMIT 0", []),
        ("", ["Acme Corp", "globex", "Initech", "50% Off_Sale"]),
        ("LIMIT 1", ["Acme Corp"]),
    ],
)
def test_order_limit_offset(db, tail, names):
    assert column(db, f"SELECT Name FROM Account {tail}") == names


def test_order_by_formula_number(db):
    soql = "SELECT Name, ExpectedRevenue FROM Opportunity ORDER BY ExpectedRevenue DESC"
    records = run(db, soql)
    assert [(r["Name"], r["ExpectedRevenue"]) for r in records] == [
        ("Big Deal", 500.0),
        ("Closed", 0.0),
        ("Small", None),
    ]
    assert isinstance(records[1]["ExpectedRevenue"], float)


def test_fetch_page_keeps_snapshot_order_and_skips_missing(db):
    compiled = compile_soql("SELECT Name FROM Account", CATALOG, include_deleted=False)
    rowids = [row[0] for row in db.execute(compiled.ids_sql, compiled.params)]
    page = compiled.fetch_page(db, [*reversed(rowids), 99999])
    assert [row[0] for row in page] == list(reversed(rowids))
    assert compiled.rows_sql(3).endswith("IN (?, ?, ?)")


# --- queryAll and deleted rows --------------------------------------------------------------


@pytest.mark.parametrize(
    ("soql", "include_deleted", "expected"),
    [
        ("SELECT Name FROM Account WHERE IsDeleted = true", False, []),
        ("SELECT Name FROM Account WHERE IsDeleted = true", True, ["Deleted Co"]),
        ("SELECT Name FROM Account WHERE Industry = 'Technology'", False, ["Acme Corp"]),
        (
            "SELECT Name FROM Account WHERE Industry = 'Technology'",
            True,
            ["Acme Corp", "Deleted Co"],
        ),
        ("SELECT Name FROM User ORDER BY Name", False, ["Ada Admin", "Bob Builder"]),
        ("SELECT Name FROM User ORDER BY Name", True, ["Ada Admin", "Bob Builder"]),
    ],
)
def test_query_and_query_all(db, soql, include_deleted, expected):
    assert column(db, soql, include_deleted=include_deleted) == expected


def test_objects_without_is_deleted_have_no_deleted_filter():
    compiled = compile_soql("SELECT Id FROM UserRole", CATALOG, include_deleted=False)
    assert "IsDeleted" not in compiled.ids_sql
    assert (
        "IsDeleted" in compile_soql("SELECT Id FROM Lead", CATALOG, include_deleted=False).ids_sql
    )


# --- counting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("soql", "include_deleted", "total"),
    [
        ("SELECT COUNT() FROM Account", False, 4),
        ("SELECT COUNT() FROM Account", True, 5),
        ("SELECT COUNT() FROM Account WHERE Industry = null", False, 2),
        ("SELECT COUNT() FROM Account LIMIT 2", False, 2),
        ("SELECT COUNT() FROM Account LIMIT 10 OFFSET 3", False, 1),
        ("SELECT COUNT() FROM Contact WHERE Account.Name = 'Acme Corp'", True, 2),
    ],
)
def test_count_all(db, soql, include_deleted, total):
    compiled = compile_soql(soql, CATALOG, include_deleted=include_deleted, now=NOW)
    assert compiled.is_count
    assert not compiled.is_aggregate
    assert db.execute(compiled.count_sql, compiled.params).fetchone()[0] == total


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT COUNT(Id) FROM Account", {"expr0": 4}),
        ("SELECT COUNT(Id) total FROM Account WHERE Industry != null", {"total": 2}),
        ("SELECT COUNT(Id) n, COUNT(Industry) FROM Account", {"n": 4, "expr0": 2}),
        ("SELECT COUNT(Id), COUNT(Account.Name) FROM Contact", {"expr0": 3, "expr1": 2}),
    ],
)
def test_count_aggregate(db, soql, expected):
    compiled = compile_soql(soql, CATALOG, include_deleted=False, now=NOW)
    assert compiled.is_aggregate
    assert not compiled.is_count
    assert compiled.aggregate_sql is not None
    row = db.execute(compiled.aggregate_sql, compiled.params).fetchone()
    assert compiled.render_aggregate(row) == {"attributes": {"type": "AggregateResult"}, **expected}


# --- rendering ------------------------------------------------------------------------------


def test_render_full_contact(db):
    soql = (
        "SELECT Id, Name, Email, HasOptedOutOfEmail, Birthdate, CreatedDate, Lifetime_Value__c, "
        "Preferred_Contact_Time__c, Interests__c, Account.Name, Account.Owner.Name, "
        f"Account_Name__c, MailingAddress FROM Contact WHERE Id = '{C1}'"
    )
    [record] = run(db, soql)
    assert record == {
        "attributes": {"type": "Contact", "url": url("Contact", C1)},
        "Id": C1,
        "Name": "Jo Smith",
        "Email": "JO.SMITH@example.com",
        "HasOptedOutOfEmail": False,
        "Birthdate": "1990-05-01",
        "CreatedDate": "2024-07-15T09:00:00.000+0000",
        "Lifetime_Value__c": 1200.5,
        "Preferred_Contact_Time__c": "09:30:00.000Z",
        "Interests__c": "AI;Cloud",
        "Account": {
            "attributes": {"type": "Account", "url": url("Account", A1)},
            "Name": "Acme Corp",
            "Owner": {
                "attributes": {"type": "User", "url": url("User", U1)},
                "Name": "Ada Admin",
            },
        },
        "Account_Name__c": "Acme Corp",
        "MailingAddress": {
            "street": None,
            "city": "Lyon",
            "state": None,
            "postalCode": None,
            "country": "France",
            "latitude": None,
            "longitude": None,
            "geocodeAccuracy": None,
        },
    }
    assert list(record) == [
        "attributes", "Id", "Name", "Email", "HasOptedOutOfEmail", "Birthdate", "CreatedDate",
        "Lifetime_Value__c", "Preferred_Contact_Time__c", "Interests__c", "Account",
        "Account_Name__c", "MailingAddress",
    ]  # fmt: skip


def test_render_null_parent_and_empty_compound(db):
    soql = f"SELECT LastName, Account.Name, MailingAddress FROM Contact WHERE Id = '{C3}'"
    assert run(db, soql) == [
        {
            "attributes": {"type": "Contact", "url": url("Contact", C3)},
            "LastName": "Mustermann",
            "Account": None,
            "MailingAddress": None,
        }
    ]


@pytest.mark.parametrize(
    ("account", "parent"),
    [
        (
            A2,
            {
                "attributes": {"type": "Account", "url": url("Account", A1)},
                "Name": "Acme Corp",
                "Owner": {
                    "attributes": {"type": "User", "url": url("User", U1)},
                    "Name": "Ada Admin",
                },
            },
        ),
        (A1, None),
    ],
)
def test_render_two_level_parent(db, account, parent):
    soql = f"SELECT Parent.Name, Parent.Owner.Name FROM Account WHERE Id = '{account}'"
    assert run(db, soql)[0]["Parent"] == parent


def test_render_parent_present_but_grandparent_missing(db):
    soql = f"SELECT Id, Account.Owner.Name, Account.Name FROM Opportunity WHERE Id = '{O1}'"
    [record] = run(db, soql)
    assert list(record["Account"]) == ["attributes", "Owner", "Name"]
    soql = f"SELECT Name, Parent.Owner.Name FROM Account WHERE Id = '{A2}'"
    assert run(db, soql)[0]["Parent"]["Owner"]["Name"] == "Ada Admin"


def test_render_uses_canonical_names(db):
    [record] = run(
        db, f"select lastname, account.name, ACCOUNT.owner.NAME from contact where id = '{C1}'"
    )
    assert list(record) == ["attributes", "LastName", "Account"]
    assert list(record["Account"]) == ["attributes", "Name", "Owner"]
    assert record["Account"]["Owner"]["Name"] == "Ada Admin"


def test_object_name_prefix_is_accepted(db):
    assert column(db, "SELECT Account.Name FROM Account WHERE Account.Name = 'globex'") == [
        "globex"
    ]


def test_render_typed_values_and_compounds(db):
    soql = (
        "SELECT NumberOfEmployees, AnnualRevenue, Health_Score__c, IsDeleted, BillingAddress, "
        f"Headquarters__c, Revenue_Band__c FROM Account WHERE Id = '{A1}'"
    )
    [record] = run(db, soql)
    assert record["NumberOfEmployees"] == 500
    assert type(record["NumberOfEmployees"]) is int
    assert record["AnnualRevenue"] == 2e8
    assert type(record["AnnualRevenue"]) is float
    assert record["Health_Score__c"] == 87.5
    assert record["IsDeleted"] is False
    assert record["BillingAddress"] == {
        "street": "1 Rue de Rivoli",
        "city": "Paris",
        "state": None,
        "postalCode": "75001",
        "country": "France",
        "latitude": 48.8566,
        "longitude": 2.3522,
        "geocodeAccuracy": None,
    }
    assert record["Headquarters__c"] == {"latitude": 48.8566, "longitude": 2.3522}
    assert record["Revenue_Band__c"] == "Enterprise"


def test_render_polymorphic_relationships(db):
    soql = "SELECT Subject, Who.Name, Who.Type, Who.Id, What.Name FROM Task ORDER BY Subject"
    records = run(db, soql)
    assert [r["Who"] for r in records] == [
        {
            "attributes": {"type": "Name", "url": url("Contact", C1)},
            "Name": "Jo Smith",
            "Type": "Contact",
            "Id": C1,
        },
        None,
        {
            "attributes": {"type": "Name", "url": url("Lead", L1)},
            "Name": "Lara Lead",
            "Type": "Lead",
            "Id": L1,
        },
    ]
    # Salesforce types a polymorphic parent as the Name entity; its url names the real object.
    assert records[0]["What"] == {
        "attributes": {"type": "Name", "url": url("Account", A1)},
        "Name": "Acme Corp",
    }
    assert column(db, "SELECT Subject FROM Task WHERE Who.Type = 'lead'", "Subject") == [
        "Send Letter"
    ]
    assert column(db, "SELECT Subject FROM Task WHERE Who.Name LIKE 'jo%'", "Subject") == ["Call"]


def test_api_version_with_v_prefix(db):
    compiled = compile_soql(
        f"SELECT Id FROM Account WHERE Id = '{A1}'", CATALOG, include_deleted=False
    )
    row = compiled.fetch_page(db, [db.execute(compiled.ids_sql, compiled.params).fetchone()[0]])[0]
    assert compiled.render_json(row, "v58.0")["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v58.0/sobjects/Account/{A1}",
    }


@pytest.mark.parametrize(
    ("soql", "selects_compound", "has_relationships"),
    [
        ("SELECT Id FROM Account", False, False),
        ("SELECT BillingAddress FROM Account", True, False),
        ("SELECT Account.BillingAddress FROM Contact", True, True),
        ("SELECT Id FROM Contact WHERE Account.Name = 'x'", False, True),
        ("SELECT Id FROM Contact ORDER BY Account.Name", False, True),
    ],
)
def test_flags(soql, selects_compound, has_relationships):
    compiled = compile_soql(soql, CATALOG, include_deleted=False)
    assert compiled.selects_compound is selects_compound
    assert compiled.has_relationships is has_relationships


def test_joins_only_where_needed():
    compiled = compile_soql(
        "SELECT Account.Name, Account.Industry FROM Contact", CATALOG, include_deleted=False
    )
    assert "JOIN" not in compiled.ids_sql
    assert "JOIN" not in compiled.count_sql
    assert compiled.rows_sql(1).count('LEFT JOIN "Account"') == 1
    filtered = compile_soql(
        "SELECT Id FROM Contact WHERE Account.Owner.Name = 'x'", CATALOG, include_deleted=False
    )
    assert filtered.ids_sql.count("LEFT JOIN") == 2
    assert "JOIN" not in filtered.rows_sql(1)


# --- Bulk CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_id", "values"),
    [
        (
            C1,
            [C1, "Jo Smith", "Acme Corp", "false", "2024-07-15T09:00:00.000Z", "1990-05-01",
             "1200.5", "09:30:00.000Z", "AI;Cloud", "JO.SMITH@example.com"],
        ),
        (
            C3,
            [C3, "Max Mustermann", "", "false", "2024-07-01T00:00:00.000Z", "", "", "", "",
             "max@example.org"],
        ),
    ],
)  # fmt: skip
def test_render_csv(db, record_id, values):
    soql = (
        "SELECT Id, Name, account.Name, HasOptedOutOfEmail, CreatedDate, Birthdate, "
        "Lifetime_Value__c, Preferred_Contact_Time__c, Interests__c, Email "
        f"FROM Contact WHERE Id = '{record_id}'"
    )
    compiled = compile_soql(soql, CATALOG, include_deleted=False)
    assert compiled.csv_header == [
        "Id", "Name", "account.Name", "HasOptedOutOfEmail", "CreatedDate", "Birthdate",
        "Lifetime_Value__c", "Preferred_Contact_Time__c", "Interests__c", "Email",
    ]  # fmt: skip
    rowids = [row[0] for row in db.execute(compiled.ids_sql, compiled.params)]
    assert [compiled.render_csv(row) for row in compiled.fetch_page(db, rowids)] == [values]


def test_render_csv_numbers(db):
    soql = (
        "SELECT AnnualRevenue, NumberOfEmployees, Health_Score__c, IsDeleted "
        f"FROM Account WHERE Id = '{A1}'"
    )
    compiled = compile_soql(soql, CATALOG, include_deleted=False)
    rowids = [row[0] for row in db.execute(compiled.ids_sql, compiled.params)]
    [row] = compiled.fetch_page(db, rowids)
    # Doubles (currency, percent, double) in Java's Double.toString form; int fields plain.
    assert compiled.render_csv(row) == ["2.0E8", "500", "87.5", "false"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, "12"), (1.0, "1"), (0.1, "0.1"), (1e-7, "0.0000001"), (2e20, "200000000000000000000"),
     (-3.5, "-3.5"), (1234567.891, "1234567.891")],
)  # fmt: skip
def test_plain_number(value, expected):
    assert plain_number(value) == expected


# --- literals and date ranges ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "stored"),
    [
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000+0000"),
        ("2024-01-01T00:00:00+05:00", "2023-12-31T19:00:00.000+0000"),
        ("2024-01-01T00:00:00-0800", "2024-01-01T08:00:00.000+0000"),
        ("2024-01-01T00:00:00.000+0000", "2024-01-01T00:00:00.000+0000"),
        ("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.500+0000"),
    ],
)
def test_datetime_literals_are_normalised(literal, stored):
    compiled = compile_soql(
        f"SELECT Id FROM Account WHERE CreatedDate > {literal}", CATALOG, include_deleted=False
    )
    assert compiled.params == (stored,)


@pytest.mark.parametrize(
    ("literal", "today", "expected"),
    [
        ("TODAY", "2024-07-17", ("2024-07-17", "2024-07-18")),
        ("YESTERDAY", "2024-07-17", ("2024-07-16", "2024-07-17")),
        ("TOMORROW", "2024-07-17", ("2024-07-18", "2024-07-19")),
        ("LAST_WEEK", "2024-07-17", ("2024-07-07", "2024-07-14")),
        ("THIS_WEEK", "2024-07-17", ("2024-07-14", "2024-07-21")),
        ("THIS_WEEK", "2024-07-14", ("2024-07-14", "2024-07-21")),
        ("NEXT_WEEK", "2024-07-17", ("2024-07-21", "2024-07-28")),
        ("LAST_MONTH", "2024-01-17", ("2023-12-01", "2024-01-01")),
        ("THIS_MONTH", "2024-07-17", ("2024-07-01", "2024-08-01")),
        ("NEXT_MONTH", "2024-12-05", ("2025-01-01", "2025-02-01")),
        ("THIS_QUARTER", "2024-08-17", ("2024-07-01", "2024-10-01")),
        ("LAST_QUARTER", "2024-02-17", ("2023-10-01", "2024-01-01")),
        ("THIS_YEAR", "2024-07-17", ("2024-01-01", "2025-01-01")),
        ("LAST_90_DAYS", "2024-07-17", ("2024-04-18", "2024-07-18")),
        ("LAST_N_DAYS:7", "2024-07-17", ("2024-07-10", "2024-07-18")),
        ("NEXT_N_DAYS:3", "2024-07-17", ("2024-07-18", "2024-07-21")),
        ("N_DAYS_AGO:2", "2024-07-17", ("2024-07-15", "2024-07-16")),
        ("LAST_N_WEEKS:2", "2024-07-17", ("2024-06-30", "2024-07-14")),
        ("NEXT_N_MONTHS:2", "2024-11-17", ("2024-12-01", "2025-02-01")),
        ("LAST_N_MONTHS:2", "2024-07-17", ("2024-05-01", "2024-07-01")),
        ("LAST_N_YEARS:1", "2024-07-17", ("2023-01-01", "2024-01-01")),
        ("N_YEARS_AGO:2", "2024-07-17", ("2022-01-01", "2023-01-01")),
    ],
)
def test_date_literal_ranges(literal, today, expected):
    start, end = date_literal_range(literal, dt.date.fromisoformat(today))
    assert (start.isoformat(), end.isoformat()) == expected


def test_date_literal_ranges_on_datetime_fields_use_utc_midnight():
    compiled = compile_soql(
        "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:2",
        CATALOG,
        include_deleted=False,
        now=NOW,
    )
    assert compiled.params == ("2024-07-13T00:00:00.000+0000", "2024-07-16T00:00:00.000+0000")


# --- errors ---------------------------------------------------------------------------------

FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names."
)


def test_unknown_field_message_matches_salesforce():
    error = api_error("SELECT Id, Foo FROM Account")
    assert error.error_code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\n"
        f"No such column 'Foo' on entity 'Account'. {FIELD_HINT}"
    )


FIELD, FILTER, MALFORMED = "INVALID_FIELD", "INVALID_QUERY_FILTER_OPERATOR", "MALFORMED_QUERY"
DATETIME_MESSAGE = (
    "value of filter criterion for field 'CreatedDate' must be of type dateTime "
    "and should not be enclosed in quotes"
)


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FROM Foo", "INVALID_TYPE", "sObject type 'Foo' is not supported"),
        ("SELECT Id FROM Account WHERE", MALFORMED, "unexpected token: <EOF>"),
        ("SELECT Id FROM Account LIMIT x", MALFORMED, "unexpected token: 'x'"),
        ("SELECT Account.Foo FROM Contact", FIELD, "No such column 'Foo' on entity 'Account'"),
        ("SELECT Foo.Name FROM Contact", FIELD, "Didn't understand relationship 'Foo'"),
        ("SELECT Account FROM Contact", FIELD, "No such column 'Account' on entity 'Contact'"),
        ("SELECT Name.Id FROM Contact", FIELD, "Didn't understand relationship 'Name'"),
        ("SELECT Who.Email FROM Task", FIELD, "No such column 'Email' on entity 'Name'"),
        ("SELECT What.Owner.Name FROM Task", FIELD, "Didn't understand relationship 'Owner'"),
        ("SELECT Id FROM Account WHERE Foo = 1", FIELD, "No such column 'Foo'"),
        ("SELECT Id FROM Account ORDER BY Foo", FIELD, "No such column 'Foo'"),
        ("SELECT Id, Name, id FROM Account", MALFORMED, "duplicate field selected: id"),
        ("SELECT Account.Name, account.name FROM Contact", MALFORMED, "selected: account.name"),
        ("SELECT Id, COUNT() FROM Account", MALFORMED, "COUNT() must be the only element"),
        ("SELECT Name, COUNT(Id) FROM Account", MALFORMED, "must be grouped or aggregated: Name"),
        ("SELECT COUNT(Id) a, COUNT(Name) a FROM Account", MALFORMED, "duplicate alias: a"),
        ("SELECT COUNT(BillingAddress) FROM Account", FIELD, "can not be aggregated"),
        (
            "SELECT Id FROM Account OFFSET 2001",
            "NUMBER_OUTSIDE_VALID_RANGE",
            "offset allowed is 2000",
        ),
        ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01", FILTER, DATETIME_MESSAGE),
        ("SELECT Id FROM Account WHERE CreatedDate > '2024-01-01T00:00:00Z'", FILTER, "dateTime"),
        ("SELECT Id FROM Opportunity WHERE CloseDate > 2024-01-01T00:00:00Z", FILTER, "type date "),
        ("SELECT Id FROM Opportunity WHERE CloseDate = '2024-01-01'", FILTER, "type date "),
        ("SELECT Id FROM Account WHERE Name = 5", FILTER, "string and should be enclosed"),
        ("SELECT Id FROM Account WHERE Name IN ('a', TODAY)", FILTER, "type string"),
        ("SELECT Id FROM Account WHERE AnnualRevenue = '5'", FILTER, "type double"),
        ("SELECT Id FROM Account WHERE NumberOfEmployees = '5'", FILTER, "type integer"),
        ("SELECT Id FROM Account WHERE IsDeleted = 'true'", FILTER, "boolean and should not"),
        ("SELECT Id FROM Account WHERE IsDeleted = 1", FILTER, "type boolean"),
        ("SELECT Id FROM Account WHERE Id = 'abc'", FILTER, "invalid ID field: abc"),
        ("SELECT Id FROM Account WHERE OwnerId = 5", FILTER, "type id and should be enclosed"),
        ("SELECT Id FROM Contact WHERE Preferred_Contact_Time__c = '01:00:00Z'", FILTER, "time"),
        ("SELECT Id FROM Contact WHERE Birthdate = 01:00:00Z", FILTER, "type date and"),
        ("SELECT Id FROM Account WHERE BillingAddress = null", FIELD, "can not be filtered"),
        ("SELECT Id FROM Account WHERE Description = 'x'", FIELD, "can not be filtered"),
        ("SELECT Id FROM Account ORDER BY BillingAddress", FIELD, "can not be sorted"),
        ("SELECT Id FROM Contact ORDER BY Interests__c", FIELD, "can not be sorted"),
        ("SELECT Id FROM Account WHERE Name INCLUDES ('x')", FILTER, "only valid on multipicklist"),
        ("SELECT Id FROM Contact WHERE Interests__c INCLUDES (5)", FILTER, "type string"),
        ("SELECT Id FROM Account WHERE AnnualRevenue LIKE '5%'", FILTER, "invalid operator"),
        ("SELECT Id FROM Account WHERE Name LIKE 5", FILTER, "type string"),
        ("SELECT Id FROM " + "Account " * 12500, MALFORMED, "cannot be longer than 100,000"),
    ],
)
def test_errors(soql, code, fragment):
    error = api_error(soql)
    assert error.error_code == code
    assert fragment in error.message
    assert error.body() == [{"message": error.message, "errorCode": code}]


@pytest.mark.parametrize(
    ("soql", "row", "column_number"),
    [
        ("SELECT Id FROM Foo", 1, 16),
        ("SELECT Id\nFROM Account\nWHERE CreatedDate > 2024-01-01", 3, 21),
        ("SELECT Id, Account.Bogus FROM Contact", 1, 20),
        ("SELECT Id, Bogus.Name FROM Contact", 1, 12),
        ("SELECT Id FROM Account WHERE Id = 'x'", 1, 35),
        ("SELECT Id FROM Account WHERE (Name = 'x'", 1, 41),
    ],
)
def test_error_positions(soql, row, column_number):
    assert f"ERROR at Row:{row}:Column:{column_number}\n" in api_error(soql).message


def test_offset_at_the_cap_is_allowed(db):
    assert column(db, "SELECT Name FROM Account ORDER BY Name OFFSET 2000") == []


# --- field-level security -------------------------------------------------------------------

HIDDEN = frozenset({("account", "industry"), ("contact", "accountid"), ("account", "billingcity")})


@pytest.mark.parametrize(
    ("soql", "fragment"),
    [
        ("SELECT Industry FROM Account", "No such column 'Industry' on entity 'Account'"),
        ("SELECT Id FROM Account WHERE Industry = 'x'", "No such column 'Industry'"),
        ("SELECT Id FROM Account ORDER BY Industry", "No such column 'Industry'"),
        ("SELECT Id FROM Opportunity WHERE Account.Industry = 'x'", "No such column 'Industry'"),
        ("SELECT AccountId FROM Contact", "No such column 'AccountId' on entity 'Contact'"),
        ("SELECT Account.Name FROM Contact", "Didn't understand relationship 'Account'"),
    ],
)
def test_hidden_fields_are_invalid(soql, fragment):
    error = api_error(soql, hidden_fields=HIDDEN)
    assert error.error_code == "INVALID_FIELD"
    assert fragment in error.message


def test_hidden_fields_leave_other_fields_usable(db):
    [record] = run(db, f"SELECT Name, BillingAddress FROM Account WHERE Id = '{A1}'", hidden=HIDDEN)
    assert record["Name"] == "Acme Corp"
    assert record["BillingAddress"]["city"] is None
    assert record["BillingAddress"]["country"] == "France"
    assert column(db, "SELECT Name FROM Account WHERE Industry = 'Finance'") == ["Initech"]


# --- compile_query on modified queries ------------------------------------------------------


def test_compile_query_with_and_where(db):
    query = parse_soql("SELECT Name FROM Account WHERE Industry = null OR Industry = 'Finance'")
    extra = Comparison(FieldRef(("AnnualRevenue",)), ">", Literal("number", 1000000))
    compiled = compile_query(and_where(query, extra), CATALOG, include_deleted=False)
    rowids = [row[0] for row in db.execute(compiled.ids_sql, compiled.params)]
    names = [compiled.render_json(row, API)["Name"] for row in compiled.fetch_page(db, rowids)]
    assert names == ["globex", "Initech"]


def test_errors_in_modified_queries_quote_the_printed_query():
    query = and_where(
        parse_soql("SELECT Id FROM Account"),
        Comparison(FieldRef(("Bogus",)), "=", Literal("string", "x")),
    )
    with pytest.raises(SalesforceApiError) as raised:
        compile_query(query, CATALOG, include_deleted=False)
    assert raised.value.message.startswith(
        "\nSELECT Id FROM Account WHERE Bogus = 'x'\n"
        "                             ^\nERROR at Row:1:Column:30\nNo such column 'Bogus'"
    )

"""Tests of the deterministic demo-data generator."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Iterator

import pytest
from salesforce_emulator.catalog import (
    Catalog,
    FieldDef,
    ObjectDef,
    custom,
    demo_catalog,
    multipicklist,
    picklist,
    ref,
    required,
    system_fields,
    text,
    typed,
)
from salesforce_emulator.demo import generate_demo_org, generate_rows, loading
from salesforce_emulator.demo.clock import END, START, datetime_text, time_text
from salesforce_emulator.demo.loading import plan_counts
from salesforce_emulator.demo.objects import INTEGRATION_USERNAME
from salesforce_emulator.schema_sql import quote
from salesforce_emulator.values import format_datetime, format_time

SCALE = 2000
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
TIME = re.compile(r"^\d\d:\d\d:\d\d\.\d{3}Z$")
# Fields the Ragie connector reads (see the shared seeds): each must hold real values.
CONNECTOR_FIELDS = {
    "Account": (
        "AccountSource AnnualRevenue BillingCity BillingCountry BillingGeocodeAccuracy "
        "BillingLatitude BillingLongitude BillingPostalCode BillingState BillingStreet "
        "CreatedById CreatedDate Description Fax Id Industry Jigsaw JigsawCompanyId "
        "LastActivityDate LastModifiedById LastModifiedDate LastReferencedDate LastViewedDate "
        "Name NumberOfEmployees OwnerId ParentId Phone PhotoUrl ShippingCity ShippingCountry "
        "ShippingGeocodeAccuracy ShippingLatitude ShippingLongitude ShippingPostalCode "
        "ShippingState ShippingStreet SicDesc SystemModstamp Type Website"
    ),
    "Case": (
        "AccountId CaseNumber ClosedDate Comments ContactId CreatedById CreatedDate Description "
        "Id IsClosed IsEscalated LastModifiedById LastModifiedDate LastReferencedDate "
        "LastViewedDate Origin OwnerId ParentId Priority Reason Status Subject SystemModstamp Type"
    ),
    "Contact": (
        "CreatedDate Department EmailBouncedReason Fax FirstName HomePhone Id IsEmailBounced "
        "Jigsaw LastActivityDate LastCURequestDate LastCUUpdateDate LastModifiedDate LastName "
        "LastReferencedDate LastViewedDate MailingCity MailingCountry MailingGeocodeAccuracy "
        "MailingLatitude MailingLongitude MailingPostalCode MailingState MailingStreet "
        "MobilePhone OtherPhone Phone PhotoUrl ReportsToId Salutation SystemModstamp Title"
    ),
    "Opportunity": (
        "AccountId Amount CloseDate CreatedById CreatedDate Description Fiscal FiscalQuarter "
        "FiscalYear ForecastCategoryName HasOpportunityLineItem Id IsClosed IsWon "
        "LastActivityDate LastModifiedById LastModifiedDate LeadSource Name NextStep OwnerId "
        "Pricebook2Id Probability StageName SystemModstamp Type"
    ),
}


def build(scale: int = SCALE, seed: int = 42) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    generate_demo_org(conn, demo_catalog(), scale=scale, seed=seed)
    return conn


def digest(conn: sqlite3.Connection) -> str:
    return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def values(conn: sqlite3.Connection, obj: str, field: str) -> list:
    return [row[0] for row in conn.execute(f"SELECT {quote(field)} FROM {quote(obj)}")]


def scalar(conn: sqlite3.Connection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def org() -> Iterator[sqlite3.Connection]:
    conn = build()
    yield conn
    conn.close()


@pytest.fixture
def small_org() -> Iterator[sqlite3.Connection]:
    conn = build(scale=300)
    yield conn
    conn.close()


CATALOG = demo_catalog()


def stored(kind: set[str]) -> list[tuple[ObjectDef, FieldDef]]:
    return [(o, f) for o in CATALOG for f in o.stored_fields if f.type in kind]


# --- determinism and proportions -----------------------------------------------------------


def test_same_catalog_scale_and_seed_give_an_identical_database(org):
    assert digest(build()) == digest(org)


def test_another_seed_gives_other_data():
    assert digest(build(scale=200, seed=7)) != digest(build(scale=200, seed=42))


def test_row_counts_follow_the_plan_and_the_scale(org):
    counts = {o.name: scalar(org, f"SELECT COUNT(*) FROM {quote(o.name)}") for o in CATALOG}
    assert counts == plan_counts(CATALOG, SCALE)
    assert all(n >= 3 for n in counts.values()), counts
    assert 0.8 * SCALE <= sum(counts.values()) <= 1.2 * SCALE
    assert counts["Contact"] > counts["Account"] > counts["User"] >= 5
    assert counts["UserRole"] == 8
    assert counts["PricebookEntry"] == counts["Product2"] * counts["Pricebook2"]


def test_a_tiny_org_still_fills_every_object():
    conn = build(scale=100)
    for obj in CATALOG:
        assert scalar(conn, f"SELECT COUNT(*) FROM {quote(obj.name)}") >= 3, obj.name


# --- relationships -----------------------------------------------------------------------------


@pytest.mark.parametrize(("obj", "field"), [(o.name, f.name) for o, f in stored({"reference"})])
def test_every_reference_points_at_an_existing_row(org, obj, field):
    # referenceTo may name objects an org has but the emulator does not (Group, DandBCompany,
    # Profile); such lookups hold only Ids of the objects it has, or fixed Ids (ProfileId)
    referenced = CATALOG.get(obj).field(field).reference_to  # type: ignore[union-attr]
    targets = [t for t in referenced if t in CATALOG]
    if not targets:
        assert field == "ProfileId" or (
            scalar(org, f"SELECT COUNT(*) FROM {quote(obj)} WHERE {quote(field)} IS NOT NULL") == 0
        )
        return
    union = " UNION ALL ".join(f"SELECT Id FROM {quote(t)}" for t in targets)
    dangling = scalar(
        org,
        f"SELECT COUNT(*) FROM {quote(obj)} WHERE {quote(field)} IS NOT NULL "
        f"AND {quote(field)} NOT IN ({union})",
    )
    assert dangling == 0


@pytest.mark.parametrize(
    "column",
    [
        "Contact.AccountId", "Contact.ReportsToId", "Case.ContactId", "Case.AccountId",
        "Opportunity.AccountId", "Opportunity.Pricebook2Id", "OpportunityLineItem.OpportunityId",
        "OpportunityLineItem.PricebookEntryId", "OpportunityContactRole.ContactId",
        "CampaignMember.LeadId", "CampaignMember.ContactId", "Task.WhoId", "Task.WhatId",
        "Event.WhoId", "Event.WhatId", "EmailMessage.ParentId", "PricebookEntry.Product2Id",
        "User.UserRoleId", "User.ManagerId", "Lead.ConvertedContactId", "Attachment.ParentId",
        "My__Community_Group__c.Account__c", "Project__c.Account__c", "Project__c.Opportunity__c",
        "Account.OwnerId", "UserRole.ParentRoleId",
    ],
)  # fmt: skip
def test_relationship_columns_are_populated(org, column):
    obj, field = column.split(".")
    assert any(v is not None for v in values(org, obj, field))


def test_related_rows_agree(org):
    mismatches = {
        "case account is its contact's account": """
            SELECT COUNT(*) FROM "Case" c JOIN Contact p ON p.Id = c.ContactId
            WHERE c.AccountId IS NOT p.AccountId""",
        "line item product and price book come from its entry": """
            SELECT COUNT(*) FROM OpportunityLineItem l
            JOIN PricebookEntry e ON e.Id = l.PricebookEntryId
            JOIN Opportunity o ON o.Id = l.OpportunityId
            WHERE l.Product2Id IS NOT e.Product2Id OR e.Pricebook2Id IS NOT o.Pricebook2Id
               OR l.ListPrice IS NOT e.UnitPrice
               OR abs(l.TotalPrice - l.Quantity * l.UnitPrice) > 0.01""",
        "entry copies its product": """
            SELECT COUNT(*) FROM PricebookEntry e JOIN Product2 p ON p.Id = e.Product2Id
            WHERE e.Name IS NOT p.Name OR e.ProductCode IS NOT p.ProductCode""",
        "campaign member is a lead or a contact": """
            SELECT COUNT(*) FROM CampaignMember
            WHERE (LeadId IS NULL) = (ContactId IS NULL)
               OR Type IS NOT (CASE WHEN LeadId IS NULL THEN 'Contact' ELSE 'Lead' END)""",
        "activities about a lead relate to nothing": """
            SELECT (SELECT COUNT(*) FROM Task WHERE WhoId LIKE '00Q%' AND WhatId IS NOT NULL)
                 + (SELECT COUNT(*) FROM Event WHERE WhoId LIKE '00Q%' AND WhatId IS NOT NULL)""",
        "activity account follows its contact": """
            SELECT COUNT(*) FROM Task t JOIN Contact c ON c.Id = t.WhoId
            WHERE t.WhatId IS NULL AND t.AccountId IS NOT c.AccountId""",
        "has line items flag": """
            SELECT COUNT(*) FROM Opportunity o WHERE HasOpportunityLineItem !=
            EXISTS (SELECT 1 FROM OpportunityLineItem l WHERE l.OpportunityId = o.Id
                    AND NOT l.IsDeleted)""",
        "campaign roll-ups": """
            SELECT COUNT(*) FROM Campaign c WHERE NumberOfLeads != (SELECT COUNT(*)
            FROM CampaignMember m WHERE m.CampaignId = c.Id AND m.LeadId IS NOT NULL
            AND NOT m.IsDeleted)""",
        "converted leads point at their account's contact": """
            SELECT COUNT(*) FROM Lead l LEFT JOIN Contact c ON c.Id = l.ConvertedContactId
            WHERE l.IsConverted != (l.Status = 'Closed - Converted')
               OR (l.IsConverted AND c.AccountId IS NOT l.ConvertedAccountId)""",
        "event end is start plus duration": """
            SELECT COUNT(*) FROM Event WHERE EndDateTime IS NOT NULL AND
            (julianday(substr(EndDateTime, 1, 19)) - julianday(substr(StartDateTime, 1, 19)))
            * 1440 - DurationInMinutes NOT BETWEEN -0.01 AND 0.01""",
    }
    assert {name: scalar(org, sql) for name, sql in mismatches.items()} == dict.fromkeys(
        mismatches, 0
    )
    assert scalar(org, "SELECT COUNT(*) FROM EmailMessage WHERE ParentId NOT LIKE '500%'") == 0
    assert scalar(org, "SELECT COUNT(*) FROM Task WHERE WhatId LIKE '006%'") > 0


def test_parents_are_created_before_their_children(org):
    for child, fk, parent in [
        ("Contact", "AccountId", "Account"),
        ("OpportunityLineItem", "OpportunityId", "Opportunity"),
        ("Case", "ContactId", "Contact"),
        ("Account", "OwnerId", "User"),
    ]:
        total, ordered = org.execute(
            f"SELECT COUNT(*), SUM(c.CreatedDate >= p.CreatedDate) FROM {quote(child)} c "
            f"JOIN {quote(parent)} p ON p.Id = c.{quote(fk)}"
        ).fetchone()
        assert ordered >= 0.95 * total, child


def test_opportunity_flags_follow_the_stage(org):
    rows = org.execute(
        "SELECT StageName, IsClosed, IsWon, Probability, CloseDate, FiscalYear, FiscalQuarter, "
        "Fiscal FROM Opportunity"
    ).fetchall()
    for stage, closed, won, probability, close, year, quarter, fiscal in rows:
        assert closed == stage.startswith("Closed")
        assert won == (stage == "Closed Won")
        assert probability == {"Closed Won": 100, "Closed Lost": 0}.get(stage, probability)
        assert (year, quarter) == (int(close[:4]), (int(close[5:7]) + 2) // 3)
        assert fiscal == f"{year} {quarter}"
    assert {r[0] for r in rows} >= {"Closed Won", "Closed Lost", "Prospecting"}


def test_case_numbers_are_sequential_eight_digit_strings(org):
    numbers = [r[0] for r in org.execute('SELECT CaseNumber FROM "Case" ORDER BY rowid')]
    assert all(re.fullmatch(r"\d{8}", n) for n in numbers)
    assert [int(n) for n in numbers] == list(range(1000, 1000 + len(numbers)))


def test_lead_status_is_always_set(org):
    statuses = values(org, "Lead", "Status")
    assert None not in statuses
    assert max(set(statuses), key=statuses.count) == "Open - Not Contacted"


def test_the_first_user_is_the_integration_user(org):
    first = org.execute(
        "SELECT Id, Username, IsActive, CreatedById FROM User ORDER BY rowid LIMIT 1"
    ).fetchone()
    assert first[1:3] == (INTEGRATION_USERNAME, 1)
    assert first[3] == first[0]
    assert scalar(org, "SELECT COUNT(DISTINCT lower(Username)) FROM User") == scalar(
        org, "SELECT COUNT(*) FROM User"
    )


# --- deleted rows, nulls, awkward values --------------------------------------------------------


def test_about_two_percent_of_rows_are_deleted_and_children_avoid_deleted_parents(org):
    deletable = [o for o in CATALOG if o.has_field("IsDeleted")]
    deleted = sum(scalar(org, f"SELECT SUM(IsDeleted) FROM {quote(o.name)}") for o in deletable)
    total = sum(scalar(org, f"SELECT COUNT(*) FROM {quote(o.name)}") for o in deletable)
    assert 0.01 <= deleted / total <= 0.035
    assert (
        scalar(
            org,
            "SELECT COUNT(*) FROM Contact c JOIN Account a ON a.Id = c.AccountId WHERE a.IsDeleted",
        )
        == 0
    )
    merged = org.execute("SELECT IsDeleted FROM Account WHERE MasterRecordId IS NOT NULL")
    assert all(row[0] == 1 for row in merged)


def test_optional_fields_are_sometimes_null(org):
    for field in ("Phone", "Email", "Title", "MailingCity", "Description"):
        column = values(org, "Contact", field)
        share = column.count(None) / len(column)
        assert 0.005 < share < 0.5, field
    assert None not in values(org, "Contact", "LastName")


def test_contact_emails_are_unique_and_varied(org):
    emails = [e for e in values(org, "Contact", "Email") if e is not None]
    assert len({e.lower() for e in emails}) == len(emails)
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e) for e in emails)
    assert any("'" in e.split("@")[0] for e in emails)
    domains = [e.split("@")[1] for e in emails]
    assert any(d != d.lower() for d in domains)  # First.Last@Example.COM
    assert len(set(domains)) > len(emails) // 4
    assert None in values(org, "Contact", "Email")


def test_text_contains_the_awkward_cases_a_pipeline_must_survive(org):
    texts = [
        v
        for o, f in stored({"string", "textarea", "email", "phone", "url", "picklist"})
        for v in values(org, o.name, f.name)
        if isinstance(v, str)
    ]
    checks = {
        "accented latin": lambda s: re.search(r"[À-ɏ]", s),
        "cjk": lambda s: re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", s),
        "emoji": lambda s: any(ord(c) > 0xFFFF for c in s),
        "comma and double quote": lambda s: "," in s and '"' in s,
        "newline": lambda s: "\n" in s,
        "crlf": lambda s: "\r\n" in s,
        "Zoë / Müller / 東京": lambda s: "Zoë" in s or "Müller" in s or "東京" in s,
    }
    assert {name: any(check(s) for s in texts) for name, check in checks.items()} == dict.fromkeys(
        checks, True
    )
    assert not any("\x00" in s for s in texts)


@pytest.mark.parametrize(
    ("obj", "field"),
    [(o.name, f.name) for o, f in stored({"picklist", "multipicklist"}) if f.picklist_values],
)
def test_picklists_only_hold_declared_values(org, obj, field):
    allowed = set(CATALOG.get(obj).field(field).picklist_values)  # type: ignore[union-attr]
    used = {part for v in values(org, obj, field) if v for part in v.split(";")}
    assert used <= allowed


def test_values_have_the_stored_types(org):
    for o, f in stored({"boolean", "int", "double", "currency", "percent"}):
        types = {
            r[0]
            for r in org.execute(f"SELECT DISTINCT typeof({quote(f.name)}) FROM {quote(o.name)}")
        }
        if f.type == "boolean":
            assert types == {"integer"}, (o.name, f.name)
            assert set(values(org, o.name, f.name)) <= {0, 1}
        else:
            assert types <= {"integer", "real", "null"}, (o.name, f.name)


@pytest.mark.parametrize("obj", sorted(CONNECTOR_FIELDS))
def test_fields_the_connector_reads_hold_values(org, obj):
    empty = [
        name
        for name in CONNECTOR_FIELDS[obj].split()
        if CATALOG.get(obj).has_field(name)  # type: ignore[union-attr]
        and all(v is None for v in values(org, obj, name))
    ]
    assert empty == []


# --- timestamps ---------------------------------------------------------------------------


def test_audit_timestamps_are_ordered_and_within_the_demo_range(org):
    low, high = format_datetime(START), format_datetime(END)
    for obj in CATALOG:
        names = [
            n for n in ("CreatedDate", "LastModifiedDate", "SystemModstamp") if obj.has_field(n)
        ]
        for row in org.execute(f"SELECT {', '.join(names)} FROM {quote(obj.name)}"):
            assert all(DATETIME.match(v) for v in row)
            assert list(row) == sorted(row), obj.name
            assert low <= row[0]
            assert row[-1] <= high


def test_dates_times_and_datetimes_use_salesforce_formats(org):
    patterns = {"date": DATE, "time": TIME, "datetime": DATETIME}
    for o, f in stored(set(patterns)):
        assert all(patterns[f.type].match(v) for v in values(org, o.name, f.name) if v), f.name


def test_fast_formatters_match_the_values_module():
    for second in (0, 59, 86_399, 12_345_678, 78_000_000):
        moment = START + dt.timedelta(seconds=second)
        assert datetime_text(second) == format_datetime(moment)
        assert time_text(second) == format_time(moment.time())


# --- generate_rows ------------------------------------------------------------------------

WIDE_TYPES = (
    "string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "boolean", "int",
    "double", "currency", "percent", "date", "datetime", "time", "reference", "base64",
)  # fmt: skip


def wide_field(number: int) -> FieldDef:
    sf_type, name = WIDE_TYPES[number % len(WIDE_TYPES)], f"Field_{number:03d}__c"
    if sf_type == "picklist":
        return custom(picklist(name, "Red", "Green", "Blue"))
    if sf_type == "multipicklist":
        return custom(multipicklist(name, "A", "B", "C", "D"))
    if sf_type == "reference":
        return custom(ref(name, "Account"))
    if sf_type == "string":
        return custom(text(name, 10 + number % 50))
    return custom(typed(name, sf_type))


def wide_catalog() -> Catalog:
    catalog = demo_catalog()
    fields = (*system_fields(), required(text("Name", 80)), *map(wide_field, range(700)))
    catalog.add(ObjectDef("Wide__c", "a0W", fields=fields, custom=True))
    return catalog


def test_generate_rows_fills_an_object_of_700_custom_fields(small_org):
    catalog = wide_catalog()
    new_ids = generate_rows(small_org, catalog, "wide__c", 60)
    assert len(set(new_ids)) == 60
    assert all(len(i) == 18 and i.startswith("a0W") for i in new_ids)
    assert [r[0] for r in small_org.execute("SELECT Id FROM Wide__c ORDER BY rowid")] == new_ids
    known_ids = {i for name in ("Account", "User") for i in values(small_org, name, "Id")}
    checks = {
        "boolean": lambda v: v in (0, 1),
        "int": lambda v: isinstance(v, int),
        "double": lambda v: isinstance(v, float),
        "currency": lambda v: isinstance(v, float) and v >= 0,
        "percent": lambda v: 0 <= v <= 100,
        "date": DATE.match,
        "datetime": DATETIME.match,
        "time": TIME.match,
        "reference": lambda v: v in known_ids,
        "picklist": lambda v: v in ("Red", "Green", "Blue"),
        "multipicklist": lambda v: set(v.split(";")) <= {"A", "B", "C", "D"},
        "email": lambda v: "@" in v,
        "url": lambda v: v.startswith("https://"),
        "base64": lambda v: base64.b64decode(v, validate=True).decode("utf-8"),
    }
    for f in catalog.get("Wide__c").stored_fields:  # type: ignore[union-attr]
        column = [v for v in values(small_org, "Wide__c", f.name) if v is not None]
        assert column, f.name
        check = checks.get(f.type)
        assert check is None or all(check(v) for v in column), f.name
        if f.is_text and f.length:
            assert max(len(v) for v in column) <= f.length, f.name


def test_generate_rows_appends_consistent_rows(small_org):
    before = values(small_org, "Case", "CaseNumber")
    new_cases = generate_rows(small_org, CATALOG, "Case", 5, seed=3)
    numbers = values(small_org, "Case", "CaseNumber")
    assert numbers[: len(before)] == before
    assert [int(n) for n in numbers[len(before) :]] == [int(max(before)) + i for i in range(1, 6)]
    generate_rows(small_org, CATALOG, "Contact", 400, seed=3)
    emails = [e.lower() for e in values(small_org, "Contact", "Email") if e]
    assert len(set(emails)) == len(emails)
    assert scalar(small_org, 'SELECT COUNT(*) FROM "Case"') == len(before) + len(new_cases)


def test_creation_times_ascend_across_chunks(monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 40)
    conn = sqlite3.connect(":memory:")
    generate_rows(conn, CATALOG, "Account", 130)
    created = values(conn, "Account", "CreatedDate")
    assert len(created) == 130
    assert created == sorted(created)
    assert created[0] < "2024-04"
    assert created[-1] > "2026-03"


@pytest.mark.parametrize("isolation_level", [None, "DEFERRED"])
def test_generation_joins_a_transaction_the_caller_opened(isolation_level):
    conn = sqlite3.connect(":memory:", isolation_level=isolation_level)
    generate_rows(conn, CATALOG, "User", 3)
    conn.execute("BEGIN")
    generate_rows(conn, CATALOG, "Account", 10)
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert scalar(conn, "SELECT COUNT(*) FROM User") == 3
    assert scalar(conn, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'Account'") == 0


def test_generate_rows_in_an_empty_database_leaves_missing_parents_null():
    conn = sqlite3.connect(":memory:")
    new_ids = generate_rows(conn, CATALOG, "Contact", 20)
    assert len(new_ids) == 20
    assert set(values(conn, "Contact", "AccountId")) == {None}
    assert set(values(conn, "Contact", "OwnerId")) == {None}
    assert None not in values(conn, "Contact", "LastName")
    assert generate_rows(conn, CATALOG, "Contact", 0) == []

"""Unit tests: emails, value conversion and comparison, SOQL literals and chunking."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal
from urllib.parse import quote_plus

import pytest
from salesforce_common.api_limits import MAX_LITERAL_CHARS, MAX_SOQL_CHARS, MAX_URI_BYTES
from salesforce_common.soql import quote_string as soql_literal
from target_salesforce_contacts.describe import ContactField
from target_salesforce_contacts.matching import (
    find_contacts,
    in_queries,
    lookup_statements,
)
from target_salesforce_contacts.planning import Incoming, WriteOp
from target_salesforce_contacts.values import (
    clean_email,
    comparable,
    email_key,
    is_valid_email,
    to_salesforce,
)
from target_salesforce_contacts.writers import BulkWriter, parse_bulk_error

TEXT = ContactField("Title", "string", length=128)
EMAIL = ContactField("Email", "email", length=80)
FLAG = ContactField("DoNotCall", "boolean")
MONEY = ContactField("Lifetime_Value__c", "currency", scale=2)
BIRTHDATE = ContactField("Birthdate", "date")
BOUNCED = ContactField("EmailBouncedDate", "datetime")
TIME = ContactField("Preferred_Contact_Time__c", "time")
INTERESTS = ContactField("Interests__c", "multipicklist")


def test_emails_are_trimmed_and_keyed_case_insensitively():
    assert clean_email("  Ann.Lee@Example.COM \n") == "Ann.Lee@Example.COM"
    assert clean_email("   ") is None
    assert clean_email(42) is None
    assert email_key(" Ann.Lee@Example.COM ") == "ann.lee@example.com"


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("o'brien@x.com", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("no-at-sign.example.com", False),
        ("two@@example.com", False),
        ("spaces in@example.com", False),
        ("trailing@dot.", False),
        ("a@" + "b" * 250 + ".com", False),
    ],
)
def test_email_validity(email, valid):
    assert is_valid_email(email) is valid


def test_values_are_converted_to_salesforce_forms():
    assert to_salesforce(TEXT, "  Manager ") == "Manager"
    assert to_salesforce(TEXT, "   ") is None
    assert to_salesforce(TEXT, None) is None
    assert to_salesforce(TEXT, 12) == "12"
    assert to_salesforce(TEXT, True) == "true"
    assert to_salesforce(TEXT, {"a": 1}) == '{"a":1}'
    assert to_salesforce(FLAG, "yes") is True
    assert to_salesforce(FLAG, 0) is False
    assert to_salesforce(MONEY, Decimal("10.50")) == 10.5
    assert to_salesforce(MONEY, "7") == 7
    assert to_salesforce(MONEY, "not a number") == "not a number"
    assert to_salesforce(BIRTHDATE, "1990-05-04T00:00:00+00:00") == "1990-05-04"
    assert to_salesforce(BIRTHDATE, dt.date(1990, 5, 4)) == "1990-05-04"
    assert to_salesforce(BOUNCED, "2024-07-15T22:18:56+02:00") == "2024-07-15T20:18:56.000Z"
    assert to_salesforce(TIME, "09:30:00") == "09:30:00.000Z"
    assert to_salesforce(INTERESTS, ["AI", " Cloud "]) == "AI;Cloud"


def test_comparison_is_normalised():
    assert comparable(EMAIL, " Ann@X.com ") == comparable(EMAIL, "ann@x.com")
    assert comparable(TEXT, " Manager ") == comparable(TEXT, "Manager")
    assert comparable(TEXT, "") is None
    assert comparable(FLAG, "true") == comparable(FLAG, True)
    assert comparable(MONEY, 5882.64) == comparable(MONEY, "5882.640")
    assert comparable(MONEY, "10.001") == comparable(MONEY, 10)
    assert comparable(MONEY, 10.01) != comparable(MONEY, 10)
    assert comparable(BIRTHDATE, "1990-05-04") == comparable(BIRTHDATE, dt.date(1990, 5, 4))
    assert comparable(BOUNCED, "2024-07-15T20:18:56.000+0000") == comparable(
        BOUNCED, "2024-07-15T22:18:56.0004+02:00"
    )
    assert comparable(TIME, "09:30:00.000Z") == comparable(TIME, "09:30:00")
    assert comparable(INTERESTS, "AI;Cloud") == comparable(INTERESTS, "Cloud;AI")
    assert comparable(MONEY, "n/a") == ("unparsed", "n/a")


def test_soql_literals_escape_quotes_and_backslashes():
    assert soql_literal("o'brien@x.com") == "'o\\'brien@x.com'"
    assert soql_literal("a\\b") == "'a\\\\b'"


def test_lookup_statement_shape():
    [statement] = lookup_statements(
        ["o'brien@x.com", "ann@x.com"], {"LastName", "FirstName", "Email"}, url_prefix_bytes=60
    )
    assert statement == (
        "SELECT Id, Email, FirstName, LastName, CreatedDate FROM Contact "
        "WHERE Email IN ('o\\'brien@x.com', 'ann@x.com')"
    )


def test_chunks_fit_the_uri_and_soql_limits_and_keep_every_value():
    emails = [f"someone.with.a.long.name.{n:05d}@subdomain.example.com" for n in range(3000)]
    prefix = len("https://acme.my.salesforce.com/services/data/v64.0/query?q=")
    statements = lookup_statements(emails, ["FirstName"], url_prefix_bytes=prefix)
    assert len(statements) > 1
    seen = []
    for statement in statements:
        assert prefix + len(quote_plus(statement, safe="")) <= MAX_URI_BYTES
        assert len(statement) <= MAX_SOQL_CHARS
        seen += statement.split("IN (", 1)[1].rstrip(")").split(", ")
    assert seen == [soql_literal(e) for e in emails]


def test_chunks_are_full_up_to_the_uri_limit():
    """No statement could take the next email: the packing leaves no lookup to spare."""
    emails = [f"person{n:06d}@c{n % 50:02d}.bench.example.com" for n in range(4000)]
    prefix = 700
    statements = lookup_statements(emails, ["FirstName"], url_prefix_bytes=prefix)
    for statement, following in itertools.pairwise(statements):
        next_literal = following.split("IN (", 1)[1].split(", ", 1)[0].rstrip(")")
        longer = statement[:-1] + ", " + next_literal + ")"
        assert prefix + len(quote_plus(longer, safe="")) > MAX_URI_BYTES


def test_chunks_respect_the_soql_length_when_it_binds_first():
    head = "SELECT Id FROM Contact WHERE Email IN ("
    statements = list(
        in_queries(head, [f"u{n}@x.io" for n in range(500)], url_prefix_bytes=0, max_soql_chars=500)
    )
    assert all(len(s) <= 500 for s in statements)
    assert sum(s.count("@") for s in statements) == 500


def test_overlong_literals_are_left_out():
    head = "SELECT Id FROM Contact WHERE Email IN ("
    statements = list(
        in_queries(head, ["a" * (MAX_LITERAL_CHARS + 1), "b@x.io"], url_prefix_bytes=0)
    )
    assert statements == [head + "'b@x.io')"]


def test_find_contacts_groups_by_email_key_oldest_first():
    rows = [
        {"Id": "003B", "Email": "Ann@X.com", "CreatedDate": "2024-02-01T00:00:00.000+0000"},
        {"Id": "003A", "Email": "ann@x.com", "CreatedDate": "2023-01-01T00:00:00.000+0000"},
        {"Id": "003C", "Email": "other@x.com", "CreatedDate": "2023-01-01T00:00:00.000+0000"},
    ]
    sent = []

    def query(soql):
        sent.append(soql)
        return rows

    found = find_contacts(query, [" ANN@x.com"], [], url_prefix_bytes=10)
    assert [c["Id"] for c in found["ann@x.com"]] == ["003A", "003B"]
    assert "other@x.com" not in found
    assert "'ann@x.com'" in sent[0]


def test_bulk_errors_are_split_into_code_message_fields():
    assert parse_bulk_error(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    ) == ("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"])
    assert parse_bulk_error("DUPLICATES_DETECTED:Use one of these records?: --") == (
        "DUPLICATES_DETECTED",
        "Use one of these records?",
        [],
    )


def test_bulk_csv_quotes_values_and_leaves_unchanged_fields_empty():
    create = WriteOp(
        Incoming("s", {}, "a@x.io", {}), None, {"Email": "a@x.io", "Title": 'He said "hi",\nthen'}
    )
    update = WriteOp(Incoming("s", {}, "b@x.io", {}), "003B", {"DoNotCall": True})
    text = BulkWriter.csv_text([create, update])
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows == [
        {"Id": "", "DoNotCall": "", "Email": "a@x.io", "Title": 'He said "hi",\nthen'},
        {"Id": "003B", "DoNotCall": "true", "Email": "", "Title": ""},
    ]

"""simple-salesforce, unmodified, against the emulator.

simple-salesforce always speaks https to ``{domain}.salesforce.com`` and to the instance host; a
transport adapter on its (public) ``session`` parameter (``salesforce_emulator.clients``) routes
those to the loopback emulator, the way a hosts-file entry would. Nothing of the client is patched.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from salesforce_emulator.clients import routed_session
from salesforce_emulator.models.org import DEMO
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceMalformedRequest


@pytest.fixture
def sf(emulator):
    client = Salesforce(
        username=DEMO.username,
        password=DEMO.password,
        security_token=DEMO.security_token,
        session=routed_session(emulator.url),
        version="64.0",
    )
    yield client
    client.session.close()


def test_soap_login_and_bad_password(emulator, sf):
    assert sf.sf_instance == urlsplit(emulator.url).netloc
    with pytest.raises(SalesforceAuthenticationFailed, match="INVALID_LOGIN"):
        Salesforce(
            username=DEMO.username,
            password="wrong",
            security_token="",
            session=routed_session(emulator.url),
        )


def test_client_credentials_login(emulator):
    client = Salesforce(
        consumer_key=DEMO.client_id,
        consumer_secret=DEMO.client_secret,
        domain="acme.my",
        session=routed_session(emulator.url),
    )
    assert client.Account.describe()["name"] == "Account"


def test_describe_global_and_object(sf):
    names = {entry["name"] for entry in sf.describe()["sobjects"]}
    assert {"Account", "Contact", "My__Community_Group__c"} <= names
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["Email"]["idLookup"] is True
    assert fields["Email"]["externalId"] is False
    assert fields["LastName"]["nillable"] is False
    assert fields["MailingAddress"]["type"] == "address"


def test_query_all_follows_next_records_url(emulator, sf):
    emulator.admin.settings(page_size=50)
    expected = len([r for r in emulator.admin.records("Contact") if not r["IsDeleted"]])
    result = sf.query_all("SELECT Id, Email, Account.Name FROM Contact")
    assert result["totalSize"] == expected
    assert len(result["records"]) == expected
    assert len({r["Id"] for r in result["records"]}) == expected
    assert emulator.admin.calls()["by_endpoint"]["query_more"] >= expected // 50 - 1
    every = sf.query_all("SELECT Id FROM Contact", include_deleted=True)
    assert every["totalSize"] > expected


def test_crud(sf):
    created = sf.Contact.create({"LastName": "Lovelace", "Email": "ada@example.com"})
    assert created["success"] is True
    record = sf.Contact.get(created["id"])
    assert (record["LastName"], record["Email"], record["Name"]) == (
        "Lovelace",
        "ada@example.com",
        "Lovelace",
    )
    assert sf.Contact.update(created["id"], {"FirstName": "Ada"}) == 204
    assert sf.Contact.get(created["id"])["Name"] == "Ada Lovelace"
    assert sf.Contact.delete(created["id"]) == 204
    assert sf.query(f"SELECT Id FROM Contact WHERE Id = '{created['id']}'")["totalSize"] == 0
    assert (
        sf.query_all(
            f"SELECT IsDeleted FROM Contact WHERE Id = '{created['id']}'", include_deleted=True
        )["records"][0]["IsDeleted"]
        is True
    )


def test_create_without_last_name_is_rejected(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create({"Email": "nolast@example.com"})
    assert caught.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert caught.value.content[0]["fields"] == ["LastName"]


def test_upsert_by_external_id(sf):
    assert sf.Account.upsert("Account_Number_Ext__c/EXT-1", {"Name": "Acme"}) == 201
    assert sf.Account.upsert("Account_Number_Ext__c/EXT-1", {"Name": "Acme Corp"}) == 200
    found = sf.query("SELECT Name FROM Account WHERE Account_Number_Ext__c = 'EXT-1'")
    assert [r["Name"] for r in found["records"]] == ["Acme Corp"]


def test_bulk2_query_pages_csv(emulator, sf):
    expected = {r["Id"] for r in emulator.admin.records("Account") if not r["IsDeleted"]}
    rows = []
    pages = 0
    for page in sf.bulk2.Account.query("SELECT Id, Name, Description FROM Account", max_records=7):
        pages += 1
        rows.extend(csv.DictReader(io.StringIO(page)))
    assert pages >= len(expected) // 7
    assert {r["Id"] for r in rows} == expected


def test_bulk2_insert_and_results(sf):
    records = [{"LastName": f"Bulk{i}", "Email": f"bulk{i}@example.com"} for i in range(5)]
    records.append({"Email": "missing-last-name@example.com", "LastName": ""})
    results = sf.bulk2.Contact.insert(records=records)
    assert results[0]["numberRecordsProcessed"] == 6
    assert results[0]["numberRecordsFailed"] == 1
    failed = sf.bulk2.Contact.get_failed_records(results[0]["job_id"])
    assert "REQUIRED_FIELD_MISSING" in failed
    created = sf.query("SELECT COUNT() FROM Contact WHERE LastName LIKE 'Bulk%'")
    assert created["totalSize"] == 5


def test_composite_collections_via_restful(sf):
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Contact"}, "LastName": "One", "Email": "one@example.com"},
            {"attributes": {"type": "Contact"}, "Email": "bad-email"},
        ],
    }
    results = sf.restful("composite/sobjects", method="POST", json=body)
    assert results[0]["success"] is True
    assert results[1]["success"] is False
    codes = {e["statusCode"] for e in results[1]["errors"]}
    assert codes & {"INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"}


def test_limits(sf):
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 100_000
    assert sf.api_usage["api-usage"].used > 0

"""simple-salesforce, unmodified, against the emulator.

simple-salesforce always speaks https to ``{domain}.salesforce.com`` and to the instance host; a
transport adapter on its (public) ``session`` parameter (``salesforce_emulator.clients``) routes
those to the loopback emulator, the way a hosts-file entry would. Nothing of the client is patched.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
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


# --- what else simple-salesforce's users call ---------------------------------------------------

MANY = 2_100
"""Contacts added so that a query runs over more than one 2,000-row page."""


@pytest.fixture
def many_contacts(emulator) -> int:
    """The live Contact count after adding MANY generated contacts."""
    emulator.admin.generate("Contact", MANY)
    return len([r for r in emulator.admin.records("Contact") if not r["IsDeleted"]])


def test_query_all_over_2000_rows_in_2000_row_pages(emulator, sf, many_contacts):
    first = sf.query("SELECT Id FROM Contact")
    assert first["totalSize"] == many_contacts > 2000
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v64.0/query/01g")
    result = sf.query_all("SELECT Id, LastName FROM Contact")
    assert len({r["Id"] for r in result["records"]}) == result["totalSize"] == many_contacts
    assert (
        list(sf.query_all_iter("SELECT Id FROM Contact"))[-1]["Id"] == result["records"][-1]["Id"]
    )


def test_query_all_include_deleted_pages_through_query_urls(emulator, sf, many_contacts):
    ids = [r["Id"] for r in sf.query_all("SELECT Id FROM Contact ORDER BY Id")["records"]]
    last = ids[-1]  # on the second page
    assert sf.Contact.delete(last) == 204
    first = sf.query("SELECT Id, IsDeleted FROM Contact ORDER BY Id", include_deleted=True)
    assert "/query/" in first["nextRecordsUrl"]
    every = sf.query_all("SELECT Id, IsDeleted FROM Contact ORDER BY Id", include_deleted=True)
    deleted = {r["Id"] for r in every["records"] if r["IsDeleted"]}
    assert last in deleted
    assert every["totalSize"] == len(every["records"]) > many_contacts


def test_query_more_with_the_url_or_the_locator(emulator, sf, many_contacts):
    soql = "SELECT Id FROM Contact ORDER BY Id"
    first = sf.query(soql)
    by_url = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert by_url["done"] is True
    assert len(first["records"]) + len(by_url["records"]) == many_contacts
    locator = sf.query(soql, include_deleted=True)["nextRecordsUrl"].rsplit("/", 1)[-1]
    by_locator = sf.query_more(
        locator, include_deleted=True
    )  # simple-salesforce: queryAll/{locator}
    assert by_locator["records"][-1]["Id"] == by_url["records"][-1]["Id"]


def test_get_by_custom_id(sf):
    assert sf.Account.upsert("Account_Number_Ext__c/EXT-7", {"Name": "Custom Id Co"}) == 201
    record = sf.Account.get_by_custom_id("Account_Number_Ext__c", "EXT-7")
    assert (record["Name"], record["Account_Number_Ext__c"]) == ("Custom Id Co", "EXT-7")
    assert record["attributes"]["type"] == "Account"


def test_composite_via_restful(sf):
    base = f"/services/data/v{sf.sf_version}"
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{base}/sobjects/Account",
                    "referenceId": "acct",
                    "body": {"Name": "Restful Composite Co", "AnnualRevenue": 25_000_000},
                },
                {
                    "method": "POST",
                    "url": f"{base}/sobjects/Contact",
                    "referenceId": "contact",
                    "body": {"LastName": "Composed", "AccountId": "@{acct.id}"},
                },
                {
                    "method": "GET",
                    "url": f"{base}/query?q=SELECT+Account.AnnualRevenue+FROM+Contact"
                    "+WHERE+Id='@{contact.id}'",
                    "referenceId": "check",
                },
            ],
        },
    )
    statuses = [entry["httpStatusCode"] for entry in answer["compositeResponse"]]
    assert statuses == [201, 201, 200]
    [record] = answer["compositeResponse"][2]["body"]["records"]
    assert record["Account"]["AnnualRevenue"] == 25_000_000


def test_record_count_via_restful(sf):
    counts = sf.restful("limits/recordCount", params={"sObjects": "Account,Contact"})
    assert [entry["name"] for entry in counts["sObjects"]] == ["Account", "Contact"]
    contacts = sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    assert counts["sObjects"][1]["count"] == contacts


def test_currency_in_java_form_reads_as_the_number(sf):
    created = sf.Account.create({"Name": "Java Form Co", "AnnualRevenue": 25_000_000})
    assert sf.Account.get(created["id"])["AnnualRevenue"] == 25_000_000.0
    [row] = [
        r
        for page in sf.bulk2.Account.query(
            f"SELECT Id, AnnualRevenue FROM Account WHERE Id = '{created['id']}'"
        )
        for r in csv.DictReader(io.StringIO(page))
    ]
    assert row["AnnualRevenue"] == "2.5E7"
    assert float(row["AnnualRevenue"]) == 25_000_000


def test_bulk2_download(emulator, sf, tmp_path: Path):
    expected = {r["Id"] for r in emulator.admin.records("Contact") if not r["IsDeleted"]}
    results = sf.bulk2.Contact.download(
        "SELECT Id, Email FROM Contact", path=str(tmp_path), max_records=25, wait=1
    )
    assert len(results) == -(-len(expected) // 25)
    ids: set[str] = set()
    for result in results:
        with Path(result["file"]).open(newline="") as handle:
            ids |= {row["Id"] for row in csv.DictReader(handle)}
    assert ids == expected


def test_bulk2_upsert_by_external_id(sf):
    sf.Account.upsert("Account_Number_Ext__c/UPS-1", {"Name": "Before"})
    records = [
        {"Account_Number_Ext__c": "UPS-1", "Name": "After"},
        {"Account_Number_Ext__c": "UPS-2", "Name": "New"},
    ]
    [result] = sf.bulk2.Account.upsert(
        records=records, external_id_field="Account_Number_Ext__c", wait=1
    )
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (2, 0)
    found = sf.query(
        "SELECT Account_Number_Ext__c, Name FROM Account WHERE Account_Number_Ext__c LIKE 'UPS-%' "
        "ORDER BY Account_Number_Ext__c"
    )
    assert [(r["Account_Number_Ext__c"], r["Name"]) for r in found["records"]] == [
        ("UPS-1", "After"),
        ("UPS-2", "New"),
    ]
    successes = sf.bulk2.Account.get_successful_records(result["job_id"])
    assert {row["sf__Created"] for row in csv.DictReader(io.StringIO(successes))} == {
        "true",
        "false",
    }


def test_bulk_v1_query(emulator, sf):
    expected = {r["Id"] for r in emulator.admin.records("Account") if not r["IsDeleted"]}
    rows = sf.bulk.Account.query("SELECT Id, Name FROM Account", wait=1)
    assert {row["Id"] for row in rows} == expected

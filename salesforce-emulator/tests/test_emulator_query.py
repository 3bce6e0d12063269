"""SOQL over plain HTTP: paging cursors, queryAll, shapes, errors, limits, composite/batch."""

from __future__ import annotations

import re
import time

import pytest
from emulator_http import VERSION, Api, error_of

NEXT_URL = re.compile(
    rf"^/services/data/v{re.escape(VERSION)}/(query|queryAll)/01g[0-9A-Za-z]{{15}}-(\d+)$"
)


def live_contacts(api: Api) -> list[dict]:
    return [r for r in api.admin.records("Contact") if not r["IsDeleted"]]


def test_paging_with_next_records_url(sf):
    sf.admin.settings(page_size=25)
    expected = {r["Id"] for r in live_contacts(sf)}
    response = sf.query("SELECT Id, LastName FROM Contact")
    pages = []
    while True:
        body = response.json()
        pages.append(body)
        assert body["totalSize"] == len(expected)
        if body["done"]:
            assert "nextRecordsUrl" not in body
            break
        match = NEXT_URL.match(body["nextRecordsUrl"])
        assert match, body["nextRecordsUrl"]
        assert match[1] == "query"
        assert int(match[2]) == sum(len(p["records"]) for p in pages)
        response = sf.get(body["nextRecordsUrl"])
        assert response.status_code == 200
    assert [len(p["records"]) for p in pages[:-1]] == [25] * (len(pages) - 1)
    ids = [r["Id"] for p in pages for r in p["records"]]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected


def test_every_row_once_despite_concurrent_updates(sf):
    sf.admin.settings(page_size=20)
    soql = "SELECT Id FROM Contact ORDER BY SystemModstamp"
    first = sf.query(soql).json()
    seen = [r["Id"] for r in first["records"]]
    sf.admin.update("Contact", [{"Id": i, "Title": "moved"} for i in seen[:10]])
    url = first["nextRecordsUrl"]
    while url:
        body = sf.get(url).json()
        seen += [r["Id"] for r in body["records"]]
        url = body.get("nextRecordsUrl")
    assert len(seen) == len(set(seen)) == first["totalSize"]


@pytest.mark.parametrize(("batch_size", "page"), [(200, 200), (50, 200), (300, 300), (5000, 2000)])
def test_batch_size_header(demo_sf, batch_size, page):
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
    response = demo_sf.get("query", params={"q": "SELECT Id FROM Lead"}, headers=headers)
    body = response.json()
    assert len(body["records"]) == min(page, body["totalSize"])
    assert body["totalSize"] > 300
    follow = (
        demo_sf.get(body["nextRecordsUrl"], headers=headers).json() if not body["done"] else None
    )
    if follow is not None:
        assert len(follow["records"]) == min(page, body["totalSize"] - page)


def test_query_all_includes_deleted_rows(sf):
    sf.admin.settings(page_size=30)
    contacts = live_contacts(sf)
    sf.admin.delete("Contact", [contacts[0]["Id"]])
    assert sf.delete(f"sobjects/Contact/{contacts[1]['Id']}").status_code == 204
    soql = "SELECT Id, IsDeleted FROM Contact"
    live = sf.query_all_pages(soql)
    first = sf.get("queryAll", params={"q": soql}).json()
    match = NEXT_URL.match(first["nextRecordsUrl"])
    assert match
    assert match[1] == "query"  # Salesforce pages a queryAll at query/{locator} too
    everything = sf.query_all_pages(soql, resource="queryAll")
    assert len(everything) == len({r["Id"] for r in everything}) == first["totalSize"]
    deleted = {r["Id"] for r in everything if r["IsDeleted"]}
    assert {contacts[0]["Id"], contacts[1]["Id"]} <= deleted
    assert not deleted & {r["Id"] for r in live}
    assert len(live) == len(everything) - len(deleted)


def test_relationships_and_compound_fields(sf):
    [account] = sf.admin.insert(
        "Account",
        [{"Name": "Nest Co", "BillingCity": "Lyon", "BillingCountry": "France",
          "Headquarters__Latitude__s": 45.75, "Headquarters__Longitude__s": 4.85}],
    )  # fmt: skip
    sf.admin.insert("Contact", [{"LastName": "Nested", "AccountId": account["Id"]}])
    sf.admin.insert("Contact", [{"LastName": "Orphan"}])
    soql = (
        "SELECT Id, LastName, Account.Name, Account.Owner.Name, Account.BillingAddress, "
        "MailingAddress FROM Contact WHERE LastName IN ('Nested', 'Orphan') ORDER BY LastName"
    )
    nested, orphan = sf.query(soql).json()["records"]
    assert nested["Account"]["attributes"]["type"] == "Account"
    assert nested["Account"]["attributes"]["url"].endswith(f"/sobjects/Account/{account['Id']}")
    assert nested["Account"]["Name"] == "Nest Co"
    assert nested["Account"]["Owner"]["attributes"]["type"] == "User"
    assert isinstance(nested["Account"]["Owner"]["Name"], str)
    billing = nested["Account"]["BillingAddress"]
    assert billing["city"] == "Lyon"
    assert billing["country"] == "France"
    assert set(billing) == {
        "street", "city", "state", "postalCode", "country", "latitude", "longitude",
        "geocodeAccuracy",
    }  # fmt: skip
    assert orphan["Account"] is None
    assert orphan["MailingAddress"] is None
    hq = sf.query(f"SELECT Headquarters__c FROM Account WHERE Id = '{account['Id']}'").json()
    assert hq["records"][0]["Headquarters__c"] == {"latitude": 45.75, "longitude": 4.85}


def test_value_formats(demo_sf):
    record = demo_sf.query(
        "SELECT CreatedDate, HasOptedOutOfEmail, Lifetime_Value__c, Interests__c FROM Contact "
        "WHERE Interests__c != null AND Lifetime_Value__c != null LIMIT 1"
    ).json()["records"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", record["CreatedDate"])
    assert isinstance(record["HasOptedOutOfEmail"], bool)
    assert isinstance(record["Lifetime_Value__c"], int | float)
    assert ";" in record["Interests__c"] or record["Interests__c"].isalpha()


def test_count(demo_sf):
    live = demo_sf.query("SELECT COUNT() FROM Contact").json()
    assert live["records"] == []
    assert live["done"] is True
    total = demo_sf.get("queryAll", params={"q": "SELECT COUNT() FROM Contact"}).json()["totalSize"]
    assert 0 < live["totalSize"] <= total
    aggregate = demo_sf.query("SELECT COUNT(Id) FROM Contact").json()
    assert aggregate["records"] == [
        {"attributes": {"type": "AggregateResult"}, "expr0": live["totalSize"]}
    ]


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        ("SELECT FROM Contact", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", ""),
        ("SELEC Id FROM Contact", "MALFORMED_QUERY", ""),
        ("SELECT Nope__c FROM Contact", "INVALID_FIELD", "No such column 'Nope__c'"),
        ("SELECT Id FROM Contact WHERE Bogus = 1", "INVALID_FIELD", "Bogus"),
        ("SELECT Nobody.Name FROM Contact", "INVALID_FIELD", "Nobody"),
        ("SELECT Id FROM NoSuchThing__c", "INVALID_TYPE", "sObject type 'NoSuchThing__c'"),
    ],
)
def test_query_errors(demo_sf, soql, code, text):
    error = error_of(demo_sf.query(soql), 400)
    assert error["errorCode"] == code
    assert text in error["message"]


@pytest.mark.parametrize("expire", ["ttl", "admin"])
def test_locator_expiry(sf, expire):
    sf.admin.settings(page_size=10)
    body = sf.query("SELECT Id FROM Contact").json()
    if expire == "ttl":
        sf.admin.settings(locator_ttl_seconds=0.2)
        time.sleep(0.3)
    else:
        assert sf.admin.expire_cursors() >= 1
    error = error_of(sf.get(body["nextRecordsUrl"]), 400)
    assert error["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_bad_locator(sf):
    for locator in ("01gNOTAREALLOCATOR-10", "garbage"):
        assert error_of(sf.get(f"query/{locator}"), 400)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_at_most_ten_cursors_per_user(sf):
    sf.admin.settings(page_size=5)
    urls = [
        sf.query(f"SELECT Id FROM Contact LIMIT {20 + i}").json()["nextRecordsUrl"]
        for i in range(11)
    ]
    assert error_of(sf.get(urls[0]), 400)["errorCode"] == "INVALID_QUERY_LOCATOR"
    for url in urls[1:]:
        assert sf.get(url).status_code == 200


def test_finished_cursor_is_closed(sf):
    sf.admin.settings(page_size=50)
    body = sf.query("SELECT Id FROM Contact LIMIT 60").json()
    url = body["nextRecordsUrl"]
    assert sf.get(url).json()["done"] is True
    assert error_of(sf.get(url), 400)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_timeout(sf):
    count = sf.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    sf.admin.settings(query_timeout_rows=count - 1)
    error = error_of(sf.query("SELECT Id FROM Contact"), 400)
    assert error["errorCode"] == "QUERY_TIMEOUT"
    narrow = sf.query("SELECT Id FROM Contact LIMIT 5")
    assert narrow.status_code == 200
    assert narrow.json()["totalSize"] == 5
    sf.admin.settings(query_timeout_rows=count)
    assert sf.query("SELECT Id FROM Contact").status_code == 200


def test_hidden_field(sf):
    sf.admin.settings(hidden_fields=["Account.Phone"])
    for soql in ("SELECT Id, Phone FROM Account", "SELECT Id FROM Account WHERE Phone != null",
                 "SELECT Account.Phone FROM Contact"):  # fmt: skip
        assert error_of(sf.query(soql), 400)["errorCode"] == "INVALID_FIELD", soql
    assert sf.query("SELECT Id, Fax FROM Account").status_code == 200
    assert sf.query("SELECT Id, Phone FROM Contact").status_code == 200
    names = [f["name"] for f in sf.get("sobjects/Account/describe").json()["fields"]]
    assert "Phone" in names


def test_string_equality_case_insensitive_and_escaping(sf):
    sf.admin.insert(
        "Contact",
        [
            {"LastName": "O'Brien", "Email": "Mixed.Case@Example.COM"},
            {"LastName": "Back\\slash"},
        ],
    )
    escaped = sf.query("SELECT LastName FROM Contact WHERE LastName = 'o\\'brien'").json()
    assert [r["LastName"] for r in escaped["records"]] == ["O'Brien"]
    by_email = sf.query("SELECT LastName FROM Contact WHERE Email = 'mixed.case@example.com'")
    assert by_email.json()["totalSize"] == 1
    like = sf.query("SELECT LastName FROM Contact WHERE LastName LIKE 'O\\'BR%'").json()
    assert like["totalSize"] == 1
    slash = sf.query("SELECT LastName FROM Contact WHERE LastName = 'back\\\\slash'").json()
    assert [r["LastName"] for r in slash["records"]] == ["Back\\slash"]
    unescaped = sf.query("SELECT LastName FROM Contact WHERE LastName = 'O'Brien'")
    assert error_of(unescaped, 400)["errorCode"] == "MALFORMED_QUERY"


# --- composite/batch ------------------------------------------------------------------------


def describe_request(name: str) -> dict[str, str]:
    return {"method": "GET", "url": f"/services/data/v{VERSION}/sobjects/{name}/describe"}


def test_composite_batch_of_describes_is_one_call(sf):
    names = [o["name"] for o in sf.get("sobjects").json()["sobjects"]]
    wanted = (names * 2)[:25]
    before = sf.admin.calls()
    response = sf.post(
        "composite/batch",
        json={"haltOnError": False, "batchRequests": [describe_request(n) for n in wanted]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["hasErrors"] is False
    assert [r["statusCode"] for r in body["results"]] == [200] * 25
    assert [r["result"]["name"] for r in body["results"]] == wanted
    after = sf.admin.calls()
    assert after["total"] == before["total"] + 1
    assert after["by_endpoint"]["composite_batch"] == 1
    assert "describe" not in after["by_endpoint"]


def test_composite_batch_is_one_use_of_the_session(sf):
    sf.admin.settings(token_ttl_calls=2)
    sf.login()
    batch = {"batchRequests": [describe_request(n) for n in ("Account", "Contact", "Lead")] * 2}
    body = sf.post("composite/batch", json=batch).json()
    assert [r["statusCode"] for r in body["results"]] == [200] * 6
    assert sf.get("limits").status_code == 200
    assert error_of(sf.get("limits"), 401)["errorCode"] == "INVALID_SESSION_ID"


def test_composite_batch_too_many(sf):
    response = sf.post(
        "composite/batch", json={"batchRequests": [describe_request("Account")] * 26}
    )
    assert response.status_code == 400
    assert isinstance(response.json(), list)


def test_composite_batch_partial_failure(sf):
    requests_ = [
        describe_request("Account"),
        describe_request("NoSuchObject__c"),
        {"method": "GET", "url": f"v{VERSION}/query?q=SELECT+Id+FROM+Contact+LIMIT+2"},
        {"method": "GET", "url": f"v{VERSION}/query?q=SELECT+Nope+FROM+Contact"},
    ]
    body = sf.post("composite/batch", json={"batchRequests": requests_}).json()
    assert body["hasErrors"] is True
    codes = [r["statusCode"] for r in body["results"]]
    assert codes == [200, 404, 200, 400]
    assert body["results"][1]["result"][0]["errorCode"] == "NOT_FOUND"
    assert body["results"][3]["result"][0]["errorCode"] == "INVALID_FIELD"
    assert len(body["results"][2]["result"]["records"]) == 2


def test_composite_batch_halt_on_error(sf):
    requests_ = [describe_request("Nope__c"), describe_request("Account")]
    body = sf.post("composite/batch", json={"haltOnError": True, "batchRequests": requests_}).json()
    assert body["hasErrors"] is True
    assert [r["statusCode"] for r in body["results"]] == [404, 412]

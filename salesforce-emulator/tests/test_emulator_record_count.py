"""``GET limits/recordCount``: records per object, the recycle bin left out."""

from __future__ import annotations


def live(sf, name: str) -> int:
    return len([r for r in sf.admin.records(name) if not r.get("IsDeleted")])


def test_named_objects_in_the_order_asked(sf):
    response = sf.get("limits/recordCount", params={"sObjects": "Contact,Account"})
    assert response.status_code == 200
    assert response.json() == {
        "sObjects": [
            {"count": live(sf, "Contact"), "name": "Contact"},
            {"count": live(sf, "Account"), "name": "Account"},
        ]
    }


def test_deleted_and_created_records_change_the_count(sf):
    def count() -> int:
        body = sf.get("limits/recordCount", params={"sObjects": "Contact"}).json()
        return int(body["sObjects"][0]["count"])

    before = count()
    created = sf.post("sobjects/Contact", json={"LastName": "Counted"}).json()["id"]
    assert count() == before + 1
    assert sf.delete(f"sobjects/Contact/{created}").status_code == 204
    assert count() == before
    assert before == live(sf, "Contact")


def test_without_the_parameter_every_object_with_records(sf):
    body = sf.get("limits/recordCount").json()
    names = [entry["name"] for entry in body["sObjects"]]
    assert names == sorted(names)
    assert {"Account", "Contact", "User"} <= set(names)
    assert all(entry["count"] > 0 for entry in body["sObjects"])
    assert list(body["sObjects"][0]) == ["count", "name"]


def test_unknown_names_are_left_out(sf):
    body = sf.get("limits/recordCount", params={"sObjects": "Account,Nope__c"}).json()
    assert [entry["name"] for entry in body["sObjects"]] == ["Account"]


def test_record_count_is_one_api_call_and_gzips(sf):
    response = sf.get("limits/recordCount", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert sf.admin.calls()["by_endpoint"]["limits_record_count"] == 1

"""sObject collections (``composite/sobjects``) over plain HTTP: per-record results, allOrNone."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_http import Api, error_of

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def contact(last_name: str, **values: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, "LastName": last_name, **values}


def stored_last_names(api: Api, prefix: str) -> list[str]:
    return sorted(
        r["LastName"] for r in api.admin.records("Contact") if r["LastName"].startswith(prefix)
    )


def create(
    api: Api, records: list[dict[str, Any]], all_or_none: bool = False
) -> list[dict[str, Any]]:
    response = api.post("composite/sobjects", json={"allOrNone": all_or_none, "records": records})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_create_two_hundred(sf):
    results = create(sf, [contact(f"Coll {i:03d}", Email=f"c{i}@coll.example") for i in range(200)])
    assert len(results) == 200
    assert all(r["success"] is True and r["errors"] == [] for r in results)
    ids = [r["id"] for r in results]
    assert len(set(ids)) == 200
    rows = {r["Id"]: r["LastName"] for r in sf.admin.records("Contact", ids)}
    assert [rows[i] for i in ids] == [f"Coll {i:03d}" for i in range(200)]


def test_more_than_two_hundred_refused(sf):
    response = sf.post(
        "composite/sobjects", json={"records": [contact(f"Big {i}") for i in range(201)]}
    )
    assert error_of(response, 400)["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert stored_last_names(sf, "Big ") == []


@pytest.mark.parametrize(
    ("bad", "code", "fields"),
    [
        (contact("Bad", Email="not-an-email"), "INVALID_EMAIL_ADDRESS", ["Email"]),
        (
            {"attributes": {"type": "Contact"}, "FirstName": "No last"},
            "REQUIRED_FIELD_MISSING",
            ["LastName"],
        ),
        (contact("Bad", Name="Full"), "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
        (contact("Bad" * 30), "STRING_TOO_LONG", ["LastName"]),
    ],
)
def test_partial_failure_keeps_the_others(sf, bad, code, fields):
    records = [
        contact("Part A", Email="a@part.example"),
        bad,
        contact("Part C", Email="c@part.example"),
    ]
    first, failed, third = create(sf, records)
    assert first["success"] is True
    assert third["success"] is True
    assert failed["success"] is False
    [error] = failed["errors"]
    assert error["statusCode"] == code
    assert error["fields"] == fields
    assert error["message"]
    assert "errorCode" not in error
    assert stored_last_names(sf, "Part ") == ["Part A", "Part C"]


def test_all_or_none_rolls_back(sf):
    records = [contact("Aon A"), contact("Aon B", Email="bad@@example"), contact("Aon C")]
    results = create(sf, records, all_or_none=True)
    assert [r["success"] for r in results] == [False, False, False]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    for result in (results[0], results[2]):
        assert [e["statusCode"] for e in result["errors"]] == [ROLLED_BACK]
    assert stored_last_names(sf, "Aon ") == []
    assert all(r["success"] for r in create(sf, [contact("Aon D")], all_or_none=True))


def test_update_get_and_delete(sf):
    ids = [r["id"] for r in create(sf, [contact(f"Upd {i}") for i in range(3)])]
    missing = "0035g000000zzzzAAA"
    updates = [
        {"attributes": {"type": "Contact"}, "id": ids[0], "Title": "First"},
        {"attributes": {"type": "Contact"}, "id": ids[1], "Email": "broken"},
        {"attributes": {"type": "Contact"}, "id": ids[2], "Title": "Third"},
    ]
    response = sf.patch("composite/sobjects", json={"allOrNone": False, "records": updates})
    assert response.status_code == 200
    results = response.json()
    assert [r["success"] for r in results] == [True, False, True]
    assert [r["id"] for r in results if r["success"]] == [ids[0], ids[2]]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"

    got = sf.get(
        "composite/sobjects/Contact",
        params={"ids": f"{ids[0]},{missing},{ids[2]}", "fields": "LastName,Title"},
    )
    assert got.status_code == 200
    first, absent, third = got.json()
    assert (first["LastName"], first["Title"]) == ("Upd 0", "First")
    assert first["attributes"]["type"] == "Contact"
    assert absent is None
    assert third["Title"] == "Third"

    deleted = sf.delete(
        "composite/sobjects", params={"ids": f"{ids[0]},{ids[1]}", "allOrNone": "false"}
    )
    assert deleted.status_code == 200
    assert [(r["id"], r["success"]) for r in deleted.json()] == [(ids[0], True), (ids[1], True)]
    again = sf.delete("composite/sobjects", params={"ids": ids[0]}).json()
    assert again[0]["success"] is False
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    flags = {r["Id"]: r["IsDeleted"] for r in sf.admin.records("Contact", ids)}
    assert flags == {ids[0]: 1, ids[1]: 1, ids[2]: 0}


def test_update_needs_an_id(sf):
    [result] = sf.patch("composite/sobjects", json={"records": [contact("No Id")]}).json()
    assert result["success"] is False
    assert result["errors"][0]["statusCode"] == "MISSING_ARGUMENT"


def test_unable_to_lock_row_is_one_record(sf):
    sf.admin.settings(lock_row_failures=1)
    results = create(sf, [contact(f"Lock {i}") for i in range(4)])
    assert [r["success"] for r in results] == [False, True, True, True]
    assert results[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert stored_last_names(sf, "Lock ") == ["Lock 1", "Lock 2", "Lock 3"]
    assert sf.admin.settings()["lock_row_failures"] == 0
    assert all(r["success"] for r in create(sf, [contact("Lock 0")]))


def test_duplicate_rule_in_collection(sf):
    sf.admin.settings(duplicate_rules=["Contact"])
    existing = next(r for r in sf.admin.records("Contact") if r["Email"] and not r["IsDeleted"])
    results = create(
        sf,
        [
            contact("Dup", Email=existing["Email"].title()),
            contact("Dup Free", Email="free@dup.example"),
        ],
    )
    assert [r["success"] for r in results] == [False, True]
    assert results[0]["errors"][0]["statusCode"] == "DUPLICATES_DETECTED"

"""Record Ids as an org gives them: they grow with creation, and SOQL compares them in base 62.

Ids are 15 base-62 characters (``0-9A-Za-z``, ASCII order) plus a case-safe suffix; Id range
conditions compare case-sensitively in that order, which is what Bulk API 1.0's PK chunking
(``Id >= '00130000000132G' AND Id < '00130000000264W'``) and the tap's Id-range chunks rely
on. A text comparison (case-insensitive) would put ``...A`` and ``...a`` together.
"""

from __future__ import annotations

from emulator_http import Api

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(record_id: str) -> int:
    number = 0
    for char in record_id[:15]:
        number = number * 62 + ALPHABET.index(char)
    return number


def live_ids(api: Api) -> list[str]:
    return [r["Id"] for r in api.admin.records("Contact") if not r["IsDeleted"]]


def test_new_ids_grow_with_creation(sf: Api) -> None:
    created = [sf.admin.insert("Contact", [{"LastName": f"N{n}"}])[0]["Id"] for n in range(3)]
    assert [base62(i) for i in created] == sorted(base62(i) for i in created)
    assert base62(created[0]) > max(base62(i) for i in live_ids(sf)[:-3])
    assert all(len(i) == 18 for i in created)


def test_id_ranges_compare_case_sensitively_in_base62_order(sf: Api) -> None:
    ids = live_ids(sf)
    prefix = ids[0][:14]
    # Ids ending A..Z, not a..z: a case-insensitive comparison would find none.
    soql = f"SELECT Id FROM Contact WHERE Id >= '{prefix}A' AND Id < '{prefix}a'"
    found = [r["Id"] for r in sf.query_all_pages(soql)]
    expected = [i for i in ids if i[:14] == prefix and "A" <= i[14] <= "Z"]
    assert expected
    assert sorted(found) == sorted(expected)
    # An 18-character literal means the same Id.
    upper = sf.query_all_pages(soql.replace(f"'{prefix}a'", f"'{prefix}aAAA'"))
    assert sorted(r["Id"] for r in upper) == sorted(expected)


def test_order_by_id_is_base62_order(sf: Api) -> None:
    ascending = [r["Id"] for r in sf.query_all_pages("SELECT Id FROM Contact ORDER BY Id")]
    assert ascending == sorted(live_ids(sf), key=base62)
    [highest] = sf.query("SELECT Id FROM Contact ORDER BY Id DESC LIMIT 1").json()["records"]
    assert highest["Id"] == ascending[-1]

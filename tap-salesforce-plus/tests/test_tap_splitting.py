"""Wide objects: a 700-field custom object read with split queries joined by Id."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import pytest
from salesforce_common.api_limits import MAX_URI_BYTES
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus import bulk as bulk_module
from tap_salesforce_plus.splitting import PartSpool, merge_records, split_terms
from tapsf_support import make_tap, sync

OBJECT = "Wide_Metrics__c"
STREAM = "wide_metrics__c"
ROWS = 30
TYPES = ("double", "string", "boolean", "int", "date")


@pytest.fixture
def wide(emulator: RunningEmulator) -> RunningEmulator:
    """A custom object with 700 custom fields (plus system fields) and 30 rows."""
    fields = [
        {"name": f"Quarterly_Measurement_{n:03d}__c", "type": TYPES[n % len(TYPES)]}
        for n in range(700)
    ]
    emulator.admin.define_object({"name": OBJECT, "fields": fields})
    emulator.admin.generate(OBJECT, ROWS)
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    return emulator


def stored(emulator: RunningEmulator) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in emulator.admin.records(OBJECT)}


def test_split_terms_packs_parts_that_fit() -> None:
    terms = ["Id", "Key", *(f"F{n}" for n in range(10))]
    parts = split_terms(terms, required=["Id", "Key"], cost=len, budget=5)
    assert parts == [
        ["Id", "Key", "F0", "F1"],
        ["Id", "Key", "F2", "F3"],
        ["Id", "Key", "F4", "F5"],
        ["Id", "Key", "F6", "F7"],
        ["Id", "Key", "F8", "F9"],
    ]
    assert split_terms(terms, required=["Id"], cost=len, budget=100) == [terms]
    assert split_terms(["A", "Id"], required=["Id"], cost=len, budget=100) == [["A", "Id"]]
    assert split_terms(["A"], required=["Id"], cost=len, budget=100) == [["Id", "A"]]


def test_spool_joins_parts_by_id_and_merges_parents() -> None:
    with PartSpool(2) as spool:
        spool.add(0, "a", {"Id": "a", "X": 1, "Contact": {"Id": "c", "Email": "e"}})
        spool.add(1, "a", {"Id": "a", "Y": 2, "Contact": {"Id": "c", "Phone": "p"}})
        spool.add(0, "b", {"Id": "b", "X": 3})
        parts = spool.take("a")
        assert parts is not None
        assert spool.take("b") is None  # missing from part 1
    merged = merge_records(parts[0], parts[1])
    assert merged == {"Id": "a", "X": 1, "Y": 2, "Contact": {"Id": "c", "Email": "e", "Phone": "p"}}


def test_rest_read_of_700_fields_is_split_under_the_uri_limit(wide: RunningEmulator) -> None:
    run = sync(wide.config(tables=[f"custom:{OBJECT}"], api_type="rest"))
    statements = run.soql(OBJECT)
    assert len(statements) >= 2
    base = f"{run.tap.sf_session.base_url}/query?"
    for soql in statements:
        assert soql.startswith("SELECT Id, SystemModstamp, ")
        assert " WHERE SystemModstamp < " in soql
        assert soql.endswith(" ORDER BY SystemModstamp ASC")
        assert len(base) + len(urlencode({"q": soql})) < MAX_URI_BYTES
    selected = [set(s.split(" FROM ")[0].removeprefix("SELECT ").split(", ")) for s in statements]
    assert set.union(*selected) >= {f"Quarterly_Measurement_{n:03d}__c" for n in range(700)}

    records = run.records(STREAM)
    rows = stored(wide)
    assert len(records) == ROWS == len({r["Id"] for r in records})
    for record in records:
        assert len(record) == len(run.schema(STREAM)["properties"])
        row = rows[record["Id"]]
        for n in (0, 1, 2, 3, 4, 350, 699):
            name = f"Quarterly_Measurement_{n:03d}__c"
            value = row[name]
            expected = (
                bool(value) if TYPES[n % len(TYPES)] == "boolean" and value is not None else value
            )
            assert record[name] == expected, name
    assert [r["SystemModstamp"] for r in records] == sorted(r["SystemModstamp"] for r in records)
    assert run.state["bookmarks"][STREAM]["replication_key_value"] == records[-1]["SystemModstamp"]


def test_bulk_read_of_700_fields_equals_the_rest_read(wide: RunningEmulator) -> None:
    config = wide.config(tables=[f"custom:{OBJECT}"])
    rest = sync({**config, "api_type": "rest"})
    bulk = sync({**config, "api_type": "bulk"})
    assert len(bulk.bulk_soql(OBJECT)) == 1  # 700 fields fit in one 100,000-character statement
    assert {r["Id"]: r for r in bulk.records(STREAM)} == {r["Id"]: r for r in rest.records(STREAM)}


def test_bulk_read_is_split_when_the_statement_is_too_long(
    wide: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Bulk split at Salesforce's 100,000 characters needs names longer than the emulator
    allows to reach; the limit is lowered to exercise the same code with 700 fields."""
    config = wide.config(tables=[f"custom:{OBJECT}"])
    rest = sync({**config, "api_type": "rest"})
    monkeypatch.setattr(bulk_module, "MAX_SOQL_CHARS", 9_000)
    bulk = sync({**config, "api_type": "bulk", "bulk_page_size": 7})
    statements = bulk.bulk_soql(OBJECT)
    assert len(statements) >= 3
    assert all(len(s) < 9_000 for s in statements)
    assert all(s.startswith("SELECT Id, SystemModstamp, ") for s in statements)
    assert {r["Id"]: r for r in bulk.records(STREAM)} == {r["Id"]: r for r in rest.records(STREAM)}
    assert "bulk_job" not in bulk.state["bookmarks"][STREAM]


def test_row_changed_between_parts_is_dropped_then_read_next_run(wide: RunningEmulator) -> None:
    config = wide.config(tables=[f"custom:{OBJECT}"], api_type="rest", lookback_minutes=0)
    run = make_tap(config)
    changed = next(iter(stored(wide)))
    touched: list[str] = []

    def touch_after_first_part(response: Any, *args: Any, **kwargs: Any) -> None:
        if (
            not touched
            and "q=" in (response.request.url or "")
            and "SELECT+COUNT" not in (response.request.url or "")
        ):
            touched.append(changed)
            wide.admin.update(OBJECT, [{"Id": changed, "Name": "Changed mid-read"}])

    run.tap.sf_session.http.hooks["response"].append(touch_after_first_part)
    run.tap.sync_all()
    first_ids = {r["Id"] for r in run.records(STREAM)}
    assert touched == [changed]
    assert changed not in first_ids
    assert len(first_ids) == ROWS - 1

    time.sleep(1.01)  # a read covers what changed before its start, to the second
    second = sync(config, state=run.state)
    again = [r for r in second.records(STREAM) if r["Id"] == changed]
    assert [r["Name"] for r in again] == ["Changed mid-read"]

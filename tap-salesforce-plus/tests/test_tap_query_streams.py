"""SOQL query streams: schema from describe (parents nested), bookmark ANDed to the user's
WHERE through the shared parser, one-line errors naming the query at discovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from salesforce_common import ConfigError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import make_tap, run_cli, shared_emulator, sync

DEALS = {
    "name": "big_deals",
    "soql": "SELECT Id, Name, Amount, StageName, Account.Name, Account.Owner.Name, "
    "SystemModstamp FROM Opportunity WHERE StageName != 'Closed Lost' OR Amount > 1000",
    "replication_key": "SystemModstamp",
}
NULLABLE_STRING = {"type": ["string", "null"]}


def query_config(
    emulator: RunningEmulator, *queries: dict[str, Any], **settings: Any
) -> dict[str, Any]:
    return emulator.config(tables=["account"], queries=list(queries), **settings)


def test_query_stream_schema_records_and_incremental_where() -> None:
    emulator = shared_emulator()
    config = query_config(emulator, DEALS)
    run = sync(config)

    schema = run.schema("big_deals")
    assert list(schema["properties"]) == [
        "Id", "Name", "Amount", "StageName", "Account", "SystemModstamp",
    ]  # fmt: skip
    assert schema["properties"]["Amount"] == {"type": ["number", "null"]}
    assert schema["properties"]["Account"] == {
        "type": ["object", "null"],
        "properties": {
            "Name": NULLABLE_STRING,
            "Owner": {"type": ["object", "null"], "properties": {"Name": NULLABLE_STRING}},
        },
    }
    stream = run.tap.streams["big_deals"]
    assert stream.primary_keys == ["Id"]
    assert stream.replication_key == "SystemModstamp"

    accounts = {r["Id"]: r for r in emulator.admin.records("Account")}
    users = {r["Id"]: r for r in run.tap.sf_session.iter_query("SELECT Id, Name FROM User")}
    stored = [
        r
        for r in emulator.admin.records("Opportunity")
        if not r["IsDeleted"] and (r["StageName"] != "Closed Lost" or (r["Amount"] or 0) > 1000)
    ]
    records = {r["Id"]: r for r in run.records("big_deals")}
    assert set(records) == {r["Id"] for r in stored}
    for row in stored:
        record = records[row["Id"]]
        account = accounts.get(row["AccountId"])
        if account is None:
            assert record["Account"] is None
        else:
            owner = users[account["OwnerId"]]
            assert record["Account"] == {"Name": account["Name"], "Owner": {"Name": owner["Name"]}}
        assert record["SystemModstamp"].endswith(".000Z")

    [first] = run.soql("Opportunity")
    assert first == (
        "SELECT Id, Name, Amount, StageName, Account.Name, Account.Owner.Name, SystemModstamp "
        "FROM Opportunity WHERE StageName != 'Closed Lost' OR Amount > 1000 "
        "ORDER BY SystemModstamp ASC"
    )
    bookmark = run.state["bookmarks"]["big_deals"]["replication_key_value"]
    again = sync({**config, "lookback_minutes": 0}, state=run.state)
    [incremental] = again.soql("Opportunity")
    assert incremental.endswith(
        "FROM Opportunity WHERE (StageName != 'Closed Lost' OR Amount > 1000) AND "
        f"SystemModstamp >= {bookmark[:19]}Z ORDER BY SystemModstamp ASC"
    )
    assert {r["Id"] for r in again.records("big_deals")} == {
        i for i, r in records.items() if r["SystemModstamp"] == bookmark
    }


def test_query_stream_without_key_is_full_table_and_keeps_its_own_clauses() -> None:
    query = {
        "name": "Recent Tasks",
        "soql": "select subject, who.name, what.type from task where status = 'Completed' "
        "order by subject desc limit 5",
        "primary_keys": ["Subject"],
    }
    run = sync(query_config(shared_emulator(), query))
    [soql] = run.soql("Task")
    assert soql == (
        "SELECT Subject, Who.Name, What.Type FROM Task WHERE status = 'Completed' "
        "ORDER BY subject DESC LIMIT 5"
    )
    records = run.records("Recent Tasks")
    assert len(records) == 5
    assert [r["Subject"] for r in records] == sorted((r["Subject"] for r in records), reverse=True)
    assert set(records[0]) == {"Subject", "Who", "What"}
    assert run.schema("Recent Tasks")["properties"]["Who"]["properties"] == {
        "Name": NULLABLE_STRING
    }
    assert run.tap.streams["Recent Tasks"].primary_keys == ["Subject"]
    assert run.tap.streams["Recent Tasks"].replication_key is None


@pytest.mark.parametrize(
    ("soql", "extra", "message"),
    [
        pytest.param(
            "SELECT Id, Name FROM Account WHERE",
            {},
            "invalid SOQL at character 35: unexpected token: <EOF>",
            id="syntax",
        ),
        pytest.param(
            "SELECT Name FROM Account GROUP BY Name",
            {},
            "invalid SOQL at character 26: GROUP is not supported in query streams",
            id="group-by",
        ),
        pytest.param(
            "SELECT COUNT() FROM Account", {}, "COUNT() and aggregate functions", id="count"
        ),
        pytest.param(
            "SELECT Id, Nmae FROM Account", {}, "Account has no field 'Nmae' (Nmae)", id="field"
        ),
        pytest.param(
            "SELECT Id, Acount.Name FROM Contact",
            {},
            "Contact has no relationship 'Acount' (Acount.Name)",
            id="relationship",
        ),
        pytest.param("SELECT Id FROM Nope__c", {}, "object 'Nope__c' does not exist", id="object"),
        pytest.param(
            "SELECT Id, Name FROM Account",
            {"replication_key": "Name"},
            "replication_key 'Name' must be a datetime field of Account",
            id="key-type",
        ),
        pytest.param(
            "SELECT Id, Name FROM Account ORDER BY Name",
            {"replication_key": "SystemModstamp"},
            "ORDER BY is set by the tap (ORDER BY SystemModstamp ASC); remove it",
            id="order-by",
        ),
        pytest.param(
            "SELECT Id, What.Industry FROM Task",
            {},
            "What.Industry: a polymorphic relationship offers only Id, Name and Type",
            id="polymorphic",
        ),
        pytest.param(
            "SELECT Id, Name FROM Account",
            {"name": "account"},
            "its name is the name of a table stream; rename the query",
            id="name-clash",
        ),
    ],
)
def test_invalid_query_is_a_one_line_error_naming_it(
    soql: str, extra: dict[str, Any], message: str
) -> None:
    query = {"name": "broken", "soql": soql, **extra}
    with pytest.raises(ConfigError) as caught:
        make_tap(query_config(shared_emulator(), query)).tap.discover_streams()
    text = str(caught.value)
    assert text.startswith(f"queries: query {query['name']!r}: ")
    assert message in text
    assert "\n" not in text


def test_invalid_query_fails_discovery_on_the_command_line(tmp_path: Path) -> None:
    query = {"name": "broken", "soql": "SELECT Id FROM Account WHERE Name = 'x"}
    result = run_cli(["--discover"], query_config(shared_emulator(), query), tmp_path)
    assert result.returncode == 1
    assert result.errors[-1].endswith(
        "queries: query 'broken': invalid SOQL at character 39: mismatched character '<EOF>' "
        "expecting '''"
    )
    assert "Traceback" not in result.stderr

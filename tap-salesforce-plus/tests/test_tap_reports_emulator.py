"""Report streams against the emulator's Analytics API, compared with SOQL over the same data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from salesforce_common import ConfigError
from salesforce_emulator.pytest_plugin import RunningEmulator, start_emulator
from salesforce_emulator.values import make_id
from tap_salesforce_plus.report_schema import MAX_DETAIL_ROWS
from tapsf_support import TapRun, make_tap, run_cli, shared_emulator

BIG_SCALE = 11_000
"""Enough for 2,200 contacts: the All Contacts report is cut at 2,000 rows."""


@pytest.fixture(scope="module")
def big_org() -> Iterator[RunningEmulator]:
    running = start_emulator(BIG_SCALE)
    try:
        yield running
    finally:
        running.admin.http.close()
        running.server.stop()


def run_reports(emulator: RunningEmulator, reports: list[Any]) -> tuple[TapRun, list[Any]]:
    """Sync report streams; also return the POSTed report runs' metadata."""
    run = make_tap(emulator.config(tables=["user_role"], reports=reports))
    posts: list[Any] = []

    def record(response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        if request.method == "POST" and "/analytics/reports/" in request.url:
            posts.append(request.body)

    run.tap.sf_session.http.hooks["response"].append(record)
    run.tap.sync_all()
    return run, posts


def soql(run: TapRun, statement: str) -> list[dict[str, Any]]:
    return list(run.tap.sf_session.iter_query(statement))


def test_report_over_2000_rows_is_paged_without_loss_or_repeat(big_org: RunningEmulator) -> None:
    run, posts = run_reports(big_org, ["All_Contacts"])
    records = run.records("all_contacts")
    contacts = {r["Id"]: r for r in soql(run, "SELECT Id, Name, Email FROM Contact")}
    assert len(contacts) > MAX_DETAIL_ROWS
    assert len(records) == len(contacts)
    assert len({r["contact_id"] for r in records}) == len(records)
    assert {r["contact_id"] for r in records} == set(contacts)
    for record in records:
        contact = contacts[record["contact_id"]]
        assert record["contact_id__label"] == contact["Name"]
        assert record["email"] == contact["Email"]
    assert len(posts) == 2
    schema = run.schema("all_contacts")["properties"]
    assert schema["contact_id"]["description"] == "Contact ID"
    assert schema["contact_lifetime_value_c"]["type"] == ["number", "null"]
    assert "contact_lifetime_value_c__currency" in schema
    assert schema["birthdate"]["format"] == "date"


def test_report_with_saved_boolean_filter_matches_soql() -> None:
    run, _ = run_reports(shared_emulator(), ["Open_Opportunities"])
    records = run.records("open_opportunities")
    rows = soql(
        run,
        "SELECT Id, Name, Amount FROM Opportunity WHERE StageName NOT IN ('Closed Won', "
        "'Closed Lost') AND (Amount > 0 OR Amount = null)",
    )
    assert records
    assert sorted(r["opportunity_name"] for r in records) == sorted(r["Id"] for r in rows)
    amounts = {r["Id"]: r["Amount"] for r in rows}
    for record in records:
        assert record["opportunity_name__label"]
        expected = amounts[record["opportunity_name"]]
        assert record["amount"] == (None if expected is None else pytest.approx(float(expected)))


def test_summary_report_yields_the_rows_of_every_grouping() -> None:
    run, _ = run_reports(shared_emulator(), ["Opportunities_by_Stage"])
    records = run.records("opportunities_by_stage")
    rows = soql(run, "SELECT Id, AccountId FROM Opportunity")
    assert sorted(r["opportunity_name"] for r in records) == sorted(r["Id"] for r in rows)
    accounts = {r["Id"]: r["AccountId"] for r in rows}
    assert all(r["account_name"] == accounts[r["opportunity_name"]] for r in records)


def test_wildcard_offers_the_tabular_reports_the_user_can_see() -> None:
    run = make_tap(shared_emulator().config(tables=["user_role"], reports=["*"]))
    names = set(run.tap.streams) - {"user_role"}
    assert names == {"all_accounts", "open_opportunities", "all_contacts"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "gone", "report_id": make_id("00O", 99)}, r"report 'gone' .*NOT_FOUND"),
        (
            {"name": "exec", "report_id": make_id("00O", 6)},
            r"report 'exec' .*the user cannot see this report \(INSUFFICIENT_PRIVILEGES\)",
        ),
        ("No_Such_Report", r"report 'No_Such_Report': no report has this developer name"),
        ("Pipeline_by_Stage_and_Type", r"report 'Pipeline_by_Stage_and_Type': it is a MATRIX"),
    ],
)
def test_bad_reports_fail_in_one_line(entry: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as exc:
        make_tap(shared_emulator().config(tables=["user_role"], reports=[entry]))
    assert "\n" not in str(exc.value)


def test_cli_report_error_is_one_line_and_sync_writes_report_records(tmp_path: Path) -> None:
    emulator = shared_emulator()
    bad = emulator.config(
        tables=["user_role"], reports=[{"name": "secret", "report_id": make_id("00O", 6)}]
    )
    (tmp_path / "bad").mkdir()
    result = run_cli(["--discover"], bad, tmp_path / "bad")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.errors
    assert "report 'secret'" in line
    assert "INSUFFICIENT_PRIVILEGES" in line
    good = emulator.config(tables=["user_role"], reports=["Opportunities_by_Stage"])
    (tmp_path / "good").mkdir()
    synced = run_cli([], good, tmp_path / "good")
    assert synced.returncode == 0, synced.stderr[-2000:]
    messages = [json.loads(m) for m in synced.stdout.splitlines()]
    records = [
        m for m in messages if m["type"] == "RECORD" and m["stream"] == "opportunities_by_stage"
    ]
    assert len(records) == sum(
        1 for r in emulator.admin.records("Opportunity") if not r["IsDeleted"]
    )

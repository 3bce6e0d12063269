"""Formula fields change without SystemModstamp moving; ``<stream>__formulas`` re-reads them."""

from __future__ import annotations

import copy
import datetime as dt
import logging
from typing import Any

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus.values import format_datetime, parse_datetime
from tapsf_support import sync


def aged(state: dict[str, Any], stream: str, hours: float) -> dict[str, Any]:
    """The state with the stream's last formula refresh moved ``hours`` into the past."""
    older = copy.deepcopy(state)
    entry = older["bookmarks"][stream]
    when = parse_datetime(entry["formulas_refreshed_at"]) - dt.timedelta(hours=hours)
    entry["formulas_refreshed_at"] = format_datetime(when)
    return older


def test_formula_changes_arrive_in_the_formulas_stream_when_due(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = emulator.config(tables=["case", "contact"], formula_refresh_hours=24)
    first = sync(config)
    schema = first.schema("case__formulas")
    assert list(schema["properties"]) == [
        "Id", "ContactPhone", "ContactMobile", "ContactEmail", "ContactFax",
    ]  # fmt: skip
    assert first.tap.streams["case__formulas"].primary_keys == ["Id"]
    assert first.tap.streams["case__formulas"].replication_key is None
    assert first.soql("Case")[-1] == (
        "SELECT Id, ContactPhone, ContactMobile, ContactEmail, ContactFax FROM Case"
    )
    cases = first.records("case")
    assert len(first.records("case__formulas")) == len(cases)
    assert "contact__formulas" in first.tap.streams  # Contact.Name is a formula too

    case = next(r for r in cases if r["ContactId"])
    new_email = "changed.formula@example.com"
    emulator.admin.update("Contact", [{"Id": case["ContactId"], "Email": new_email}])

    with caplog.at_level(logging.INFO):
        not_due = sync(config, state=first.state)
    assert case["Id"] not in {r["Id"] for r in not_due.records("case")}  # no Modstamp change
    assert not_due.records("case__formulas") == []
    assert "Stream case__formulas: formula fields refreshed at " in caplog.text
    assert (
        not_due.state["bookmarks"]["case__formulas"] == first.state["bookmarks"]["case__formulas"]
    )

    older = aged(not_due.state, "case__formulas", 25)
    due = sync(config, state=older)
    refreshed = {r["Id"]: r for r in due.records("case__formulas")}
    assert len(refreshed) == len(cases)
    assert refreshed[case["Id"]]["ContactEmail"] == new_email
    assert set(refreshed[case["Id"]]) == set(schema["properties"])
    assert (
        due.state["bookmarks"]["case__formulas"]["formulas_refreshed_at"]
        > older["bookmarks"]["case__formulas"]["formulas_refreshed_at"]
    )


def test_no_formulas_streams_unless_asked(emulator: RunningEmulator) -> None:
    run = sync(emulator.config(tables=["case"], api_type="rest"))
    assert set(run.tap.streams) == {"case"}

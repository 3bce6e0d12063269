"""Bulk API 2.0 reads: identical records to REST, the auto choice, job faults, fallback, resume.

Each sync is compared with the emulator's stored rows: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from salesforce_common.bulk import BulkJobFailedError, BulkShortReadError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import TapRun, make_tap, stored_counts, sync

TABLES = [
    "account",
    "contact",
    "opportunity",
    "event",
    "custom:My__Community_Group__c",
    "custom:Project__c",
]
STREAMS = ["account", "contact", "opportunity", "event", "my__community_group__c", "project__c"]
PAST = "2025-01-02T03:04:05.000+0000"
QUIRKY_TEXT = 'Line one,\nline "two"\r\nnaïve café — 漢字 ✓, a NUL \x00 and a tab\t.'


def fast_jobs(emulator: RunningEmulator) -> None:
    """Jobs complete on their first poll (after 0.1 s), keeping the tests quick."""
    emulator.admin.settings(bulk={"polls_to_complete": 0})


def by_id(run: TapRun, stream: str) -> dict[str, dict[str, Any]]:
    records = run.records(stream)
    found = {r["Id"]: r for r in records}
    assert len(found) == len(records), f"duplicates in {stream}"
    return found


def insert_quirky_rows(emulator: RunningEmulator) -> dict[str, str]:
    """Rows whose text needs CSV quoting, with nulls and compound parts; stamped in the past."""
    [account] = emulator.admin.insert(
        "Account",
        [
            {
                "Name": 'Quote "Corp", Ltd.',
                "Description": QUIRKY_TEXT,
                "BillingCity": "Zürich",
                "BillingLatitude": 47.3769,
                "BillingLongitude": 8.5417,
                "AnnualRevenue": 1500000.0,
                "NumberOfEmployees": 12,
                "SystemModstamp": PAST,
            }
        ],
    )
    [contact] = emulator.admin.insert(
        "Contact",
        [
            {
                "LastName": 'O\'Brien, "Jr."',
                "FirstName": "Zoë",
                "Description": QUIRKY_TEXT,
                "Email": None,
                "Preferred_Contact_Time__c": "09:30:00.000Z",
                "Birthdate": "1990-02-28",
                "SystemModstamp": PAST,
            }
        ],
    )
    return {"account": account["Id"], "contact": contact["Id"]}


def test_rest_and_bulk_extractions_give_identical_records(emulator: RunningEmulator) -> None:
    fast_jobs(emulator)
    quirky = insert_quirky_rows(emulator)
    config = emulator.config(tables=TABLES, include_deleted=True, bulk_page_size=25)
    rest = sync({**config, "api_type": "rest"})
    bulk = sync({**config, "api_type": "bulk"})

    expected = stored_counts(emulator, include_deleted=True)
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls["bulk_query_jobs"] == len(STREAMS)  # one job per stream, none for REST
    assert calls["bulk_query_results"] > len(STREAMS)  # several 25-row pages
    for stream in STREAMS:
        assert rest.schema(stream) == bulk.schema(stream)
        rest_rows, bulk_rows = by_id(rest, stream), by_id(bulk, stream)
        assert len(rest_rows) == expected[stream]
        assert set(bulk_rows) == set(rest_rows), stream
        for record_id, record in rest_rows.items():
            other = bulk_rows[record_id]
            assert set(other) == set(record), (stream, record_id)
            for name, value in record.items():
                assert other[name] == value, (stream, record_id, name, value, other[name])
                assert type(other[name]) is type(value) or {type(value), type(other[name])} <= {
                    int,
                    float,
                }, (stream, name)

    account = by_id(bulk, "account")[quirky["account"]]
    assert account["Description"] == QUIRKY_TEXT
    assert account["Name"] == 'Quote "Corp", Ltd.'
    assert account["BillingAddress"]["city"] == "Zürich"
    assert account["BillingAddress"]["latitude"] == 47.3769
    assert account["BillingAddress"]["street"] is None
    assert account["ShippingAddress"] is None
    assert account["SystemModstamp"] == "2025-01-02T03:04:05.000Z"
    contact = by_id(bulk, "contact")[quirky["contact"]]
    assert contact["Email"] is None
    assert contact["Preferred_Contact_Time__c"] == "09:30:00.000Z"
    assert contact["Birthdate"] == "1990-02-28"
    groups = [r for r in bulk.records("my__community_group__c") if r["Meeting_Place__c"]]
    assert groups
    assert set(groups[0]["Meeting_Place__c"]) == {"latitude", "longitude"}
    assert any(r["IsDeleted"] for r in bulk.records("contact"))


def test_bulk_job_selects_compound_components_within_bounds_unsorted(
    emulator: RunningEmulator,
) -> None:
    fast_jobs(emulator)
    run = sync(emulator.config(tables=["account"], api_type="bulk"))
    [soql] = run.bulk_soql("Account")
    columns = soql.removeprefix("SELECT ").split(" FROM ")[0].split(", ")
    assert columns[0] == "Id"
    assert "SystemModstamp" in columns
    assert "BillingAddress" not in columns
    assert {"BillingStreet", "BillingCity", "BillingLatitude", "BillingGeocodeAccuracy"} <= set(
        columns
    )
    until = run.state["bookmarks"]["account"]["replication_key_value"]
    assert soql.endswith(f" FROM Account WHERE SystemModstamp < {until[:19]}Z")
    assert "ORDER BY" not in soql
    assert "bulk_job" not in run.state["bookmarks"]["account"]
    assert emulator.org.bulk.query_jobs == {}  # deleted once read
    assert len(run.records("account")) == stored_counts(emulator, include_deleted=False)["account"]
    assert all(set(r["BillingAddress"] or {}) <= {
        "street", "city", "state", "postalCode", "country", "latitude", "longitude",
        "geocodeAccuracy",
    } for r in run.records("account"))  # fmt: skip


def test_auto_mode_uses_bulk_above_the_threshold_only(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    fast_jobs(emulator)
    expected = stored_counts(emulator, include_deleted=False)
    assert expected["account"] < 50 < expected["contact"]
    config = emulator.config(tables=["account", "contact"], bulk_threshold=50)
    with caplog.at_level(logging.INFO):
        run = sync(config)
    assert run.counts() == {"account": expected["account"], "contact": expected["contact"]}
    # The choice comes from the org's approximate counts, asked in discovery's batch: no
    # COUNT() query, no extra call.
    assert run.counts_sent("Account") == []
    assert run.counts_sent("Contact") == []
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls["composite_batch"] == 1
    assert len(run.soql("Account")) == 1  # REST
    assert run.soql("Contact") == []  # Bulk: no REST query
    approximate = "rows in the org (limits/recordCount, approximate)"
    assert f"Stream contact: {expected['contact']} {approximate}, Bulk API" in caplog.text
    assert f"Stream account: {expected['account']} {approximate}, REST" in caplog.text

    # From a bookmark, a table above the threshold counts its window (a small increment of a
    # large table stays on REST); one at most the threshold needs no count at all.
    with caplog.at_level(logging.INFO):
        again = sync(config, state=run.state)
    assert again.counts_sent("Account") == []
    [count] = again.counts_sent("Contact")
    assert count.startswith("SELECT COUNT() FROM Contact WHERE SystemModstamp >= ")
    assert "Stream contact: " in caplog.text
    assert "rows to read (COUNT()), REST" in caplog.text


def test_without_record_counts_each_stream_counts(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """No counts from the org (API below 40.0 here; or a user without "View Setup and
    Configuration"): each stream's COUNT() decides."""
    fast_jobs(emulator)
    expected = stored_counts(emulator, include_deleted=False)
    config = emulator.config(tables=["account", "contact"], bulk_threshold=50, api_version="39.0")
    with caplog.at_level(logging.INFO):
        run = sync(config)
    assert run.counts() == {"account": expected["account"], "contact": expected["contact"]}
    assert run.counts_sent("Account") == ["SELECT COUNT() FROM Account"]
    assert run.counts_sent("Contact") == ["SELECT COUNT() FROM Contact"]
    assert f"Stream contact: {expected['contact']} rows to read (COUNT()), Bulk API" in caplog.text


def test_failed_job_is_an_error_with_salesforce_message_and_state_kept(
    emulator: RunningEmulator,
) -> None:
    fast_jobs(emulator)
    config = emulator.config(tables=["contact"], api_type="bulk")
    first = sync(config)
    emulator.admin.settings(bulk={"fail_next": "Internal error: query took too long"})
    run = make_tap(config, state=first.state)
    with pytest.raises(BulkJobFailedError) as caught:
        run.tap.sync_all()
    message = str(caught.value)
    assert "stream contact: Bulk API query job 750" in message
    assert "ended Failed: Internal error: query took too long" in message
    assert "\n" not in message
    state = run.state["bookmarks"]["contact"]
    assert "bulk_job" not in state  # the next run queries again
    assert (
        state["replication_key_value"]
        == first.state["bookmarks"]["contact"]["replication_key_value"]
    )
    assert emulator.org.bulk.query_jobs == {}  # deleted


def test_job_stuck_in_progress_then_completing_is_read_in_full(emulator: RunningEmulator) -> None:
    emulator.admin.settings(bulk={"stuck_polls": 3, "polls_to_complete": 0})
    run = sync(emulator.config(tables=["contact"], api_type="bulk"))
    assert len(by_id(run, "contact")) == stored_counts(emulator, include_deleted=False)["contact"]
    assert emulator.admin.calls()["by_endpoint"]["bulk_query_job"] == 4 + 1  # polls + DELETE


def test_short_read_is_an_error_and_the_next_run_reads_everything(
    emulator: RunningEmulator,
) -> None:
    fast_jobs(emulator)
    emulator.admin.settings(bulk={"short_read_rows": 5})
    config = emulator.config(tables=["contact"], api_type="bulk", bulk_page_size=30)
    run = make_tap(config)
    with pytest.raises(BulkShortReadError, match="processed 79 records but its results held 74"):
        run.tap.sync_all()
    assert "bulk_job" not in run.state["bookmarks"]["contact"]
    assert "replication_key_value" not in run.state["bookmarks"]["contact"]

    again = sync(config, state=run.state)
    assert (
        len(by_id(again, "contact"))
        == 79
        == stored_counts(emulator, include_deleted=False)["contact"]
    )


def test_object_the_bulk_api_refuses_falls_back_to_rest(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.admin.set_object_flags("Lead", bulk_supported=False)
    with caplog.at_level(logging.WARNING):
        run = sync(emulator.config(tables=["lead"], api_type="bulk"))
    assert len(by_id(run, "lead")) == stored_counts(emulator, include_deleted=False)["lead"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "Stream lead: the Bulk API does not support Lead (INVALIDENTITY); reading it over REST"
        in r.getMessage()
        for r in warnings
    )
    assert len(run.soql("Lead")) == 1
    assert run.state["bookmarks"]["lead"]["replication_key_value"] == max(
        r["SystemModstamp"] for r in run.records("lead")
    )


def test_resume_from_saved_state_reuses_the_job_without_a_new_query(
    emulator: RunningEmulator,
) -> None:
    """A run stopped mid-download (here by the API-call guard) resumes at the next page."""
    fast_jobs(emulator)
    config = emulator.config(tables=["contact"], api_type="bulk", bulk_page_size=20)
    # Calls: sobjects, composite/batch, POST job, poll, page 1, page 2 -> stop before page 3.
    stopped = make_tap({**config, "max_api_calls": 6})
    with pytest.raises(Exception, match="max_api_calls is 6"):
        stopped.tap.sync_all()
    first = stopped.records("contact")
    assert len(first) == 40
    saved = stopped.state["bookmarks"]["contact"]["bulk_job"]
    assert saved["rows"] == 40
    assert saved["locator"]
    assert "replication_key_value" not in stopped.state["bookmarks"]["contact"]
    posts_before = emulator.admin.calls()["by_endpoint"]["bulk_query_jobs"]

    resumed = sync(config, state=stopped.state)
    assert emulator.admin.calls()["by_endpoint"]["bulk_query_jobs"] == posts_before
    ids = [r["Id"] for r in first + resumed.records("contact")]
    assert len(ids) == len(set(ids)) == stored_counts(emulator, include_deleted=False)["contact"]
    final = resumed.state["bookmarks"]["contact"]
    assert "bulk_job" not in final
    assert final["replication_key_value"] == saved["until"]


def test_resume_of_a_job_that_is_gone_queries_again_from_the_bookmark(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    fast_jobs(emulator)
    config = emulator.config(tables=["contact"], api_type="bulk")
    bookmark = "2020-01-01T00:00:00.000Z"
    state = {
        "bookmarks": {
            "contact": {
                "replication_key": "SystemModstamp",
                "replication_key_value": bookmark,
                "bulk_job": {"id": "750000000000000AAA", "locator": "MjA", "rows": 20},
            }
        }
    }
    with caplog.at_level(logging.WARNING):
        run = sync(config, state=state)
    assert "Bulk API job 750000000000000AAA of the saved state no longer exists" in caplog.text
    [soql] = run.bulk_soql("Contact")
    assert "WHERE SystemModstamp >= 2019-12-31T23:55:00Z AND SystemModstamp < " in soql
    assert len(by_id(run, "contact")) == stored_counts(emulator, include_deleted=False)["contact"]
    assert run.state["bookmarks"]["contact"]["replication_key_value"] > bookmark


def test_field_hidden_by_field_level_security_is_dropped_in_bulk_as_in_rest(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    fast_jobs(emulator)
    emulator.admin.settings(hidden_fields=["Account.Phone"])
    config = emulator.config(tables=["account"])
    rest = sync({**config, "api_type": "rest"})
    with caplog.at_level(logging.WARNING):
        bulk = sync({**config, "api_type": "bulk"})
    assert "Dropping field Account.Phone from stream account" in caplog.text
    [refused, accepted] = bulk.bulk_soql("Account")
    assert "Phone" in refused.split(", ")
    assert "Phone" not in accepted.split(", ")
    assert all("Phone" not in r and "Fax" in r for r in bulk.records("account"))
    assert by_id(bulk, "account") == by_id(rest, "account")

"""The SOQL the tap builds, and exactly what it sends to the (shared, read-only) emulator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tap_salesforce_plus.soql import build_select, soql_datetime
from tapsf_support import make_tap, shared_emulator, sync

BOOKMARK = "2024-07-15T20:18:56.000Z"
ACCOUNT_FIELDS = "Id, SystemModstamp, Name"  # describe order


def test_soql_datetime_is_utc_rounded_down_to_the_second() -> None:
    berlin = dt.timezone(dt.timedelta(hours=2))
    assert soql_datetime(dt.datetime(2024, 7, 15, 22, 18, 56, 999000, berlin)) == (
        "2024-07-15T20:18:56Z"
    )


def test_build_select_shapes() -> None:
    since = dt.datetime(2024, 7, 15, 20, 18, 56, tzinfo=dt.UTC)
    assert build_select("Account", ["Id", "Name"]) == "SELECT Id, Name FROM Account"
    assert build_select("Account", ["Id"], replication_key="SystemModstamp") == (
        "SELECT Id FROM Account ORDER BY SystemModstamp ASC"
    )
    assert build_select("Account", ["Id"], replication_key="SystemModstamp", since=since) == (
        "SELECT Id FROM Account WHERE SystemModstamp >= 2024-07-15T20:18:56Z "
        "ORDER BY SystemModstamp ASC"
    )
    with pytest.raises(ValueError, match="no fields"):
        build_select("Account", [])


def account_only_catalog(config: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """The discovered catalog with only ``account`` selected, and of it only ``fields``."""
    catalog = make_tap(config).tap.catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = entry["tap_stream_id"] == "account"
            else:
                item["metadata"]["selected"] = item["breadcrumb"][-1] in fields
    return catalog


def account_state(value: str = BOOKMARK) -> dict[str, Any]:
    return {
        "bookmarks": {
            "account": {"replication_key": "SystemModstamp", "replication_key_value": value}
        }
    }


@pytest.mark.parametrize(
    ("settings", "state", "resource", "where"),
    [
        pytest.param({}, None, "query", "", id="first-run"),
        pytest.param(
            {"start_date": "2024-01-01T00:00:00Z"},
            None,
            "query",
            " WHERE SystemModstamp >= 2024-01-01T00:00:00Z",
            id="start-date",
        ),
        pytest.param(
            {},
            account_state(),
            "query",
            " WHERE SystemModstamp >= 2024-07-15T20:13:56Z",
            id="bookmark-minus-default-lookback",
        ),
        pytest.param(
            {"lookback_minutes": 0},
            account_state("2024-07-15T20:18:56.000+0000"),
            "query",
            " WHERE SystemModstamp >= 2024-07-15T20:18:56Z",
            id="bookmark-no-lookback",
        ),
        pytest.param(
            {"lookback_minutes": 60, "start_date": "2024-07-15T20:00:00Z"},
            account_state(),
            "query",
            " WHERE SystemModstamp >= 2024-07-15T20:00:00Z",
            id="lookback-never-before-start-date",
        ),
        pytest.param(
            {"include_deleted": True},
            account_state(),
            "queryAll",
            " WHERE SystemModstamp >= 2024-07-15T20:13:56Z",
            id="query-all",
        ),
    ],
)
def test_exact_soql_sent(
    settings: dict[str, Any], state: dict[str, Any] | None, resource: str, where: str
) -> None:
    config = shared_emulator().config(tables=["account", "contact"], **settings)
    catalog = account_only_catalog(config, {"Name"})
    run = sync(config, state=state, catalog=catalog)
    expected = f"SELECT {ACCOUNT_FIELDS} FROM Account{where} ORDER BY SystemModstamp ASC"
    assert run.queries == [(resource, expected)]
    assert run.counts()["account"] > 0
    assert set(run.records("account")[0]) == {"Id", "Name", "SystemModstamp"}


def test_every_selected_field_is_queried_by_default() -> None:
    run = sync(shared_emulator().config(tables=["account"]))
    [(resource, soql)] = run.queries
    properties = list(run.schema("account")["properties"])
    assert resource == "query"
    assert soql == f"SELECT {', '.join(properties)} FROM Account ORDER BY SystemModstamp ASC"
    assert {"BillingAddress", "BillingCity", "Customer_Tier__c"} <= set(properties)

"""The SOQL the tap builds, and exactly what it sends to the (shared, read-only) emulator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from salesforce_common.soql import Query, format_query, parse_soql
from tap_salesforce_plus.soql import count_query, field_ref, read_query, soql_datetime
from tapsf_support import make_tap, shared_emulator, sync

BOOKMARK = "2024-07-15T20:18:56.000Z"
ACCOUNT_FIELDS = "Id, SystemModstamp, Name"  # describe order


def test_soql_datetime_is_utc_rounded_down_to_the_second() -> None:
    berlin = dt.timezone(dt.timedelta(hours=2))
    assert soql_datetime(dt.datetime(2024, 7, 15, 22, 18, 56, 999000, berlin)) == (
        "2024-07-15T20:18:56Z"
    )


def build_select(base: Query, terms: list[str], **window: Any) -> str:
    return format_query(read_query(base, terms, **window))


def test_read_query_shapes() -> None:
    account = Query(select=(field_ref("Id"),), from_object="Account")
    since = dt.datetime(2024, 7, 15, 20, 18, 56, tzinfo=dt.UTC)
    until = dt.datetime(2024, 7, 16, tzinfo=dt.UTC)
    key = "SystemModstamp"
    assert build_select(account, ["Id", "Name"]) == "SELECT Id, Name FROM Account"
    assert build_select(account, ["Id"], replication_key=key) == (
        "SELECT Id FROM Account ORDER BY SystemModstamp ASC"
    )
    assert build_select(account, ["Id"], replication_key=key, since=since) == (
        "SELECT Id FROM Account WHERE SystemModstamp >= 2024-07-15T20:18:56Z "
        "ORDER BY SystemModstamp ASC"
    )
    bulk = read_query(account, ["Id"], replication_key=key, since=since, until=until, ordered=False)
    assert format_query(bulk) == (
        "SELECT Id FROM Account WHERE SystemModstamp >= 2024-07-15T20:18:56Z AND "
        "SystemModstamp < 2024-07-16T00:00:00Z"
    )
    assert format_query(count_query(bulk)) == format_query(bulk).replace(
        "SELECT Id", "SELECT COUNT()"
    )
    with pytest.raises(ValueError, match="no fields"):
        build_select(account, [])
    with pytest.raises(ValueError, match="need a replication_key"):
        build_select(account, ["Id"], since=since)


def test_window_is_anded_to_a_user_condition_in_parentheses() -> None:
    user = parse_soql("SELECT Id FROM Lead WHERE Status = 'Open' OR Rating = 'Hot' LIMIT 10")
    since = dt.datetime(2024, 7, 15, tzinfo=dt.UTC)
    text = build_select(user, ["Id", "Name"], replication_key="SystemModstamp", since=since)
    assert text == (
        "SELECT Id, Name FROM Lead WHERE (Status = 'Open' OR Rating = 'Hot') AND "
        "SystemModstamp >= 2024-07-15T00:00:00Z ORDER BY SystemModstamp ASC LIMIT 10"
    )


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
    # With include_deleted, IsDeleted is read although deselected: it marks deleted rows.
    fields = (
        ACCOUNT_FIELDS.replace("Id, ", "Id, IsDeleted, ", 1)
        if resource == "queryAll"
        else ACCOUNT_FIELDS
    )
    expected = f"SELECT {fields} FROM Account{where} ORDER BY SystemModstamp ASC"
    assert run.queries == [(resource, expected)]  # below bulk_threshold (recordCount): no COUNT()
    assert run.counts()["account"] > 0
    assert set(run.records("account")[0]) == {"Id", "Name", "SystemModstamp"}


def test_every_selected_field_is_queried_by_default() -> None:
    run = sync(shared_emulator().config(tables=["account"], api_type="rest"))
    [(resource, soql)] = run.queries
    properties = list(run.schema("account")["properties"])
    assert resource == "query"
    assert soql == f"SELECT {', '.join(properties)} FROM Account ORDER BY SystemModstamp ASC"
    assert {"BillingAddress", "BillingCity", "Customer_Tier__c"} <= set(properties)

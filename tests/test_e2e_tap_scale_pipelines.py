"""tap-salesforce-plus at scale, end to end into PostgreSQL through target-postgres: SOQL query
streams and relationship sub-objects (REST), then Bulk API reads with compound fields and hard
deletes, each checked against what the emulator stores."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Postgres, tap_into_postgres
from salesforce_emulator.pytest_plugin import RunningEmulator
from singer_pipes import PipeResult

pytestmark = pytest.mark.slow

DEALS_SOQL = (
    "SELECT Id, Name, Amount, StageName, Account.Name, Account.Owner.Name, SystemModstamp "
    "FROM Opportunity WHERE StageName != 'Closed Lost' OR Amount > 1000"
)


def pipeline(
    emulator: RunningEmulator,
    postgres: Postgres,
    workdir: Path,
    env: dict[str, str],
    *,
    schema: str,
    name: str,
    state: dict[str, Any] | None = None,
    **settings: Any,
) -> PipeResult:
    return tap_into_postgres(
        emulator, postgres.target_config(schema), workdir, env, name, state=state, **settings
    )


def live(emulator: RunningEmulator, object_name: str) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in emulator.admin.records(object_name) if not r["IsDeleted"]}


def test_query_streams_and_sub_objects_into_postgres(
    emulator: RunningEmulator, postgres: Postgres, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    schema = "e2e_queries"
    settings = {
        "tables": ["case", "opportunity"],
        "relationships": {"case": ["Contact"], "opportunity": ["Account"]},
        "queries": [
            {"name": "big_deals", "soql": DEALS_SOQL, "replication_key": "SystemModstamp"},
            {
                "name": "completed_tasks",
                "soql": "SELECT Id, Subject, Who.Name FROM Task WHERE Status = 'Completed'",
            },
        ],
        "lookback_minutes": 0,
    }
    first = pipeline(
        emulator, postgres, tmp_path, clean_env, schema=schema, name="first", **settings
    )

    contacts = live(emulator, "Contact")
    cases = live(emulator, "Case")
    rows = postgres.rows(
        f'SELECT "Id", "ContactId", "Contact"->>\'Id\', "Contact"->>\'Email\', '
        f'"Contact"->>\'LastName\' FROM {schema}."case"'
    )
    assert len(rows) == len(cases)
    for case_id, contact_id, nested_id, email, last_name in rows:
        assert cases[case_id]["ContactId"] == contact_id
        if contact_id is None:
            assert nested_id is None
            continue
        assert (nested_id, email, last_name) == (
            contact_id,
            contacts[contact_id]["Email"],
            contacts[contact_id]["LastName"],
        )
    accounts = live(emulator, "Account")
    deals = {
        i: r
        for i, r in live(emulator, "Opportunity").items()
        if r["StageName"] != "Closed Lost" or (r["Amount"] or 0) > 1000
    }
    loaded = postgres.rows(
        f'SELECT "Id", "Account"->>\'Name\', "Account"->\'Owner\'->>\'Name\', "Amount" '
        f"FROM {schema}.big_deals"
    )
    assert {row[0] for row in loaded} == set(deals)
    for deal_id, account_name, owner_name, amount in loaded:
        account = accounts.get(deals[deal_id]["AccountId"])
        assert account_name == (account["Name"] if account else None)
        assert (owner_name is not None) == (account is not None)
        assert amount == pytest.approx(deals[deal_id]["Amount"])
    completed = [r for r in emulator.admin.records("Task") if r["Status"] == "Completed"]
    completed = [r for r in completed if not r["IsDeleted"]]
    assert postgres.rows(f"SELECT COUNT(*) FROM {schema}.completed_tasks")[0][0] == len(completed)
    assert first.record_counts()["completed_tasks"] == len(completed)

    # Incremental: the bookmark condition is ANDed to the user's WHERE, in parentheses.
    changed = next(iter(deals))
    emulator.admin.update("Opportunity", [{"Id": changed, "Amount": 999999}])
    second = pipeline(
        emulator,
        postgres,
        tmp_path,
        clean_env,
        schema=schema,
        name="second",
        state=first.last_state(),
        **settings,
    )
    assert changed in {r["Id"] for r in second.records("big_deals")}
    assert second.record_counts()["big_deals"] < len(deals)
    assert postgres.rows(
        f'SELECT "Amount" FROM {schema}.big_deals WHERE "Id" = %s', (changed,)
    ) == [(999999,)]


def test_bulk_reads_with_compounds_and_hard_deletes_into_postgres(
    emulator: RunningEmulator, postgres: Postgres, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    schema = "e2e_bulk"
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    settings = {
        "tables": ["account", "lead"],
        "api_type": "bulk",
        "bulk_page_size": 10,
        "include_deleted": True,
        "lookback_minutes": 0,
    }
    first = pipeline(
        emulator, postgres, tmp_path, clean_env, schema=schema, name="bulk1", **settings
    )
    assert emulator.admin.calls()["by_endpoint"]["bulk_query_jobs"] == 2
    stored = {r["Id"]: r for r in emulator.admin.records("Account")}
    loaded = postgres.rows(
        f'SELECT "Id", "BillingAddress"->>\'city\', "BillingCity", "IsDeleted" '
        f"FROM {schema}.account"
    )
    assert len(loaded) == len(stored)
    for account_id, city, billing_city, deleted in loaded:
        assert city == billing_city == stored[account_id]["BillingCity"]
        assert deleted == bool(stored[account_id]["IsDeleted"])

    lead = next(r["Id"] for r in emulator.admin.records("Lead") if not r["IsDeleted"])
    emulator.admin.purge("Lead", [lead])
    time.sleep(1.01 - dt.datetime.now(dt.UTC).microsecond / 1e6)
    second = pipeline(
        emulator,
        postgres,
        tmp_path,
        clean_env,
        schema=schema,
        name="bulk2",
        state=first.last_state(),
        **settings,
    )
    [record] = [r for r in second.records("lead") if r["Id"] == lead]
    assert record["IsDeleted"] is True
    assert record["_sdc_deleted_at"]
    [(deleted, deleted_at)] = postgres.rows(
        f'SELECT "IsDeleted", "_sdc_deleted_at" FROM {schema}.lead WHERE "Id" = %s', (lead,)
    )
    assert deleted is True
    assert deleted_at is not None
    assert "bulk_job" not in second.last_state()["bookmarks"]["lead"]

"""Deletes reach the destination: tap-salesforce-plus | target-postgres, real processes.

Rows in the recycle bin and rows purged from it land with ``_sdc_deleted_at`` set, live rows
with it null (REST and Bulk reads alike); a full-table stream whose source lost a row, run
twice into target-postgres with ``hard_delete: true``, leaves that row gone (ACTIVATE_VERSION).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Postgres, tap_into_postgres

pytestmark = pytest.mark.slow


def next_second() -> None:
    """Wait into the next second: a read covers what happened before its start, to the second."""
    time.sleep(1 - dt.datetime.now(dt.UTC).microsecond / 1e6 + 0.01)


@pytest.mark.parametrize("api_type", ["rest", "bulk"])
def test_deleted_and_purged_rows_land_with_sdc_deleted_at(
    emulator: Any, postgres: Postgres, tmp_path: Path, clean_env: dict[str, str], api_type: str
) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    schema = f"e2e_deletes_{api_type}"
    target = postgres.target_config(schema)
    settings = {
        "tables": ["contact"],
        "include_deleted": True,
        "api_type": api_type,
        "lookback_minutes": 0,
    }
    first = tap_into_postgres(emulator, target, tmp_path, clean_env, "first", **settings)
    stored = emulator.admin.records("Contact")
    already_deleted = {r["Id"] for r in stored if r["IsDeleted"]}
    assert already_deleted, "the demo org has contacts in the recycle bin"
    live = [r["Id"] for r in stored if not r["IsDeleted"]]
    soft, purged = live[:2], live[2]
    emulator.admin.delete("Contact", soft)
    emulator.admin.purge("Contact", [purged])
    next_second()
    tap_into_postgres(
        emulator, target, tmp_path, clean_env, "second", state=first.last_state(), **settings
    )

    rows = {
        row_id: (is_deleted, deleted_at)
        for row_id, is_deleted, deleted_at in postgres.rows(
            f'SELECT "Id", "IsDeleted", "_sdc_deleted_at" FROM {schema}.contact'
        )
    }
    deleted = already_deleted | set(soft) | {purged}
    assert len(rows) == len(stored)
    assert {i for i, (_, at) in rows.items() if at is not None} == deleted
    assert all(rows[i][0] is True for i in deleted)
    modstamps = {r["Id"]: r["SystemModstamp"][:19] for r in emulator.admin.records("Contact")}
    for row_id in already_deleted | set(soft):  # soft deletes: the delete's SystemModstamp
        assert rows[row_id][1].strftime("%Y-%m-%dT%H:%M:%S") == modstamps[row_id]
    assert purged not in modstamps  # gone from the org; its deletion date came from deleted/


def test_full_table_stream_with_hard_delete_drops_vanished_rows(
    emulator: Any, postgres: Postgres, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    schema = "e2e_activate_version"
    target = {**postgres.target_config(schema), "hard_delete": True}
    settings = {
        "tables": ["user_role"],
        "queries": [{"name": "account_names", "soql": "SELECT Id, Name FROM Account"}],
        "api_type": "rest",
    }
    accounts = [r["Id"] for r in emulator.admin.records("Account") if not r["IsDeleted"]]
    first = tap_into_postgres(emulator, target, tmp_path, clean_env, "first", **settings)
    assert [m for m in first.messages() if m["type"] == "ACTIVATE_VERSION"]
    landed = {row[0] for row in postgres.rows(f'SELECT "Id" FROM {schema}.account_names')}
    assert landed == set(accounts)

    gone, purged = accounts[0], accounts[1]
    emulator.admin.delete("Account", [gone])
    emulator.admin.purge("Account", [purged])
    tap_into_postgres(emulator, target, tmp_path, clean_env, "second", **settings)
    landed = {row[0] for row in postgres.rows(f'SELECT "Id" FROM {schema}.account_names')}
    assert landed == set(accounts) - {gone, purged}

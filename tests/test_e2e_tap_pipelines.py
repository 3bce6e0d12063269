"""tap-salesforce-plus end to end through real processes: into PostgreSQL, into target-jsonl, and
with ``meltano run``; full, incremental and delete-carrying runs checked against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2e_support import MELTANO, ROOT, Postgres, plugin_executable, workspace_executable
from salesforce_emulator.catalog import demo_catalog
from singer_pipes import run_pipeline, write_json

pytestmark = pytest.mark.slow

STANDARD_TABLES = {
    "account": "Account",
    "contact": "Contact",
    "lead": "Lead",
    "opportunity": "Opportunity",
    "opportunity_line_item": "OpportunityLineItem",
    "opportunity_contact_role": "OpportunityContactRole",
    "case": "Case",
    "campaign": "Campaign",
    "campaign_member": "CampaignMember",
    "task": "Task",
    "event": "Event",
    "email_message": "EmailMessage",
    "user": "User",
    "user_role": "UserRole",
    "product": "Product2",
    "pricebook": "Pricebook2",
    "pricebook_entry": "PricebookEntry",
}
CUSTOM_TABLES = {"my__community_group__c": "My__Community_Group__c", "project__c": "Project__c"}
ALL_TABLES = {**STANDARD_TABLES, **CUSTOM_TABLES}


def live_rows(
    emulator: Any, object_name: str, *, include_deleted: bool = False
) -> list[dict[str, Any]]:
    rows = emulator.admin.records(object_name)
    return [r for r in rows if include_deleted or not r.get("IsDeleted")]


def tap_config(emulator: Any, workdir: Path, **settings: Any) -> Path:
    config = emulator.config(tables=[*STANDARD_TABLES, "custom:*"], lookback_minutes=0, **settings)
    return write_json(workdir / "tap.json", config)


def pg_count(postgres: Postgres, schema: str, table: str) -> int:
    return int(postgres.rows(f'SELECT COUNT(*) FROM {schema}."{table}"')[0][0])


def test_full_incremental_and_deletes_into_postgres(emulator, postgres, tmp_path, clean_env):
    schema = "e2e_full"
    target = [
        plugin_executable("loaders", "target-postgres"),
        "--config",
        write_json(tmp_path / "pg.json", postgres.target_config(schema)),
    ]
    tap = [
        workspace_executable("tap-salesforce-plus"),
        "--config",
        tap_config(emulator, tmp_path, include_deleted=True),
    ]

    first = run_pipeline(tap, target, tmp_path, clean_env, "first")
    assert first.returncode == 0, first.stderr[-3000:]
    counts = first.record_counts()
    for stream, object_name in ALL_TABLES.items():
        expected = live_rows(emulator, object_name, include_deleted=True)
        assert counts[stream] == len(expected), stream
        assert pg_count(postgres, schema, stream) == len(expected), stream

    # A sample of values equals what the emulator holds (text with commas, quotes, newlines,
    # non-ASCII; compound address; booleans; datetimes normalised to UTC ISO 8601).
    stored = {r["Id"]: r for r in live_rows(emulator, "Account", include_deleted=True)}
    for account_id, name, city, deleted, modstamp in postgres.rows(
        f'SELECT "Id", "Name", "BillingAddress"->>\'city\', "IsDeleted", "SystemModstamp" '
        f"FROM {schema}.account"
    ):
        assert name == stored[account_id]["Name"]
        assert city == stored[account_id]["BillingCity"]
        assert deleted == bool(stored[account_id]["IsDeleted"])
        assert modstamp.strftime("%Y-%m-%dT%H:%M:%S") == stored[account_id]["SystemModstamp"][:19]

    # Second run with the state: only rows at or after each bookmark come again.
    state = write_json(tmp_path / "state.json", first.last_state())
    second = run_pipeline([*tap, "--state", state], target, tmp_path, clean_env, "second")
    assert second.returncode == 0, second.stderr[-3000:]
    bookmarks = bookmarks_by_stream(first.last_state())
    for message in second.messages():
        if message["type"] == "RECORD":
            assert message["record"]["SystemModstamp"] >= bookmarks[message["stream"]]
    assert sum(second.record_counts().values()) < sum(counts.values()) // 10

    # Third run after updates, soft deletes and a purge: exactly those changes arrive.
    contacts = live_rows(emulator, "Contact")
    updated = [c["Id"] for c in contacts[:3]]
    emulator.admin.update("Contact", [{"Id": i, "Title": "Changed by e2e"} for i in updated])
    deleted = emulator.admin.delete("Contact", [c["Id"] for c in contacts[3:5]])
    state = write_json(tmp_path / "state2.json", second.last_state())
    third = run_pipeline([*tap, "--state", state], target, tmp_path, clean_env, "third")
    assert third.returncode == 0, third.stderr[-3000:]
    changed = {r["Id"]: r for r in third.records("contact")}
    assert set(updated) | set(deleted) <= set(changed)
    assert all(changed[i]["Title"] == "Changed by e2e" for i in updated)
    assert all(changed[i]["IsDeleted"] is True for i in deleted)
    assert set(third.record_counts()) <= {"contact"} | {
        s for s, n in second.record_counts().items() if n
    }
    rows = dict(
        postgres.rows(
            f'SELECT "Id", "IsDeleted" FROM {schema}.contact WHERE "Id" = ANY(%s)',
            (updated + deleted,),
        )
    )
    assert rows == {**dict.fromkeys(updated, False), **dict.fromkeys(deleted, True)}


def bookmarks_by_stream(state: dict[str, Any]) -> dict[str, str]:
    streams = state.get("bookmarks", {})
    return {
        name: value["replication_key_value"]
        for name, value in streams.items()
        if "replication_key_value" in value
    }


def test_same_extraction_into_target_jsonl(emulator, tmp_path, clean_env):
    tap = [workspace_executable("tap-salesforce-plus"), "--config", tap_config(emulator, tmp_path)]
    target = [
        plugin_executable("loaders", "target-jsonl"),
        "--config",
        write_json(
            tmp_path / "jsonl.json",
            {"destination_path": str(tmp_path / "out"), "do_timestamp_file": False},
        ),
    ]
    result = run_pipeline(tap, target, tmp_path, clean_env, "jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    for stream, object_name in ALL_TABLES.items():
        lines = (tmp_path / "out" / f"{stream}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(live_rows(emulator, object_name)), stream
        first = json.loads(lines[0])
        assert "Id" in first
        assert "attributes" not in first


def test_meltano_run_into_postgres(emulator, postgres, tmp_path, clean_env):
    schema = "e2e_meltano"
    env = {
        **clean_env,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_PROJECT_ROOT": str(ROOT),
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "PATH": f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}",
        "TAP_SALESFORCE_PLUS_DOMAIN": emulator.url,
        "TAP_SALESFORCE_PLUS_ACCESS_TOKEN": emulator.access_token,
        "TAP_SALESFORCE_PLUS_TABLES": json.dumps(
            ["account", "contact", "custom:My__Community_Group__c"]
        ),
        "TARGET_POSTGRES_SQLALCHEMY_URL": postgres.target_config(schema)["sqlalchemy_url"],
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
    }
    result = subprocess.run(
        [str(MELTANO), "run", "tap-salesforce-plus", "target-postgres"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert pg_count(postgres, schema, "account") == len(live_rows(emulator, "Account"))
    assert pg_count(postgres, schema, "contact") == len(live_rows(emulator, "Contact"))
    assert pg_count(postgres, schema, "my__community_group__c") == len(
        live_rows(emulator, "My__Community_Group__c")
    )
    assert emulator.access_token not in result.stdout + result.stderr


def test_every_demo_object_is_covered():
    """The e2e table list matches the emulator's demo org (so no table silently drops out)."""
    names = {obj.name for obj in demo_catalog()}
    assert set(ALL_TABLES.values()) <= names

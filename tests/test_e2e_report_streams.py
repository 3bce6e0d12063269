"""Report and picklist streams end to end: tap-salesforce-plus | target-postgres -> PostgreSQL.

The emulator's "All Contacts" report is grown past Salesforce's 2,000-row cap of a
synchronous run, so the tap must page through it; what lands in PostgreSQL is compared with
a SOQL query over the same data.
"""

from __future__ import annotations

import re
from typing import Any

from e2e_support import Postgres, plugin_executable, workspace_executable
from singer_pipes import run_pipeline, write_json

CONTACT_ID = re.compile(r"^003[A-Za-z0-9]{15}$")


def test_report_over_2000_rows_and_picklists_into_postgres(
    emulator: Any, postgres: Postgres, tmp_path: Any, clean_env: dict[str, str]
) -> None:
    emulator.admin.generate("Contact", 2100, seed=11)
    schema = "e2e_reports"
    config = emulator.config(
        tables=["account", "picklist_values"],
        reports=[{"name": "All Contacts", "developer_name": "All_Contacts"}],
    )
    tap = [
        workspace_executable("tap-salesforce-plus"),
        "--config",
        write_json(tmp_path / "tap.json", config),
    ]
    target = [
        plugin_executable("loaders", "target-postgres"),
        "--config",
        write_json(tmp_path / "pg.json", postgres.target_config(schema)),
    ]
    result = run_pipeline(tap, target, tmp_path, clean_env)
    assert result.returncode == 0, result.stderr[-4000:]

    live = [r for r in emulator.admin.records("Contact") if not r.get("IsDeleted")]
    assert len(live) > 2000
    rows = postgres.rows(f'SELECT * FROM {schema}."all_contacts"')
    assert len(rows) == len(live)
    columns = list(zip(*rows, strict=True))
    id_columns = [c for c in columns if all(isinstance(v, str) and CONTACT_ID.match(v) for v in c)]
    assert id_columns, "no column of Contact Ids in the report table"
    assert set(id_columns[0]) == {r["Id"] for r in live}
    assert len(set(id_columns[0])) == len(rows)

    picklists = postgres.rows(f'SELECT * FROM {schema}."picklist_values"')
    assert any("Industry" in row and "Account" in row for row in picklists)

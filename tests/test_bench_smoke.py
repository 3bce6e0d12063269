"""``bench/run.py --smoke`` works: every client and path measured, with positive numbers.

Runs the one-command benchmark as a subprocess in its smoke mode (2,000 Account rows, 1,000
target records, one run per client, no peer the set-up does not install) and checks the JSON it
writes. No timing assertions: the numbers only have to be there and be positive.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from e2e_support import ROOT

pytestmark = pytest.mark.slow

EXPECTED = {
    ("floor (stdlib loop)", "REST"),
    ("tap-salesforce-plus", "REST -> /dev/null"),
    ("tap-salesforce-plus", "Bulk 2.0 -> /dev/null"),
    ("tap-salesforce-plus", "REST -> target-postgres"),
    ("tap-salesforce-plus", "Bulk 2.0 -> target-postgres"),
    ("simple-salesforce bulk2", "Bulk 2.0 CSV"),
    ("singer-io tap-salesforce 2.8.1", "REST -> /dev/null"),
    ("singer-io tap-salesforce 2.8.1", "Bulk 1.0 -> /dev/null"),
    ("tap-salesforce-plus", "17 default tables (small org)"),
    ("target-salesforce-contacts", "1,000 mixed records"),
}
GOALS = {
    "REST CPU/record: floor / tap",
    "REST CPU/record: singer-io / tap",
    "Bulk wall: simple-salesforce bulk2 / tap",
    "peak RSS tap REST (MB)",
    "peak RSS tap Bulk (MB)",
    "API calls: tap Bulk / tap REST",
    "17 default tables: API calls",
    "target records per CPU-second",
    "target records per second (wall)",
    "target API calls / minimum",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON of one smoke run (its PNG checked to exist)."""
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (out / "bench.png").stat().st_size > 0
    return dict(json.loads((out / "bench.json").read_text()))


def test_every_client_and_path_is_measured_with_positive_numbers(report: dict[str, Any]) -> None:
    measured = {(m["client"], m["path"]): m for m in report["measurements"]}
    assert set(measured) == EXPECTED
    for key, m in measured.items():
        for name in ("records", "cpu_s", "wall_s", "rss_mb", "calls", "records_per_cpu_s"):
            assert m[name] > 0, (key, name, m[name])


def test_every_row_is_read_by_every_extraction_client(report: dict[str, Any]) -> None:
    extraction = [m for m in report["measurements"] if m["rows"]]
    # The org's live rows (REST query, Bulk 2.0) or all stored rows (queryAll, Bulk 1.0).
    assert {m["records"] for m in extraction} <= set(range(1_900, 2_001))


def test_every_goal_has_a_verdict_and_airbyte_is_listed_as_not_measured(
    report: dict[str, Any],
) -> None:
    verdicts = {g["goal"]: g for g in report["goals"]}
    assert set(verdicts) >= GOALS
    for name in GOALS:
        assert verdicts[name]["status"] in {"met", "missed", "info"}
        assert verdicts[name]["value"] > 0
    assert [n["client"] for n in report["not_measured"]] == ["airbyte-source-salesforce"]

"""Doubles as Salesforce writes them (Java's ``Double.toString``: ``2.5E7``, ``1.0E-4``), read
by REST and by Bulk, come out of the tap as the same JSON numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import run_cli

AMOUNTS = {"Big": 25_000_000.0, "Small": 1e-4, "Plain": 48_000.0, "Negative": -3.5}
PAST = "2025-01-02T03:04:05.000+0000"


def account_lines(stdout: str) -> dict[str, str]:
    """The raw RECORD lines of the test's accounts, by account name."""
    lines = {}
    for line in stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD" and message["stream"] == "account":
            name = message["record"]["Name"]
            if name.startswith("Java "):
                lines[name.removeprefix("Java ")] = line
    return lines


@pytest.mark.parametrize("api_type", ["rest", "bulk"])
def test_java_form_currency_is_emitted_as_the_same_number(
    emulator: RunningEmulator, tmp_path: Path, api_type: str
) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    emulator.admin.insert(
        "Account",
        [
            {"Name": f"Java {name}", "AnnualRevenue": amount, "SystemModstamp": PAST}
            for name, amount in AMOUNTS.items()
        ],
    )
    # The org writes these as Java does: the tap must read the exponent forms.
    answer = emulator.admin.http.get(
        f"{emulator.url}/services/data/v64.0/query",
        params={"q": "SELECT AnnualRevenue FROM Account WHERE Name = 'Java Big'"},
        headers={"Authorization": f"Bearer {emulator.access_token}"},
        timeout=30,
    )
    assert '"AnnualRevenue": 2.5E7' in answer.text

    config: dict[str, Any] = emulator.config(tables=["account"], api_type=api_type)
    result = run_cli([], config, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = account_lines(result.stdout)
    assert set(lines) == set(AMOUNTS)
    for name, amount in AMOUNTS.items():
        record = json.loads(lines[name], parse_float=Decimal)["record"]
        assert Decimal(record["AnnualRevenue"]) == Decimal(repr(amount)), (name, lines[name])
    # JSON numbers, not strings: the value is unquoted on the wire.
    assert '"AnnualRevenue":"' not in "".join(lines.values()).replace(" ", "")

"""The goals of issue 13, evaluated on one bench run; the printed table and the JSON file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from runners import Measured
from salesforce_common.api_limits import MAX_SOQL_CHARS, MAX_URI_BYTES
from salesforce_common.soql import quote_string

FLOOR = ("floor (stdlib loop)", "REST")
REST = ("tap-salesforce-plus", "REST -> /dev/null")
BULK = ("tap-salesforce-plus", "Bulk 2.0 -> /dev/null")
SINGER_IO_REST = ("singer-io tap-salesforce 2.8.1", "REST -> /dev/null")
BULK2 = ("simple-salesforce bulk2", "Bulk 2.0 CSV")
DEFAULT_TABLES = ("tap-salesforce-plus", "17 default tables (small org)")
TARGET = "target-salesforce-contacts"
MILLION = 1_000_000
RSS_LIMIT_MB = 100.0
RSS_FLAT = 1.2
"""Peak RSS counts as flat when the largest size's is at most this times the smallest's."""
TARGET_HEAD = (
    "SELECT Id, Email, FirstName, LastName, Title, MailingCity FROM Contact WHERE Email IN ("
)
URL_PREFIX = "https://yourInstance.my.salesforce.com/services/data/v64.0/query?q="
INGEST_JOB_CALLS = 5
"""One Bulk API 2.0 ingest job for every create and update: create, upload, close, one status
poll, failed results."""


@dataclass
class Verdict:
    """One goal at one size: the measured value, the threshold and met / missed / info."""

    goal: str
    rows: int
    value: float | None
    threshold: str
    status: str
    detail: str = ""


def target_minimum_calls(emails: Sequence[str]) -> int:
    """The fewest API calls any client needs to upsert these Contacts by email.

    One describe of Contact, the fewest ``Email IN (...)`` lookups that fit Salesforce's URI and
    SOQL limits (no allowance for headers), and one ingest job (creates and updates share it).
    """
    budget_bytes = MAX_URI_BYTES - len(URL_PREFIX) - len(quote_plus(TARGET_HEAD + ")"))
    budget_chars = MAX_SOQL_CHARS - len(TARGET_HEAD) - 1
    lookups, used_bytes, used_chars = 0, budget_bytes, budget_chars
    for address in sorted({e.strip().lower() for e in emails}):
        literal = quote_string(address)
        size, chars = len(quote_plus(literal + ", ")), len(literal) + 2
        if used_bytes + size > budget_bytes or used_chars + chars > budget_chars:
            lookups, used_bytes, used_chars = lookups + 1, 0, 0
        used_bytes, used_chars = used_bytes + size, used_chars + chars
    return 1 + lookups + INGEST_JOB_CALLS


def _find(results: Sequence[Measured], key: tuple[str, str], rows: int) -> Measured | None:
    return next((m for m in results if (m.client, m.path) == key and m.rows == rows), None)


def _per_record(m: Measured) -> float:
    return m.cpu_s / m.records if m.records else float("inf")


def _ratio_verdict(
    goal: str, rows: int, value: float | None, minimum: float, missing: str
) -> Verdict:
    if value is None:
        return Verdict(goal, rows, None, f">= {minimum:g}", "not measured", missing)
    return Verdict(goal, rows, round(value, 3), f">= {minimum:g}", _met(value >= minimum))


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _level_verdicts(results: Sequence[Measured], rows: int) -> list[Verdict]:
    rest, bulk = _find(results, REST, rows), _find(results, BULK, rows)
    floor, singer = _find(results, FLOOR, rows), _find(results, SINGER_IO_REST, rows)
    bulk2 = _find(results, BULK2, rows)
    verdicts = [
        _ratio_verdict(
            "REST CPU/record: floor / tap",
            rows,
            _per_record(floor) / _per_record(rest) if floor and rest else None,
            1.0,
            "floor or tap REST missing",
        ),
        _ratio_verdict(
            "REST CPU/record: singer-io / tap",
            rows,
            _per_record(singer) / _per_record(rest) if singer and rest else None,
            10.0,
            "singer-io tap-salesforce not measured",
        ),
        _ratio_verdict(
            "Bulk wall: simple-salesforce bulk2 / tap",
            rows,
            bulk2.wall_s / bulk.wall_s if bulk2 and bulk else None,
            1.0,
            "bulk2 peer or tap Bulk missing",
        ),
    ]
    for name, m in (("REST", rest), ("Bulk", bulk)):
        if m is not None:
            verdicts.append(
                Verdict(
                    f"peak RSS tap {name} (MB)",
                    rows,
                    round(m.rss_mb, 1),
                    f"< {RSS_LIMIT_MB:g}",
                    _met(m.rss_mb < RSS_LIMIT_MB),
                )
            )
    if rest and bulk and rest.calls:
        share = bulk.calls / rest.calls
        verdicts.append(
            Verdict(
                "API calls: tap Bulk / tap REST",
                rows,
                round(share, 4),
                "<= 0.01 at 1M rows",
                _met(share <= 0.01) if rows >= MILLION else "info",
                f"Bulk {bulk.calls} calls, REST {rest.calls}",
            )
        )
    return verdicts


def _flat_verdicts(results: Sequence[Measured], levels: Sequence[int]) -> list[Verdict]:
    if len(levels) < 2:
        return []
    verdicts = []
    low, high = levels[0], levels[-1]
    for name, key in (("REST", REST), ("Bulk", BULK)):
        small, large = _find(results, key, low), _find(results, key, high)
        if small and large:
            growth = large.rss_mb / small.rss_mb
            verdicts.append(
                Verdict(
                    f"peak RSS flat, tap {name}: {high:,} / {low:,} rows",
                    high,
                    round(growth, 3),
                    f"<= {RSS_FLAT:g}",
                    _met(growth <= RSS_FLAT),
                    f"{small.rss_mb:.1f} MB -> {large.rss_mb:.1f} MB",
                )
            )
    if MILLION not in levels:
        verdicts.append(
            Verdict("API calls at 1M rows: Bulk / REST", MILLION, None, "<= 0.01", "not measured",
                    "run with --million")
        )  # fmt: skip
    return verdicts


def _small_org_verdicts(results: Sequence[Measured]) -> list[Verdict]:
    verdicts = []
    default = _find(results, DEFAULT_TABLES, 0)
    if default is not None:
        verdicts.append(
            Verdict(
                "17 default tables: API calls", 0, default.calls, "<= 19", _met(default.calls <= 19)
            )
        )
    target = next((m for m in results if m.client == TARGET), None)
    if target is not None:
        per_cpu, per_wall = target.records_per_cpu_s, target.records / target.wall_s
        minimum = int(target.extra["minimum_calls"])
        verdicts += [
            Verdict("target records per CPU-second", 0, round(per_cpu), ">= 20000",
                    _met(per_cpu >= 20_000)),
            Verdict("target records per second (wall)", 0, round(per_wall), ">= 2000",
                    _met(per_wall >= 2_000)),
            Verdict(
                "target API calls / minimum",
                0,
                round(target.calls / minimum, 3),
                "<= 1.1",
                _met(target.calls <= 1.1 * minimum),
                f"{target.calls} calls, minimum {minimum}",
            ),
        ]  # fmt: skip
    return verdicts


def evaluate(results: Sequence[Measured], levels: Sequence[int]) -> list[Verdict]:
    """Every goal of issue 13 against the measurements."""
    verdicts = [v for rows in levels for v in _level_verdicts(results, rows)]
    return verdicts + _flat_verdicts(results, levels) + _small_org_verdicts(results)


def row_text(m: Measured) -> str:
    """One measurement as a table row."""
    rows = f"{m.rows:>9,}" if m.rows else f"{'small':>9}"
    return (
        f"{rows} {m.client[:30]:<30} {m.path[:30]:<30} {m.records:>9,} {m.cpu_s:>8.2f} "
        f"{m.wall_s:>8.2f} {m.rss_mb:>7.1f} {m.calls:>6} {m.records_per_cpu_s:>10,.0f}"
    )


HEADER = (
    f"{'rows':>9} {'client':<30} {'path':<30} {'records':>9} {'CPU s':>8} {'wall s':>8} "
    f"{'RSS MB':>7} {'calls':>6} {'rec/CPU-s':>10}"
)


def print_table(
    results: Sequence[Measured], verdicts: Sequence[Verdict], not_measured: Sequence[dict[str, str]]
) -> None:
    """Print the measurements, the goals and what was not measured."""
    print()
    print(HEADER)
    print("-" * len(HEADER))
    for m in results:
        print(row_text(m))
    print()
    print(f"{'goal':<48} {'rows':>9} {'value':>10} {'goal':>20}  status")
    for v in verdicts:
        value = (
            "-" if v.value is None else f"{v.value:,.3g}" if v.value < 100 else f"{v.value:,.0f}"
        )
        rows = f"{v.rows:,}" if v.rows else "small"
        detail = f"  ({v.detail})" if v.detail else ""
        print(f"{v.goal:<48} {rows:>9} {value:>10} {v.threshold:>20}  {v.status}{detail}")
    for item in not_measured:
        print(f"not measured: {item['client']}: {item['reason']}")


def write_json(
    path: Path,
    meta: dict[str, Any],
    results: Sequence[Measured],
    verdicts: Sequence[Verdict],
    not_measured: Sequence[dict[str, str]],
) -> None:
    """Write the run's measurements, goals and omissions to ``path``."""
    document = {
        "meta": meta,
        "measurements": [
            {**asdict(m), "records_per_cpu_s": round(m.records_per_cpu_s, 1)} for m in results
        ],
        "goals": [asdict(v) for v in verdicts],
        "not_measured": list(not_measured),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

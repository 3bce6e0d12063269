"""Report paging without HTTP: a fake report server that filters, sorts and cuts at 2,000."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from salesforce_common import SalesforceError
from tap_salesforce_plus.report_schema import MAX_DETAIL_ROWS, ReportSpec, report_columns
from tap_salesforce_plus.reports import ReportSource, run_metadata, run_pages

COLUMNS = {
    "CONTACT_ID": ("id", "Contact ID"),
    "ACCOUNT.NAME": ("reference", "Account"),
    "STAGE": ("picklist", "Stage"),
    "CREATED": ("date", "Created"),
}
SAVED = {"column": "STAGE", "operator": "notEqual", "value": "Lost"}


def make_rows(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = []
    for n in range(count):
        rows.append(
            {
                "CONTACT_ID": f"003{n:012d}AAA",
                "ACCOUNT.NAME": f"001{n % 5:012d}AAA",
                "STAGE": rng.choice(["Open", "Won", "Lost"]),
                "CREATED": f"2024-0{1 + n % 9}-1{n % 10}",
            }
        )
    rng.shuffle(rows)
    return rows


def matches(row: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
    value = row[f["column"]]
    return {
        "notEqual": value != f["value"],
        "greaterThan": value > f["value"],
        "greaterOrEqual": value >= f["value"],
    }[f["operator"]]


class FakeReport:
    """Runs like Salesforce: saved filters replaced by POSTed ones, sorted, at most 2,000."""

    def __init__(self, rows: list[dict[str, Any]], logic: str | None = None) -> None:
        self.rows, self.logic = rows, logic
        self.posts: list[dict[str, Any]] = []

    def describe(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "reportFormat": "TABULAR",
            "detailColumns": list(COLUMNS),
            "reportFilters": [SAVED],
        }
        if self.logic:
            metadata["reportBooleanFilter"] = self.logic
        return {
            "reportMetadata": metadata,
            "reportExtendedMetadata": {
                "detailColumnInfo": {
                    k: {"dataType": t, "label": lb} for k, (t, lb) in COLUMNS.items()
                }
            },
        }

    def run(self, metadata: Mapping[str, Any]) -> dict[str, Any]:
        self.posts.append(dict(metadata))
        filters = metadata["reportFilters"]
        kept = [r for r in self.rows if all(matches(r, f) for f in filters)]
        for sort in metadata.get("sortBy") or []:
            kept.sort(key=lambda r, c=sort["sortColumn"]: r[c])
        cells = [
            {"dataCells": [{"value": r[c], "label": f"label {r[c]}"} for c in COLUMNS]}
            for r in kept[:MAX_DETAIL_ROWS]
        ]
        return {"allData": len(kept) <= MAX_DETAIL_ROWS, "factMap": {"T!T": {"rows": cells}}}


def source_of(report: FakeReport, **spec: Any) -> ReportSource:
    describe = report.describe()
    columns = tuple(report_columns(describe))
    by_api = {c.api_name: c for c in columns}
    unique = spec.pop("page", "CONTACT_ID")
    key = spec.pop("key", None)
    return ReportSource(
        ReportSpec("contacts", report_id="00O000000000001", **spec),
        "contacts",
        "00O000000000001",
        "TABULAR",
        describe["reportMetadata"],
        columns,
        by_api.get(unique) if unique else None,
        by_api.get(key) if key else None,
    )


def read_all(report: FakeReport, source: ReportSource, start: str | None = None) -> list[str]:
    def run(extra: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        return report.run(run_metadata(source, extra))

    ids = []
    for rows in run_pages(source, run, start):
        ids += [row["dataCells"][0]["value"] for row in rows]
    return ids


@pytest.mark.parametrize("logic", [None, "1"])
def test_paging_reads_every_row_once_with_saved_filters(logic: str | None) -> None:
    report = FakeReport(make_rows(7_321), logic)
    source = source_of(report)
    ids = read_all(report, source)
    expected = sorted(r["CONTACT_ID"] for r in report.rows if r["STAGE"] != "Lost")
    assert len(expected) > 2 * MAX_DETAIL_ROWS
    assert ids == expected
    assert len(report.posts) == 1 + len(expected) // MAX_DETAIL_ROWS
    first, second = report.posts[0], report.posts[1]
    assert first["reportFilters"] == [SAVED]
    assert first["sortBy"] == [{"sortColumn": "CONTACT_ID", "sortOrder": "Asc"}]
    assert second["reportFilters"] == [
        SAVED,
        {"column": "CONTACT_ID", "operator": "greaterThan", "value": ids[MAX_DETAIL_ROWS - 1]},
    ]
    if logic:
        assert second["reportBooleanFilter"] == "(1) AND 2"
    else:
        assert "reportBooleanFilter" not in second


def test_bookmark_filter_comes_before_the_paging_filter() -> None:
    report = FakeReport(make_rows(4_100))
    source = source_of(report, key="CREATED", replication_key="CREATED")
    ids = read_all(report, source, start="2024-05-01")
    expected = sorted(
        r["CONTACT_ID"]
        for r in report.rows
        if r["STAGE"] != "Lost" and r["CREATED"] >= "2024-05-01"
    )
    assert ids == expected
    assert report.posts[-1]["reportFilters"][:2] == [
        SAVED,
        {"column": "CREATED", "operator": "greaterOrEqual", "value": "2024-05-01"},
    ]


def test_small_report_is_one_run() -> None:
    report = FakeReport(make_rows(300))
    assert len(read_all(report, source_of(report, page=None))) == sum(
        r["STAGE"] != "Lost" for r in report.rows
    )
    assert len(report.posts) == 1
    assert "sortBy" not in report.posts[0]


def test_large_report_without_unique_column_fails_in_one_line() -> None:
    report = FakeReport(make_rows(3_500))
    with pytest.raises(
        SalesforceError, match="more than 2,000 rows and no column to page on"
    ) as exc:
        read_all(report, source_of(report, page=None))
    assert "\n" not in str(exc.value)
    assert "'contacts'" in str(exc.value)


def test_column_that_is_not_unique_is_refused_not_paged() -> None:
    report = FakeReport(make_rows(3_500))
    with pytest.raises(SalesforceError, match=r"ACCOUNT\.NAME is not unique and sorted"):
        read_all(report, source_of(report, page="ACCOUNT.NAME"))


def test_run_without_detail_rows_names_the_report() -> None:
    report = FakeReport(make_rows(10))
    source = source_of(report)
    with pytest.raises(SalesforceError, match=r"report 'contacts'.*holds no detail rows"):
        list(run_pages(source, lambda _extra: {"allData": True, "factMap": {"T!T": {}}}))


def test_paging_value_with_a_comma_is_refused() -> None:
    rows = make_rows(3_500)
    for row in rows:
        row["CONTACT_ID"] = row["CONTACT_ID"].replace("AAA", ",A")
    report = FakeReport(rows)
    with pytest.raises(SalesforceError, match="holds a value with a comma"):
        read_all(report, source_of(report))

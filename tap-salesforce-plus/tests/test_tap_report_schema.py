"""Report streams without HTTP: settings, schema mapping, rows, paging filters."""

from __future__ import annotations

from typing import Any

import pytest
from salesforce_common import ConfigError
from tap_salesforce_plus.report_schema import (
    ReportSpec,
    RunFilters,
    detail_rows,
    greater_than,
    paging_candidates,
    parse_reports,
    report_columns,
    report_schema,
    row_record,
    snake_case,
    strictly_ascending,
)


def describe(columns: dict[str, tuple[str, str]], **metadata: Any) -> dict[str, Any]:
    """A report describe: column API name -> (data type, label)."""
    return {
        "reportMetadata": {"detailColumns": list(columns), "reportFormat": "TABULAR", **metadata},
        "reportExtendedMetadata": {
            "detailColumnInfo": {
                name: {"dataType": kind, "label": label} for name, (kind, label) in columns.items()
            }
        },
    }


COLUMNS = {
    "OPPORTUNITY_ID": ("id", "Opportunity ID"),
    "ACCOUNT.NAME": ("reference", "Account Name"),
    "OPPORTUNITY_NAME": ("string", "Opportunity Name"),
    "AMOUNT": ("currency", "Amount"),
    "PROBABILITY": ("percent", "Probability (%)"),
    "AGE": ("int", "Age"),
    "IS_WON": ("boolean", "Won"),
    "CLOSE_DATE": ("date", "Close Date"),
    "CREATED_DATE": ("datetime", "Created Date"),
    "STAGE_NAME": ("picklist", "Stage"),
    "EMAIL": ("email", "Email"),
}


def test_schema_maps_report_types_and_keeps_labels() -> None:
    schema = report_schema(report_columns(describe(COLUMNS)))
    props = schema["properties"]
    assert props["opportunity_id"] == {"type": ["string", "null"], "description": "Opportunity ID"}
    assert props["opportunity_id__label"]["type"] == ["string", "null"]
    assert props["account_name"]["description"] == "Account Name"
    assert "account_name__label" in props
    assert props["opportunity_name"]["type"] == ["string", "null"]
    assert "opportunity_name__label" not in props
    assert props["amount"]["type"] == ["number", "null"]
    assert props["amount__currency"]["type"] == ["string", "null"]
    assert props["probability"]["type"] == ["number", "null"]
    assert props["age"]["type"] == ["integer", "null"]
    assert props["is_won"]["type"] == ["boolean", "null"]
    assert props["close_date"] == {
        "type": ["string", "null"],
        "description": "Close Date",
        "format": "date",
    }
    assert props["created_date"]["format"] == "date-time"
    assert props["stage_name"]["type"] == ["string", "null"]
    assert props["email"]["type"] == ["string", "null"]


def test_row_record_splits_lookups_and_currency() -> None:
    columns = report_columns(describe(COLUMNS))
    cells = [
        {"value": "006000000000001AAA", "label": "Big deal"},
        {"value": "001000000000001AAA", "label": "Acme"},
        {"value": "Big deal", "label": "Big deal"},
        {"value": {"amount": 1500.5, "currency": "EUR"}, "label": "EUR 1,500.50"},
        {"value": 40, "label": "40%"},
        {"value": 3, "label": "3"},
        {"value": "true", "label": "True"},
        {"value": "2024-07-15", "label": "7/15/2024"},
        {"value": "2024-07-15T20:18:56Z", "label": "7/15/2024 8:18 PM"},
        {"value": "Prospecting", "label": "Prospecting"},
        {"value": None, "label": "-"},
    ]
    record = row_record(columns, {"dataCells": cells})
    assert record == {
        "opportunity_id": "006000000000001AAA",
        "opportunity_id__label": "Big deal",
        "account_name": "001000000000001AAA",
        "account_name__label": "Acme",
        "opportunity_name": "Big deal",
        "amount": 1500.5,
        "amount__currency": "EUR",
        "probability": 40,
        "age": 3,
        "is_won": True,
        "close_date": "2024-07-15",
        "created_date": "2024-07-15T20:18:56.000Z",
        "stage_name": "Prospecting",
        "email": None,
    }
    assert set(record) == set(report_schema(columns)["properties"])


def test_property_names_stay_unique() -> None:
    columns = report_columns(describe({"A.B": ("string", "x"), "A_B": ("string", "y")}))
    assert [c.prop for c in columns] == ["a_b", "a_b_2"]
    assert snake_case("Closed Deals (Q1)") == "closed_deals_q1"
    assert snake_case("OpenDeals") == "open_deals"


def test_detail_rows_tabular_summary_and_matrix() -> None:
    rows = [{"dataCells": []}]
    assert detail_rows({"T!T": {"rows": rows, "aggregates": []}}) == rows
    summary = {
        "T!T": {"aggregates": []},
        "1!T": {"rows": [{"n": 2}]},
        "0!T": {"rows": [{"n": 1}]},
        "10!T": {"rows": [{"n": 3}]},
    }
    assert detail_rows(summary) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert detail_rows({"T!T": {"aggregates": []}, "0!0": {"aggregates": []}}) is None
    assert detail_rows({"T!T": {"rows": []}, "0!T": {"rows": [{"n": 1}]}}) == [{"n": 1}]
    nested = {
        "0!T": {"rows": [{"n": 0}]},
        "0_1!T": {"rows": [{"n": 2}]},
        "0_0!T": {"rows": [{"n": 1}]},
        "1_0!T": {"rows": [{"n": 3}]},
    }
    assert detail_rows(nested) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert detail_rows({"T!T": {"rows": []}}) == []


def test_paging_candidates_prefer_ids() -> None:
    columns = report_columns(describe(COLUMNS))
    assert [c.api_name for c in paging_candidates(columns)][:3] == [
        "OPPORTUNITY_ID",
        "ACCOUNT.NAME",
        "OPPORTUNITY_NAME",
    ]
    assert paging_candidates(report_columns(describe({"AMOUNT": ("currency", "A")}))) == []


def test_paging_filter_appended_to_saved_filters_and_logic() -> None:
    saved = [
        {"column": "STAGE_NAME", "operator": "equals", "value": "Prospecting"},
        {"column": "AMOUNT", "operator": "greaterThan", "value": "0"},
    ]
    column = report_columns(describe(COLUMNS))[0]
    page = greater_than(column, "006000000000001AAA")
    meta = RunFilters.of({"reportFilters": saved, "reportBooleanFilter": "1 OR 2"}).metadata([page])
    assert meta == {
        "reportFilters": [*saved, page],
        "reportBooleanFilter": "(1 OR 2) AND 3",
    }
    assert page == {
        "column": "OPPORTUNITY_ID",
        "operator": "greaterThan",
        "value": "006000000000001AAA",
    }
    plain = RunFilters.of({"reportFilters": saved}).metadata([page])
    assert plain == {"reportFilters": [*saved, page]}
    assert RunFilters.of({}).metadata([]) == {"reportFilters": []}


def test_strictly_ascending_guards_paging() -> None:
    assert strictly_ascending(["a", "b", "c"])
    assert strictly_ascending(["b", "c"], after="a")
    assert not strictly_ascending(["b", "c"], after="b")
    assert not strictly_ascending(["a", "a"])
    assert not strictly_ascending(["b", "a"])
    assert not strictly_ascending(["a", None])


def test_parse_reports_entries() -> None:
    specs, wildcard = parse_reports(
        [
            "Open_Deals",
            "*",
            {"name": "Pipeline", "report_id": "00O000000000001", "unique_column": "X"},
            {"name": "By name", "developer_name": "By_Name", "replication_key": "CLOSE_DATE"},
        ]
    )
    assert wildcard
    assert specs == (
        ReportSpec("Open_Deals", developer_name="Open_Deals"),
        ReportSpec("Pipeline", report_id="00O000000000001", unique_column="X"),
        ReportSpec("By name", developer_name="By_Name", replication_key="CLOSE_DATE"),
    )
    with pytest.raises(ConfigError, match="exactly one of report_id or developer_name"):
        parse_reports([{"name": "x", "report_id": "a", "developer_name": "b"}])

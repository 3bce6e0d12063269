"""Report discovery without HTTP: finding reports, describing them, one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest
from salesforce_common import ConfigError, SalesforceError
from tap_salesforce_plus.report_schema import ReportSpec, parse_reports
from tap_salesforce_plus.reports import report_sources

REPORTS = [
    {"Id": "00O000000000001AAA", "Name": "Open Deals", "DeveloperName": "Open_Deals",
     "Format": "Tabular"},
    {"Id": "00O000000000002AAA", "Name": "By Stage", "DeveloperName": "By_Stage",
     "Format": "Summary"},
    {"Id": "00O000000000003AAA", "Name": "Grid", "DeveloperName": "Grid", "Format": "Matrix"},
    {"Id": "00O000000000004AAA", "Name": "Open deals", "DeveloperName": "Open_Deals_2",
     "Format": "Tabular"},
]  # fmt: skip
FORMATS = {"1": "TABULAR", "2": "SUMMARY", "3": "MATRIX", "4": "TABULAR"}


def describe(report_format: str) -> dict[str, Any]:
    return {
        "reportMetadata": {
            "reportFormat": report_format,
            "detailColumns": ["OPPORTUNITY_ID", "CLOSE_DATE", "AMOUNT"],
        },
        "reportExtendedMetadata": {
            "detailColumnInfo": {
                "OPPORTUNITY_ID": {"dataType": "id", "label": "Opportunity ID"},
                "CLOSE_DATE": {"dataType": "date", "label": "Close Date"},
                "AMOUNT": {"dataType": "currency", "label": "Amount"},
            }
        },
    }


class FakeSession:
    """Answers ``Report`` SOQL and report describes; records the SOQL sent."""

    def __init__(self) -> None:
        self.soql: list[str] = []

    def iter_query(self, soql: str) -> list[dict[str, Any]]:
        self.soql.append(soql)
        return REPORTS

    def get_json(self, path: str, **_: Any) -> Mapping[str, Any]:
        report_id = path.split("/")[2]
        if report_id.startswith("00O999"):
            raise SalesforceError("The report does not exist", status=404, error_code="NOT_FOUND")
        if report_id.startswith("00O888"):
            raise SalesforceError(
                "You don't have sufficient privileges", status=403,
                error_code="INSUFFICIENT_PRIVILEGES",
            )  # fmt: skip
        return describe(FORMATS[report_id[-4]])


def sources(entries: list[Any]) -> tuple[list[Any], FakeSession]:
    specs, wildcard = parse_reports(entries)
    session = FakeSession()
    found = report_sources(
        session,  # type: ignore[arg-type]
        specs,
        wildcard,
        {"account"},
        logging.getLogger("test"),
    )
    return found, session


def test_developer_names_resolve_through_one_soql_query() -> None:
    found, session = sources(
        ["Open_Deals", {"name": "stages", "developer_name": "by_stage", "unique_column": "AMOUNT"}]
    )
    assert [s.stream_name for s in found] == ["open_deals", "stages"]
    assert [s.report_id for s in found] == ["00O000000000001AAA", "00O000000000002AAA"]
    assert found[1].report_format == "SUMMARY"
    assert found[1].page_column is not None
    assert found[1].page_column.api_name == "AMOUNT"
    assert found[0].page_column is not None
    assert found[0].page_column.api_name == "OPPORTUNITY_ID"
    assert session.soql == [
        "SELECT Id, Name, DeveloperName, Format FROM Report "
        "WHERE DeveloperName IN ('Open_Deals', 'by_stage') ORDER BY Name ASC"
    ]


def test_wildcard_offers_every_tabular_report_with_unique_names() -> None:
    found, session = sources(["*"])
    assert [(s.stream_name, s.report_id) for s in found] == [
        ("open_deals", "00O000000000001AAA"),
        ("open_deals_2", "00O000000000004AAA"),
    ]
    assert session.soql == ["SELECT Id, Name, DeveloperName, Format FROM Report ORDER BY Name ASC"]


def test_report_id_needs_no_soql_and_replication_key_must_be_a_date() -> None:
    entry = {"name": "deals", "report_id": "00O000000000001AAA", "replication_key": "CLOSE_DATE"}
    found, session = sources([entry])
    assert session.soql == []
    assert found[0].key_column is not None
    assert found[0].key_column.prop == "close_date"
    with pytest.raises(ConfigError, match="replication_key 'AMOUNT' must be a date or datetime"):
        sources([{**entry, "replication_key": "AMOUNT"}])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("No_Such_Report", r"report 'No_Such_Report': no report has this developer name"),
        (
            {"name": "gone", "report_id": "00O999999999999AAA"},
            r"report 'gone' \(00O999999999999AAA\): no report has this id \(NOT_FOUND\)",
        ),
        (
            {"name": "secret", "report_id": "00O888888888888AAA"},
            r"report 'secret' \(00O888888888888AAA\): the user cannot see this report "
            r"\(INSUFFICIENT_PRIVILEGES\)",
        ),
        ("Grid", r"report 'Grid': it is a MATRIX report"),
        (
            {"name": "deals", "report_id": "00O000000000001AAA", "unique_column": "NOPE"},
            r"unique_column 'NOPE' is not a detail column",
        ),
        ({"name": "Account", "report_id": "00O000000000001AAA"}, r"'account' is already used"),
    ],
)
def test_bad_reports_are_one_line_errors_naming_the_report(entry: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as exc:
        sources([entry])
    assert str(exc.value).startswith("reports: ")
    assert "\n" not in str(exc.value)


def test_report_spec_reference() -> None:
    assert ReportSpec("x", developer_name="x").ref == "report 'x'"

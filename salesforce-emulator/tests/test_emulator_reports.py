"""The Analytics REST API: reports list, describe, synchronous runs, filters, 403/404, SOQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from emulator_http import Api, error_of
from salesforce_emulator.demo.reports import (
    ALL_ACCOUNTS,
    ALL_CONTACTS,
    DEMO_REPORTS,
    EXECUTIVE_ACCOUNTS,
    OPEN_OPPORTUNITIES,
    OPPORTUNITIES_BY_STAGE,
    PIPELINE_MATRIX,
)
from salesforce_emulator.pytest_plugin import RunningEmulator

REPORT_ID = re.compile(r"^00O[0-9A-Za-z]{15}$")
DATA_TYPES = {
    "string", "picklist", "multipicklist", "id", "currency", "double", "int", "percent", "date",
    "datetime", "boolean", "email", "phone", "url", "textarea", "reference",
}  # fmt: skip


def run(sf: Api, report_id: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"reportMetadata": metadata} if metadata is not None else None
    response = sf.post(
        f"analytics/reports/{report_id}", params={"includeDetails": "true"}, json=body
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def rows(answer: dict[str, Any], key: str = "T!T") -> list[list[dict[str, Any]]]:
    return [row["dataCells"] for row in answer["factMap"][key]["rows"]]


def column(answer: dict[str, Any], name: str) -> list[dict[str, Any]]:
    index = answer["reportMetadata"]["detailColumns"].index(name)
    return [cells[index] for cells in rows(answer)]


def test_the_demo_reports_have_salesforce_ids_and_formats():
    assert all(REPORT_ID.match(r.id) for r in DEMO_REPORTS)
    assert len({r.id for r in DEMO_REPORTS}) == len(DEMO_REPORTS)
    formats = [r.report_format for r in DEMO_REPORTS]
    assert formats.count("TABULAR") >= 3
    assert "SUMMARY" in formats
    assert "MATRIX" in formats


def test_reports_list_names_every_visible_report_with_its_urls(demo_sf):
    response = demo_sf.get("analytics/reports")
    assert response.status_code == 200
    listed = response.json()
    assert {r["id"] for r in listed} == {r.id for r in DEMO_REPORTS if r.visible}
    entry = next(r for r in listed if r["id"] == ALL_ACCOUNTS.id)
    base = f"/services/data/v64.0/analytics/reports/{ALL_ACCOUNTS.id}"
    assert entry == {
        "id": ALL_ACCOUNTS.id,
        "name": "All Accounts",
        "url": base,
        "describeUrl": base + "/describe",
        "instancesUrl": base + "/instances",
    }


def test_report_soql_object_lists_visible_reports(demo_sf):
    records = demo_sf.query_all_pages(
        "SELECT Id, Name, DeveloperName, Format FROM Report ORDER BY Name"
    )
    by_name = {r["DeveloperName"]: r for r in records}
    assert set(by_name) == {r.developer_name for r in DEMO_REPORTS if r.visible}
    assert by_name["All_Accounts"]["Format"] == "TABULAR"
    assert by_name["Opportunities_by_Stage"]["Format"] == "SUMMARY"
    assert by_name["Pipeline_by_Stage_and_Type"]["Format"] == "MATRIX"
    assert by_name["All_Contacts"]["Id"] == ALL_CONTACTS.id
    one = demo_sf.query("SELECT Id FROM Report WHERE DeveloperName = 'open_opportunities'")
    assert [r["Id"] for r in one.json()["records"]] == [OPEN_OPPORTUNITIES.id]


def test_report_is_described_but_not_replicateable(demo_sf):
    entry = next(o for o in demo_sf.get("sobjects").json()["sobjects"] if o["name"] == "Report")
    assert entry["queryable"] is True
    assert entry["replicateable"] is False
    assert entry["createable"] is False
    assert entry["keyPrefix"] == "00O"
    fields = {f["name"]: f for f in demo_sf.get("sobjects/Report/describe").json()["fields"]}
    assert {"Id", "Name", "DeveloperName", "Format", "FolderName"} <= set(fields)
    assert fields["Format"]["type"] == "picklist"


def test_describe_gives_metadata_columns_and_types(demo_sf):
    response = demo_sf.get(f"analytics/reports/{ALL_ACCOUNTS.id}/describe")
    assert response.status_code == 200
    body = response.json()
    meta = body["reportMetadata"]
    assert meta["id"] == ALL_ACCOUNTS.id
    assert meta["name"] == "All Accounts"
    assert meta["developerName"] == "All_Accounts"
    assert meta["reportFormat"] == "TABULAR"
    assert meta["reportType"] == {"type": "AccountList", "label": "Accounts"}
    assert meta["detailColumns"][0] == "ACCOUNT.NAME"
    assert meta["reportFilters"] == []
    assert meta["reportBooleanFilter"] is None
    assert meta["groupingsDown"] == []
    assert meta["groupingsAcross"] == []
    info = body["reportExtendedMetadata"]["detailColumnInfo"]
    assert list(info) == meta["detailColumns"]
    assert info["ACCOUNT.NAME"] == {"dataType": "id", "label": "Account Name"}
    assert info["ANNUAL_REVENUE"]["dataType"] == "currency"
    assert info["CREATED_DATE"]["dataType"] == "datetime"
    assert info["USERS.NAME"]["dataType"] == "reference"
    assert body["reportExtendedMetadata"]["aggregateColumnInfo"]["RowCount"]["dataType"] == "int"
    assert "categories" in body["reportTypeMetadata"]
    seen = {
        c["dataType"]
        for r in DEMO_REPORTS
        if r.visible
        for c in demo_sf.get(f"analytics/reports/{r.id}/describe")
        .json()["reportExtendedMetadata"]["detailColumnInfo"]
        .values()
    }
    assert seen == DATA_TYPES


def test_describe_of_saved_filters_and_groupings(demo_sf):
    opp = demo_sf.get(f"analytics/reports/{OPEN_OPPORTUNITIES.id}/describe").json()
    filters = opp["reportMetadata"]["reportFilters"]
    assert [(f["column"], f["operator"], f["value"]) for f in filters] == [
        ("STAGE_NAME", "notEqual", "Closed Won,Closed Lost"),
        ("AMOUNT", "greaterThan", "0"),
        ("AMOUNT", "equals", ""),
    ]
    assert opp["reportMetadata"]["reportBooleanFilter"] == "1 AND (2 OR 3)"
    summary = demo_sf.get(f"analytics/reports/{OPPORTUNITIES_BY_STAGE.id}/describe").json()
    assert summary["reportMetadata"]["reportFormat"] == "SUMMARY"
    assert [g["name"] for g in summary["reportMetadata"]["groupingsDown"]] == ["STAGE_NAME"]
    grouping = summary["reportExtendedMetadata"]["groupingColumnInfo"]["STAGE_NAME"]
    assert grouping["groupingLevel"] == 0
    matrix = demo_sf.get(f"analytics/reports/{PIPELINE_MATRIX.id}/describe").json()
    assert [g["name"] for g in matrix["reportMetadata"]["groupingsAcross"]] == ["TYPE"]


def test_tabular_run_shapes_cells_by_type(demo_sf):
    answer = run(demo_sf, ALL_ACCOUNTS.id)
    assert answer["allData"] is True
    assert answer["hasDetailRows"] is True
    assert answer["attributes"]["reportId"] == ALL_ACCOUNTS.id
    assert answer["attributes"]["type"] == "Report"
    assert answer["reportMetadata"]["id"] == ALL_ACCOUNTS.id
    assert "detailColumnInfo" in answer["reportExtendedMetadata"]
    assert answer["groupingsDown"] == {"groupings": []}
    accounts = {
        r["Id"]: r
        for r in demo_sf.query_all_pages(
            "SELECT Id, Name, AnnualRevenue, CreatedDate, Owner.Name FROM Account"
        )
    }
    table = rows(answer)
    assert len(table) == len(accounts)
    assert answer["factMap"]["T!T"]["aggregates"] == [
        {"label": f"{len(accounts):,}", "value": len(accounts)}
    ]
    names = column(answer, "ACCOUNT.NAME")
    ids = [c["value"] for c in names]
    assert ids == sorted(ids)
    for cell in names:
        assert cell["label"] == accounts[cell["value"]]["Name"]
    owners = column(answer, "USERS.NAME")
    revenue = column(answer, "ANNUAL_REVENUE")
    created = column(answer, "CREATED_DATE")
    for name, owner, money, when in zip(names, owners, revenue, created, strict=True):
        account = accounts[name["value"]]
        assert owner["label"] == account["Owner"]["Name"]
        assert owner["value"].startswith("005")
        if account["AnnualRevenue"] is None:
            assert money == {"label": "-", "value": None}
        else:
            assert money["value"] == {"amount": account["AnnualRevenue"], "currency": "USD"}
            assert money["label"].startswith("$")
        assert when["value"] == account["CreatedDate"][:19] + "Z"
    dates = [c["value"] for c in column(answer, "LAST_ACTIVITY") if c["value"] is not None]
    assert dates
    assert all(re.match(r"^\d{4}-\d\d-\d\d$", d) for d in dates)


def test_booleans_and_nulls(demo_sf):
    answer = run(demo_sf, ALL_CONTACTS.id)
    opt_out = column(answer, "EMAIL_OPT_OUT")
    assert {c["value"] for c in opt_out} <= {True, False}
    assert any(c["value"] is None and c["label"] == "-" for c in column(answer, "BIRTHDATE"))


def test_get_runs_with_saved_filters_and_without_details_by_default(demo_sf):
    plain = demo_sf.get(f"analytics/reports/{OPEN_OPPORTUNITIES.id}")
    assert plain.status_code == 200
    assert plain.json()["hasDetailRows"] is False
    assert plain.json()["factMap"]["T!T"]["rows"] == []
    detailed = demo_sf.get(
        f"analytics/reports/{OPEN_OPPORTUNITIES.id}", params={"includeDetails": "true"}
    ).json()
    stages = {c["value"] for c in column(detailed, "STAGE_NAME")}
    assert stages
    assert not stages & {"Closed Won", "Closed Lost"}
    count = detailed["factMap"]["T!T"]["aggregates"][0]["value"]
    assert count == plain.json()["factMap"]["T!T"]["aggregates"][0]["value"]
    soql = (
        "SELECT COUNT() FROM Opportunity WHERE StageName NOT IN ('Closed Won', 'Closed Lost') "
        "AND (Amount > 0 OR Amount = null)"
    )
    assert demo_sf.query(soql).json()["totalSize"] == count
    close = [c["value"] for c in column(detailed, "CLOSE_DATE")]
    assert close == sorted(close)


def test_posted_filters_replace_the_saved_ones(demo_sf):
    answer = run(
        demo_sf,
        OPEN_OPPORTUNITIES.id,
        {"reportFilters": [{"column": "STAGE_NAME", "operator": "equals", "value": "Closed Won"}]},
    )
    assert {c["value"] for c in column(answer, "STAGE_NAME")} == {"Closed Won"}
    assert [f["column"] for f in answer["reportMetadata"]["reportFilters"]] == ["STAGE_NAME"]
    soql = "SELECT COUNT() FROM Opportunity WHERE StageName = 'Closed Won'"
    assert len(rows(answer)) == demo_sf.query(soql).json()["totalSize"]


@pytest.mark.parametrize(
    ("operator", "value", "check"),
    [
        ("greaterThan", "100000", lambda a: a > 100000),
        ("lessOrEqual", "50000", lambda a: a <= 50000),
        ("greaterOrEqual", "50000", lambda a: a >= 50000),
        ("lessThan", "50000", lambda a: a < 50000),
    ],
)
def test_number_operators(demo_sf, operator, value, check):
    flt = {"column": "AMOUNT", "operator": operator, "value": value}
    answer = run(demo_sf, OPEN_OPPORTUNITIES.id, {"reportFilters": [flt]})
    amounts = [c["value"]["amount"] for c in column(answer, "AMOUNT")]
    assert amounts
    assert all(check(a) for a in amounts)


def test_text_date_and_id_operators(demo_sf):
    def names(filters: list[dict[str, str]]) -> list[str]:
        answer = run(demo_sf, ALL_ACCOUNTS.id, {"reportFilters": filters})
        return [c["label"] for c in column(answer, "ACCOUNT.NAME")]

    every = names([])
    first = every[0]
    assert names([{"column": "ACCOUNT.NAME", "operator": "equals", "value": run_first_id(demo_sf)}])
    starts = names(
        [
            {
                "column": "Account.Account_Number_Ext__c",
                "operator": "startsWith",
                "value": "acc-000000",
            }
        ]
    )
    assert 0 < len(starts) <= 9
    contains = names([{"column": "INDUSTRY", "operator": "contains", "value": "tech"}])
    assert contains
    assert first in every
    late = run(
        demo_sf,
        ALL_ACCOUNTS.id,
        {
            "reportFilters": [
                {
                    "column": "CREATED_DATE",
                    "operator": "greaterOrEqual",
                    "value": "2025-01-01T00:00:00Z",
                }
            ]
        },
    )
    assert all(c["value"] >= "2025-01-01" for c in column(late, "CREATED_DATE"))
    answer = run(demo_sf, ALL_ACCOUNTS.id)
    ids = [c["value"] for c in column(answer, "ACCOUNT.NAME")]
    after = run(
        demo_sf,
        ALL_ACCOUNTS.id,
        {"reportFilters": [{"column": "ACCOUNT.NAME", "operator": "greaterThan", "value": ids[4]}]},
    )
    assert [c["value"] for c in column(after, "ACCOUNT.NAME")] == ids[5:]


def run_first_id(sf: Api) -> str:
    return str(column(run(sf, ALL_ACCOUNTS.id), "ACCOUNT.NAME")[0]["value"])


def test_boolean_filter_logic(demo_sf):
    filters = [
        {"column": "STAGE_NAME", "operator": "equals", "value": "Closed Won"},
        {"column": "STAGE_NAME", "operator": "equals", "value": "Closed Lost"},
    ]
    either = run(
        demo_sf, OPEN_OPPORTUNITIES.id, {"reportFilters": filters, "reportBooleanFilter": "1 OR 2"}
    )
    assert {c["value"] for c in column(either, "STAGE_NAME")} == {"Closed Won", "Closed Lost"}
    both = run(
        demo_sf, OPEN_OPPORTUNITIES.id, {"reportFilters": filters, "reportBooleanFilter": "1 AND 2"}
    )
    assert rows(both) == []
    negated = run(
        demo_sf,
        OPEN_OPPORTUNITIES.id,
        {"reportFilters": filters, "reportBooleanFilter": "NOT (1 OR 2)"},
    )
    assert not {c["value"] for c in column(negated, "STAGE_NAME")} & {"Closed Won", "Closed Lost"}


@pytest.mark.parametrize(
    ("logic", "message"),
    [
        ("1 AND 2", "filter 3 is missing"),
        ("1 AND 2 AND 3 AND 4", "undefined filter: 4"),
        ("1 AND (2 OR 3", "incomplete"),
        ("1 AND OR 2 3", "syntax"),
    ],
)
def test_a_boolean_filter_must_reference_every_filter(demo_sf, logic, message):
    saved = demo_sf.get(f"analytics/reports/{OPEN_OPPORTUNITIES.id}/describe").json()
    metadata = {
        "reportFilters": saved["reportMetadata"]["reportFilters"],
        "reportBooleanFilter": logic,
    }
    response = demo_sf.post(
        f"analytics/reports/{OPEN_OPPORTUNITIES.id}",
        params={"includeDetails": "true"},
        json={"reportMetadata": metadata},
    )
    error = error_of(response, 400)
    assert error["errorCode"] == "BAD_REQUEST"
    assert message in error["message"]


def test_extended_boolean_filter_as_a_pager_sends_it(demo_sf):
    saved = demo_sf.get(f"analytics/reports/{OPEN_OPPORTUNITIES.id}/describe").json()
    base = run(demo_sf, OPEN_OPPORTUNITIES.id)
    extra = {"column": "AMOUNT", "operator": "greaterThan", "value": "100000"}
    answer = run(
        demo_sf,
        OPEN_OPPORTUNITIES.id,
        {
            "reportFilters": [*saved["reportMetadata"]["reportFilters"], extra],
            "reportBooleanFilter": "(1 AND (2 OR 3)) AND 4",
        },
    )
    expected = [r for r in rows(base) if r[3]["value"] and r[3]["value"]["amount"] > 100000]
    assert rows(answer) == expected


@pytest.mark.parametrize(
    "metadata",
    [
        {"reportFilters": [{"column": "NO_SUCH_COLUMN", "operator": "equals", "value": "x"}]},
        {"reportFilters": [{"column": "AMOUNT", "operator": "between", "value": "1"}]},
        {"reportFilters": [{"column": "AMOUNT", "operator": "greaterThan", "value": "lots"}]},
        {"sortBy": [{"sortColumn": "TYPE", "sortOrder": "Asc"}]},
    ],
)
def test_bad_report_metadata_is_a_400(demo_sf, metadata):
    response = demo_sf.post(
        f"analytics/reports/{OPEN_OPPORTUNITIES.id}",
        params={"includeDetails": "true"},
        json={"reportMetadata": metadata},
    )
    assert error_of(response, 400)["errorCode"] == "BAD_REQUEST"


def test_sort_by_is_honoured(demo_sf):
    answer = run(
        demo_sf,
        ALL_ACCOUNTS.id,
        {"sortBy": [{"sortColumn": "ANNUAL_REVENUE", "sortOrder": "Desc"}]},
    )
    amounts = [c["value"]["amount"] for c in column(answer, "ANNUAL_REVENUE") if c["value"]]
    assert amounts == sorted(amounts, reverse=True)
    assert column(answer, "ANNUAL_REVENUE")[-1]["value"] is None


def test_summary_run_keeps_detail_rows_under_groupings(demo_sf):
    answer = run(demo_sf, OPPORTUNITIES_BY_STAGE.id)
    groups = answer["groupingsDown"]["groupings"]
    assert groups
    stages = [g["value"] for g in groups]
    assert stages.index("Prospecting") < stages.index("Closed Won")
    total = 0
    for group in groups:
        entry = answer["factMap"][f"{group['key']}!T"]
        count = entry["aggregates"][1]["value"]
        assert len(entry["rows"]) == count
        total += count
        assert entry["rows"][0]["dataCells"][0]["value"].startswith("006")
    grand = answer["factMap"]["T!T"]
    assert "rows" not in grand
    assert grand["aggregates"][1]["value"] == total
    assert demo_sf.query("SELECT COUNT() FROM Opportunity").json()["totalSize"] == total
    assert answer["allData"] is True


def test_matrix_run_has_no_detail_rows(demo_sf):
    answer = run(demo_sf, PIPELINE_MATRIX.id)
    assert answer["hasDetailRows"] is False
    assert all("rows" not in v or v["rows"] == [] for v in answer["factMap"].values())
    assert answer["groupingsAcross"]["groupings"]
    assert "0!0" in answer["factMap"]
    total = answer["factMap"]["T!T"]["aggregates"][1]["value"]
    across = sum(
        answer["factMap"][f"T!{g['key']}"]["aggregates"][1]["value"]
        for g in answer["groupingsAcross"]["groupings"]
    )
    assert across == total


def test_an_unknown_report_is_404(demo_sf):
    for path in (
        "analytics/reports/00O5g00000000ZZZZZ",
        "analytics/reports/00O5g00000000ZZZZZ/describe",
    ):
        error = error_of(demo_sf.get(path), 404)
        assert error == {
            "errorCode": "NOT_FOUND",
            "message": "The requested resource does not exist",
        }


def test_a_report_in_a_hidden_folder_is_403(demo_sf):
    for path in (
        f"analytics/reports/{EXECUTIVE_ACCOUNTS.id}",
        f"analytics/reports/{EXECUTIVE_ACCOUNTS.id}/describe",
    ):
        error = error_of(demo_sf.get(path), 403)
        assert error["errorCode"] == "INSUFFICIENT_PRIVILEGES"
    listed = {r["id"] for r in demo_sf.get("analytics/reports").json()}
    assert EXECUTIVE_ACCOUNTS.id not in listed
    found = demo_sf.query("SELECT Id FROM Report WHERE DeveloperName = 'Executive_Account_Review'")
    assert found.json()["totalSize"] == 0


def test_reports_count_as_api_calls(sf, emulator: RunningEmulator):
    before = emulator.org.api_used
    sf.get("analytics/reports")
    sf.get(f"analytics/reports/{ALL_ACCOUNTS.id}/describe")
    run(sf, ALL_ACCOUNTS.id)
    sf.get("analytics/reports/00O5g00000000ZZZZZ")
    assert emulator.org.api_used - before == 4
    assert emulator.org.calls["analytics_report_run"] == 2


def test_a_run_returns_at_most_2000_detail_rows(sf, emulator: RunningEmulator):
    emulator.admin.generate("Contact", 2100)
    total = sf.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    assert total > 2000
    first = run(sf, ALL_CONTACTS.id)
    assert first["allData"] is False
    assert len(rows(first)) == 2000
    assert first["factMap"]["T!T"]["aggregates"][0]["value"] == total
    ids = [c["value"] for c in column(first, "CONTACT_ID")]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2000
    second = run(
        sf,
        ALL_CONTACTS.id,
        {
            "reportFilters": [
                {"column": "CONTACT_ID", "operator": "greaterThan", "value": ids[-1]}
            ],
            "sortBy": [{"sortColumn": "CONTACT_ID", "sortOrder": "Asc"}],
        },
    )
    assert second["allData"] is True
    rest = [c["value"] for c in column(second, "CONTACT_ID")]
    assert len(ids) + len(rest) == total
    assert rest[0] > ids[-1]


def test_reports_of_an_empty_org_do_not_exist(sf, emulator: RunningEmulator):
    emulator.org.conn.execute('DELETE FROM "Report"')
    assert sf.get("analytics/reports").json() == []
    assert error_of(sf.get(f"analytics/reports/{ALL_ACCOUNTS.id}"), 404)["errorCode"] == "NOT_FOUND"

"""Doubles as Salesforce writes them: Java's ``Double.toString`` in REST JSON and Bulk CSV."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from emulator_http import Api
from salesforce_emulator.json_text import dumps
from salesforce_emulator.values import java_double


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (48000.0, "48000.0"),
        (25_000_000.0, "2.5E7"),
        (1e-4, "1.0E-4"),
        (-3.5, "-3.5"),
        (0.001, "0.001"),
        (0.000999, "9.99E-4"),
        (9_999_999.0, "9999999.0"),
        (10_000_000.0, "1.0E7"),
        (12_345_678.9, "1.23456789E7"),
        (-2.5e-7, "-2.5E-7"),
        (1e22, "1.0E22"),
        (0.1, "0.1"),
        (87.5, "87.5"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.2345678901234568e-10, "1.2345678901234568E-10"),
    ],
)
def test_java_double_form(value, text):
    assert java_double(value) == text
    assert float(text) == value


def test_non_finite_doubles_are_written_as_java_does():
    assert (java_double(math.nan), java_double(math.inf), java_double(-math.inf)) == (
        "NaN",
        "Infinity",
        "-Infinity",
    )


def test_json_text_writes_doubles_as_numbers_and_leaves_the_rest():
    body = {"a": 2.5e7, "b": [1e-4, 3, "2.5E7", True, None], "c": {"d": 48000.0}, "e": "x\ue000y"}
    text = dumps(body)
    assert text == (
        '{"a": 2.5E7, "b": [1.0E-4, 3, "2.5E7", true, null], "c": {"d": 48000.0}, "e": "x\ue000y"}'
    )
    assert json.loads(text) == body


AMOUNTS = {"Small": 1e-4, "Plain": 48000.0, "Big": 25_000_000.0, "Negative": -3.5}


@pytest.fixture
def accounts(sf: Api) -> dict[str, str]:
    """Accounts named after AMOUNTS, their AnnualRevenue (currency) set to the amount."""
    ids = {}
    for name, amount in AMOUNTS.items():
        created = sf.post(
            "sobjects/Account", json={"Name": f"Java {name}", "AnnualRevenue": amount}
        )
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    return ids


def test_rest_query_writes_currency_in_java_form(sf, accounts):
    response = sf.query("SELECT Name, AnnualRevenue FROM Account WHERE Name LIKE 'Java %'")
    assert response.status_code == 200
    text = response.text
    assert '"AnnualRevenue": 2.5E7' in text
    assert '"AnnualRevenue": 1.0E-4' in text
    assert '"AnnualRevenue": 48000.0' in text
    assert '"AnnualRevenue": -3.5' in text
    records = {r["Name"]: r["AnnualRevenue"] for r in response.json()["records"]}
    assert records == {f"Java {name}": amount for name, amount in AMOUNTS.items()}


def test_query_all_record_get_and_percent_fields(sf, accounts):
    text = sf.get(
        "queryAll",
        params={"q": f"SELECT AnnualRevenue FROM Account WHERE Id = '{accounts['Big']}'"},
    ).text
    assert '"AnnualRevenue": 2.5E7' in text
    record = sf.get(f"sobjects/Account/{accounts['Big']}")
    assert record.status_code == 200
    assert '"AnnualRevenue": 2.5E7' in record.text
    opportunity = sf.post(
        "sobjects/Opportunity",
        json={
            "Name": "Java deal",
            "StageName": "Prospecting",
            "CloseDate": "2026-01-01",
            "Amount": 12_345_678.9,
            "Probability": 10,
        },
    )
    assert opportunity.status_code == 201, opportunity.text
    got = sf.get(
        f"sobjects/Opportunity/{opportunity.json()['id']}", params={"fields": "Amount,Probability"}
    )
    assert '"Amount": 1.23456789E7' in got.text
    assert '"Probability": 10.0' in got.text


def test_int_fields_stay_plain_integers(sf, accounts):
    sf.patch(f"sobjects/Account/{accounts['Big']}", json={"NumberOfEmployees": 20_000_000})
    text = sf.query(f"SELECT NumberOfEmployees FROM Account WHERE Id = '{accounts['Big']}'").text
    assert '"NumberOfEmployees": 20000000' in text


def bulk_rows(sf: Api, soql: str) -> list[dict[str, str]]:
    job = sf.post("jobs/query", json={"operation": "query", "query": soql}).json()
    while sf.get(f"jobs/query/{job['id']}").json()["state"] != "JobComplete":
        pass
    results = sf.get(f"jobs/query/{job['id']}/results")
    assert results.status_code == 200, results.text
    return list(csv.DictReader(io.StringIO(results.text, newline="")))


def test_bulk_csv_writes_currency_in_java_form(sf, accounts):
    rows = bulk_rows(sf, "SELECT Name, AnnualRevenue FROM Account WHERE Name LIKE 'Java %'")
    assert {r["Name"]: r["AnnualRevenue"] for r in rows} == {
        "Java Small": "1.0E-4",
        "Java Plain": "48000.0",
        "Java Big": "2.5E7",
        "Java Negative": "-3.5",
    }

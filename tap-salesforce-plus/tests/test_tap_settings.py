"""Setting values are checked once, by ``config_jsonschema``; the rest is checked by meaning."""

from __future__ import annotations

from typing import Any

import pytest
from salesforce_common import ConfigError
from singer_sdk.exceptions import ConfigValidationError
from tap_salesforce_plus.options import TapOptions
from tap_salesforce_plus.tap import TapSalesforcePlus

BASE = {"domain": "http://127.0.0.1:9", "access_token": "00D!not-used-here"}


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("formula_refresh_hours", 0, "0 is less than or equal to the minimum of 0"),
        ("bulk_page_size", 0, "0 is less than the minimum of 1"),
        ("bulk_threshold", -1, "-1 is less than the minimum of 0"),
        ("lookback_minutes", 1.5, "1.5 is not of type 'integer', 'null'"),
        ("api_type", "fast", "'fast' is not one of ['auto', 'rest', 'bulk']"),
        ("include_deleted", "yes", "'yes' is not of type 'boolean', 'null'"),
        ("max_api_usage_percent", 150, "150 is greater than the maximum of 100"),
        ("max_api_calls", -1, "-1 is less than the minimum of 0"),
        ("tables", "account", "'account' is not of type 'array', 'null'"),
    ],
)
def test_bad_value_is_a_schema_error_naming_the_setting(
    setting: str, value: Any, expected: str
) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        TapSalesforcePlus(config={**BASE, setting: value})
    assert caught.value.errors == [f"{expected} in config[{setting!r}]"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"name": "  ", "soql": "SELECT Id FROM Account"}], "in config['queries'][0]['name']"),
        ([{"name": "q"}], "'soql' is a required property in config['queries'][0]"),
        (
            [{"name": "q", "soql": "SELECT Id FROM Account", "primary_keys": [""]}],
            "['primary_keys'][0]",
        ),
    ],
)
def test_malformed_query_entry_is_a_schema_error(value: Any, expected: str) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        TapSalesforcePlus(config={**BASE, "queries": value})
    [error] = caught.value.errors
    assert error.endswith(expected)


def test_secret_value_is_redacted_from_schema_errors() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        TapSalesforcePlus(config={**BASE, "client_secret": 987654321})
    assert caught.value.errors == ["*** is not of type 'string', 'null' in config['client_secret']"]


def test_repeated_query_name_is_a_one_line_error() -> None:
    soql = "SELECT Id FROM Account"
    queries = [{"name": "Deals", "soql": soql}, {"name": "deals ", "soql": soql}]
    with pytest.raises(ConfigError, match=r"^queries: two queries are named 'deals'$"):
        TapOptions.from_config({"queries": queries})


def test_options_take_the_schema_defaults_for_absent_or_null_settings() -> None:
    options = TapOptions.from_config({"lookback_minutes": None, "relationships": {"Case": ["A"]}})
    assert options.lookback.total_seconds() == 300
    assert (options.api_type, options.bulk_threshold, options.bulk_page_size) == (
        "auto",
        10_000,
        50_000,
    )
    assert options.relationships == {"case": ("A",)}
    assert options.formula_refresh is None

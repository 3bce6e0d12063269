"""The Singer SDK's standard tap tests, against the shared emulator org.

Every standard test runs (tap: cli_prints, discovery, stream_connections, valid_final_state;
per stream: schema_is_valid, returns_record, transformed_catalog_schema_matches_record,
record_schema_matches_transformed_catalog, record_matches_stream_schema, primary_keys; per
attribute: is_datetime, is_boolean, is_object, is_integer, is_numeric, not_null). The streams
are the 17 standard tables, the demo org's custom objects and ``Attachment`` (its base64
``Body`` excluded by default).

The SDK runs every parametrization of an attribute test on one template object and caches the
attribute's values on it, so without help each test kind checks only the first attribute a
worker happens to run. ``_fresh_attribute_values`` drops that cache so every attribute is
checked against its own values. The few attributes that are null in every record of the small
shared org are skipped by name, and ``test_attributes_without_values_are_listed`` keeps that
list exact.
"""

from __future__ import annotations

import pytest
from singer_sdk.testing import get_tap_test_class
from singer_sdk.testing.runners import TapTestRunner
from singer_sdk.testing.suites import tap_stream_attribute_tests
from tap_salesforce_plus.tap import TapSalesforcePlus
from tapsf_support import ALL_TABLES, shared_emulator

WITHOUT_VALUES = frozenset({
    "is_datetime[email_message.FirstOpenedDate]",
    "is_datetime[email_message.LastOpenedDate]",
    "is_datetime[event.RecurrenceStartDateTime]",
    "is_datetime[event.RecurrenceEndDateOnly]",
    "is_datetime[lead.EmailBouncedDate]",
    "is_datetime[task.RecurrenceStartDateOnly]",
    "is_datetime[task.RecurrenceEndDateOnly]",
    "is_integer[event.RecurrenceInterval]",
    "is_integer[event.RecurrenceDayOfWeekMask]",
    "is_integer[event.RecurrenceDayOfMonth]",
    "is_integer[task.RecurrenceInterval]",
    "is_integer[task.RecurrenceDayOfWeekMask]",
    "is_integer[task.RecurrenceDayOfMonth]",
    "is_numeric[opportunity_line_item.Discount]",
})  # fmt: skip
"""Attribute tests whose attribute is null in every record the shared org returns (the demo's
activities are not series, line items carry no discount, and its few emails and leads were
never opened or bounced)."""

_STANDARD = get_tap_test_class(
    TapSalesforcePlus,
    config=shared_emulator().config(tables=[*ALL_TABLES, "custom:Attachment"]),
)
_ATTRIBUTE_TEST = "test_tap_stream_attribute_"


class TestTapSalesforcePlus(_STANDARD):  # type: ignore[misc,valid-type]
    """The SDK's standard tests, each attribute test checking its own attribute."""

    @pytest.fixture(autouse=True)
    def _fresh_attribute_values(self, request: pytest.FixtureRequest) -> None:
        name = request.node.originalname
        if name.startswith(_ATTRIBUTE_TEST):
            case = f"{name.removeprefix(_ATTRIBUTE_TEST)}[{request.node.callspec.id}]"
            if case in WITHOUT_VALUES:
                pytest.skip("the attribute is null in every record of the shared org")
            request.function.__self__.__dict__.pop("non_null_attribute_values", None)

    def test_attributes_without_values_are_listed(self, runner: TapTestRunner) -> None:
        """``WITHOUT_VALUES`` names exactly the attribute tests that would have no values."""
        empty = set()
        for stream in runner.new_tap().streams.values():
            records = runner.records[stream.name]
            properties = stream.stream_maps[-1].transformed_schema["properties"]
            for test in tap_stream_attribute_tests.tests:
                if test.name == "not_null":
                    continue
                empty.update(
                    f"{test.name}[{stream.name}.{name}]"
                    for name, schema in properties.items()
                    if test.evaluate(stream=stream, property_name=name, property_schema=schema)
                    and all(record.get(name) is None for record in records)
                )
        assert empty == WITHOUT_VALUES

"""The Singer SDK's standard tap tests, against the shared emulator org.

Every standard test runs (tap: cli_prints, discovery, stream_connections, valid_final_state;
per stream: schema_is_valid, returns_record, transformed_catalog_schema_matches_record,
record_schema_matches_transformed_catalog, record_matches_stream_schema, primary_keys; per
attribute: is_datetime, is_boolean, is_object, is_integer, is_numeric, not_null). None is
skipped. The streams are the 17 standard tables, the demo org's custom objects and
``Attachment`` (its base64 ``Body`` excluded by default).
"""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class
from tap_salesforce_plus.tap import TapSalesforcePlus
from tapsf_support import ALL_TABLES, shared_emulator

TestTapSalesforcePlus = get_tap_test_class(
    TapSalesforcePlus,
    config=shared_emulator().config(tables=[*ALL_TABLES, "custom:Attachment"]),
)

"""Records carry exactly the catalog's selection, with or without the SDK's per-record walk.

The tap queries only selected fields and drops the few extra ones it reads itself
(``IsDeleted`` for delete marks), skipping the SDK's walk of the selection mask; a deselected
property inside an embedded parent record falls back to the SDK's walk.
"""

from __future__ import annotations

from typing import Any

from tap_salesforce_plus.streams import SoqlStream
from tapsf_support import make_tap, shared_emulator, sync


def select(catalog: dict[str, Any], stream: str, deselected: set[tuple[str, ...]]) -> None:
    """Select only ``stream``, with every property but ``deselected`` breadcrumbs."""
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            crumb = tuple(item["breadcrumb"])
            if not crumb:
                item["metadata"]["selected"] = entry["tap_stream_id"] == stream
            else:
                item["metadata"]["selected"] = crumb not in deselected


def test_deselected_top_level_properties_are_dropped_without_the_sdk_walk() -> None:
    config = shared_emulator().config(tables=["contact"], include_deleted=True, api_type="rest")
    catalog = make_tap(config).tap.catalog_dict
    select(catalog, "contact", {("properties", "IsDeleted"), ("properties", "Email")})
    run = make_tap(config, catalog=catalog)
    run.tap.sync_all()
    stream = run.tap.streams["contact"]
    assert isinstance(stream, SoqlStream)
    assert stream.record_extras() == frozenset({"IsDeleted"})  # read for the delete marks
    records = run.records("contact")
    assert records
    schema = set(run.schema("contact")["properties"])
    assert all("IsDeleted" not in r and "Email" not in r and set(r) <= schema for r in records)
    assert any(r.get("_sdc_deleted_at") for r in records)  # deleted rows still marked


def test_a_deselected_nested_property_is_dropped_by_the_sdk_walk() -> None:
    config = shared_emulator().config(
        tables=["case", "contact"], relationships={"case": ["Contact"]}, api_type="rest"
    )
    catalog = make_tap(config).tap.catalog_dict
    nested = ("properties", "Contact", "properties", "Email")
    select(catalog, "case", {nested})
    run = make_tap(config, catalog=catalog)
    run.tap.sync_all()
    assert run.tap.streams["case"].record_extras() is None
    parents = [r["Contact"] for r in run.records("case") if r.get("Contact")]
    assert parents
    assert all("Email" not in parent and "LastName" in parent for parent in parents)


def test_everything_selected_means_nothing_to_drop() -> None:
    run = sync(shared_emulator().config(tables=["account"], api_type="rest"))
    assert run.tap.streams["account"].record_extras() == frozenset()
    assert set(run.records("account")[0]) == set(run.schema("account")["properties"])

"""Parent records embedded as sub-objects (``relationships``), over REST and Bulk alike."""

from __future__ import annotations

from typing import Any

import pytest
from salesforce_common import ConfigError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import make_tap, shared_emulator, sync

RELATIONSHIPS = {"case": ["Contact"], "opportunity": ["Account"]}


def test_case_embeds_its_contact_with_the_contact_schema() -> None:
    emulator = shared_emulator()
    config = emulator.config(tables=["case", "contact"], relationships=RELATIONSHIPS)
    run = sync(config)

    contact_schema = run.schema("contact")["properties"]
    nested = run.schema("case")["properties"]["Contact"]
    assert nested["type"] == ["object", "null"]
    assert next(iter(nested["properties"])) == "Id"
    assert nested["properties"]["Email"] == contact_schema["Email"]
    assert nested["properties"]["Birthdate"] == contact_schema["Birthdate"]
    assert "MailingAddress" not in nested["properties"]  # compounds: their components instead
    assert "MailingCity" in nested["properties"]

    [soql] = run.soql("Case")
    assert ", Contact.Id, Contact.OwnerId, " in soql
    assert ", Contact.Email, " in soql
    contacts = {r["Id"]: r for r in run.records("contact")}
    cases = run.records("case")
    assert any(r["Contact"] is None for r in cases) or all(r["ContactId"] for r in cases)
    for record in cases:
        if record["ContactId"] is None:
            assert record["Contact"] is None
            continue
        parent = contacts[record["ContactId"]]
        assert record["Contact"] == {k: parent[k] for k in record["Contact"]}
        assert set(record["Contact"]) == set(nested["properties"])


def test_relationship_sub_objects_are_the_same_over_bulk(emulator: RunningEmulator) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    config = emulator.config(tables=["case", "opportunity"], relationships=RELATIONSHIPS)
    rest = sync({**config, "api_type": "rest"})
    bulk = sync({**config, "api_type": "bulk"})
    [job] = bulk.bulk_soql("Opportunity")
    assert ", Account.Id, " in job
    assert "Account.BillingAddress" not in job
    for stream in ("case", "opportunity"):
        assert rest.schema(stream) == bulk.schema(stream)
        assert {r["Id"]: r for r in bulk.records(stream)} == {
            r["Id"]: r for r in rest.records(stream)
        }
    deals = bulk.records("opportunity")
    assert all(isinstance(r["Account"], dict) or r["AccountId"] is None for r in deals)
    assert all(r["Account"]["Id"] == r["AccountId"] for r in deals if r["AccountId"])


@pytest.mark.parametrize(
    ("relationships", "message"),
    [
        (
            {"case": ["Contct"]},
            "relationships: stream case has no relationship 'Contct'; its relationships are ",
        ),
        ({"task": ["What"]}, "relationships: task.What is polymorphic (Account, Opportunity"),
        ({"leads": ["Owner"]}, "relationships: leads is not a table stream (synced tables: case, "),
    ],
)
def test_bad_relationship_setting_is_a_one_line_error(
    relationships: dict[str, Any], message: str
) -> None:
    config = shared_emulator().config(tables=["case", "task"], relationships=relationships)
    with pytest.raises(ConfigError, match=r"^relationships: ") as caught:
        make_tap(config).tap.discover_streams()
    assert message in str(caught.value)

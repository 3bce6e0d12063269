"""Mapping: automatic names, explicit paths, static fields, identity; checked against describe."""

from __future__ import annotations

import logging

import pytest
from salesforce_common import SalesforceSession
from target_salesforce_contacts.api import ContactsApi
from target_salesforce_contacts.describe import ContactSchema, normalize_name
from target_salesforce_contacts.errors import MappingError
from target_salesforce_contacts.mapping import ContactMapping, StreamMapper, get_path
from target_salesforce_contacts.settings import TargetSettings
from tsc_support import (
    by_email,
    live_contacts,
    person,
    read_jsonl,
    record,
    run_target,
    schema,
    shared_emulator,
    target_config,
)


@pytest.fixture(scope="module")
def contact_schema() -> ContactSchema:
    with SalesforceSession(shared_emulator().config()) as session:
        return ContactSchema.from_describe(ContactsApi(session).describe_contact())


def mapper(contact_schema, properties, **settings) -> StreamMapper:
    config = TargetSettings.from_config(settings)
    built = StreamMapper("s", ContactMapping.build(config, contact_schema))
    built.observe(properties)
    return built


def test_names_fold_case_underscores_and_spaces():
    assert normalize_name("mailing_city") == normalize_name("MailingCity") == "mailingcity"
    assert normalize_name("First Name") == "firstname"


def test_automatic_mapping_ignores_case_and_underscores(contact_schema):
    built = mapper(
        contact_schema,
        ["EMAIL", "first_name", "LASTNAME", "mailing_city", "Do_Not_Call", "id", "owner_id"],
    )
    assert built.email_path == "EMAIL"
    assert {p: f.name for p, f in built.automatic.items()} == {
        "first_name": "FirstName",
        "LASTNAME": "LastName",
        "mailing_city": "MailingCity",
        "Do_Not_Call": "DoNotCall",
    }
    # Id is never written; reference fields (OwnerId) are only mapped explicitly.
    assert built.unmapped == {"id", "owner_id"}


def test_read_only_and_formula_fields_are_not_mapped_automatically(contact_schema):
    built = mapper(contact_schema, ["email", "created_date", "name", "is_email_bounced"])
    assert built.automatic == {}
    assert built.unmapped == {"created_date", "name", "is_email_bounced"}


def test_explicit_mapping_with_nested_paths_and_static_fields(contact_schema):
    built = mapper(
        contact_schema,
        ["contact", "person_title", "title"],
        email_field="contact.email",
        field_mapping={"contact.address.city": "mailingcity", "person_title": "Title"},
        static_fields={"LeadSource": "Warehouse"},
    )
    extracted = built.extract(
        {
            "contact": {"email": " A@x.io ", "address": {"city": " Lyon "}},
            "person_title": "CTO",
            "title": "ignored: Title is explicitly mapped from person_title",
        }
    )
    assert extracted.email == " A@x.io "
    assert extracted.values == {"MailingCity": "Lyon", "Title": "CTO", "LeadSource": "Warehouse"}
    assert built.unmapped == {"title"}


def test_get_path_prefers_a_property_with_a_dot_in_its_name():
    assert get_path({"a.b": 1, "a": {"b": 2}}, "a.b") == 1
    assert get_path({"a": {"b": 2}}, "a.b") == 2


def test_mapping_to_email_sets_the_identity(contact_schema):
    built = mapper(contact_schema, ["work_mail"], field_mapping={"work_mail": "Email"})
    assert built.email_path == "work_mail"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"field_mapping": {"x": "Nope__c"}}, "Contact has no field 'Nope__c'"),
        ({"field_mapping": {"x": "CreatedDate"}}, "Contact.CreatedDate cannot be created"),
        ({"field_mapping": {"x": "Account_Name__c"}}, "Account_Name__c is a formula field"),
        ({"static_fields": {"IsEmailBounced": True}}, "Contact.IsEmailBounced cannot be created"),
        ({"static_fields": {"Email": "a@b.c"}}, "static_fields cannot set Email"),
        (
            {"field_mapping": {"a": "Title", "b": "title"}},
            "maps both 'a' and 'b' to Contact.Title",
        ),
        (
            {"field_mapping": {"x": "Email"}, "email_field": "y"},
            "the identity must come from one property",
        ),
    ],
)
def test_mapping_errors_name_the_field(contact_schema, settings, message):
    with pytest.raises(MappingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ContactMapping.build(TargetSettings.from_config(settings), contact_schema)


def test_a_bad_mapping_stops_the_run_before_any_write(emulator, tmp_path):
    emulator.admin.reset()
    run = run_target(
        target_config(emulator, tmp_path, field_mapping={"title": "Titel"}),
        [schema(), record(person(1, "stop.io"))],
    )
    assert isinstance(run.error, MappingError)
    assert "field_mapping['title']: Contact has no field 'Titel'" in str(run.error)
    assert "\n" not in str(run.error)
    assert live_contacts(emulator, "stop.io") == []
    assert emulator.admin.calls()["by_endpoint"] == {"describe": 1}


def test_unmapped_properties_are_logged_once_per_stream(emulator, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="target-salesforce-contacts")
    messages = [schema(properties={**schema()["schema"]["properties"], "shoe_size": {}})]
    messages += [record(person(n, "log.io", shoe_size=n)) for n in range(3)]
    run = run_target(target_config(emulator, tmp_path, batch_size_rows=1), messages)
    assert run.error is None
    unmapped = [r.message for r in caplog.records if "ignoring unmapped properties" in r.message]
    assert unmapped == ["Stream 'people': ignoring unmapped properties: id, shoe_size"]


def test_static_fields_and_nested_mapping_reach_salesforce(emulator, tmp_path):
    config = target_config(
        emulator,
        tmp_path,
        email_field="person.email",
        field_mapping={"person.name.last": "LastName", "person.city": "MailingCity"},
        static_fields={"LeadSource": "Warehouse"},
    )
    nested = {"person": {"email": "Nest@Deep.io", "name": {"last": "Deep"}, "city": "Oslo"}}
    run = run_target(config, [schema(properties={"person": {"type": "object"}}), record(nested)])
    assert run.error is None
    [contact] = by_email(emulator, "deep.io")["nest@deep.io"]
    assert (contact["LastName"], contact["MailingCity"], contact["LeadSource"]) == (
        "Deep",
        "Oslo",
        "Warehouse",
    )


def test_only_the_streams_named_in_streams_are_written(emulator, tmp_path):
    run = run_target(
        target_config(emulator, tmp_path, streams=["people"]),
        [
            schema("people"),
            schema("other"),
            record(person(1, "picked.io"), "people"),
            record(person(2, "picked.io"), "other"),
        ],
    )
    assert run.error is None
    assert set(by_email(emulator, "picked.io")) == {"user1@picked.io"}
    assert read_jsonl(tmp_path / "rejects.jsonl") == []

"""Matching, sync modes, duplicates, no-op skipping, dead letters and dry runs, on the emulator."""

from __future__ import annotations

import logging

import pytest
from target_salesforce_contacts.errors import TooManyRejectsError
from tsc_support import (
    by_email,
    person,
    read_jsonl,
    record,
    run_target,
    schema,
    target_config,
    writes,
)


def seed(emulator, *rows):
    """Insert existing Contacts; returns their Ids in order."""
    return [r["Id"] for r in emulator.admin.insert("Contact", list(rows))]


def test_emails_match_case_insensitively_after_trimming(emulator, tmp_path):
    [existing] = seed(emulator, {"LastName": "Lee", "Email": "ann.lee@case.io"})
    run = run_target(
        target_config(emulator, tmp_path),
        [
            schema(),
            record({"email": "  ANN.Lee@Case.IO ", "first_name": "Ann", "last_name": "Lee"}),
        ],
    )
    assert run.error is None
    assert (run.stats.created, run.stats.updated) == (0, 1)
    [contact] = by_email(emulator, "case.io")["ann.lee@case.io"]
    assert (contact["Id"], contact["FirstName"]) == (existing, "Ann")


def test_emails_with_quotes_are_escaped_in_lookups(emulator, tmp_path):
    [existing] = seed(emulator, {"LastName": "O'Brien", "Email": "o'brien@quote.io"})
    messages = [
        schema(),
        record({"email": "O'Brien@quote.io", "last_name": "O'Brien", "title": "Boss"}),
        record({"email": "d'arcy@quote.io", "last_name": "D'Arcy"}),
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert run.error is None
    found = by_email(emulator, "quote.io")
    assert [c["Id"] for c in found["o'brien@quote.io"]] == [existing]
    assert found["o'brien@quote.io"][0]["Title"] == "Boss"
    assert len(found["d'arcy@quote.io"]) == 1


def test_rerunning_the_same_input_writes_nothing(emulator, tmp_path):
    seed(emulator, {"LastName": "Old", "Email": "user1@rerun.io", "Title": "Clerk"})
    messages = [schema()] + [
        record(person(n, "rerun.io", title=" Boss ", mailing_city="Köln")) for n in range(1, 6)
    ]
    config = target_config(emulator, tmp_path)
    first = run_target(config, messages)
    assert (first.stats.created, first.stats.updated) == (4, 1)
    emulator.admin.reset()
    second = run_target(config, messages)
    assert second.error is None
    assert (second.stats.created, second.stats.updated, second.stats.unchanged) == (0, 0, 5)
    assert writes(emulator) == {}
    assert all(len(v) == 1 for v in by_email(emulator, "rerun.io").values())


def test_only_changed_fields_are_sent(emulator, tmp_path):
    [existing] = seed(
        emulator, {"LastName": "Same", "FirstName": "Old", "Email": "x@changed.io", "Title": "T"}
    )
    run = run_target(
        target_config(emulator, tmp_path),
        [schema(), record({"email": "x@changed.io", "first_name": "New", "last_name": "Same"})],
    )
    assert run.stats.changed_fields == {"FirstName": 1}
    contact = emulator.admin.records("Contact", ids=[existing])[0]
    assert (contact["FirstName"], contact["LastName"], contact["Title"]) == ("New", "Same", "T")


def test_duplicates_in_a_batch_last_one_wins(emulator, tmp_path):
    messages = [
        schema(),
        record(person(1, "dup.io", title="first")),
        record({**person(1, "dup.io", title="second"), "email": "USER1@dup.io"}),
        record({**person(1, "dup.io", title="third"), "email": " user1@DUP.io"}),
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert run.error is None
    [contact] = by_email(emulator, "dup.io")["user1@dup.io"]
    assert contact["Title"] == "third"
    rejects = read_jsonl(tmp_path / "rejects.jsonl")
    assert [(r["code"], r["record"]["title"]) for r in rejects] == [
        ("SUPERSEDED", "first"),
        ("SUPERSEDED", "second"),
    ]


@pytest.fixture
def twins(emulator):
    """Two Contacts sharing an email (the first created earlier)."""
    return seed(
        emulator,
        {
            "LastName": "Old",
            "Email": "twin@multi.io",
            "CreatedDate": "2020-01-01T00:00:00.000+0000",
        },
        {
            "LastName": "New",
            "Email": "TWIN@multi.io",
            "CreatedDate": "2023-01-01T00:00:00.000+0000",
        },
    )


def twin_titles(emulator, ids):
    return [c["Title"] for c in emulator.admin.records("Contact", ids=ids)]


def test_multiple_matches_update_oldest_by_default(emulator, tmp_path, twins, caplog):
    caplog.set_level(logging.WARNING, logger="target-salesforce-contacts")
    run = run_target(
        target_config(emulator, tmp_path),
        [schema(), record({"email": "twin@multi.io", "title": "X"})],
    )
    assert run.stats.updated == 1
    assert run.stats.multiple_matches == 1
    assert twin_titles(emulator, twins) == ["X", None]
    assert any("match several Contacts, updating the oldest" in r.message for r in caplog.records)


def test_multiple_matches_update_all(emulator, tmp_path, twins):
    config = target_config(emulator, tmp_path, on_multiple_matches="update_all")
    run = run_target(config, [schema(), record({"email": "twin@multi.io", "title": "X"})])
    assert run.stats.updated == 2
    assert twin_titles(emulator, twins) == ["X", "X"]


def test_multiple_matches_reject(emulator, tmp_path, twins):
    config = target_config(emulator, tmp_path, on_multiple_matches="reject")
    run = run_target(config, [schema(), record({"email": "twin@multi.io", "title": "X"})])
    assert (run.stats.updated, run.stats.rejected) == (0, 1)
    assert twin_titles(emulator, twins) == [None, None]
    [reject] = read_jsonl(tmp_path / "rejects.jsonl")
    assert reject["code"] == "MULTIPLE_MATCHES"
    assert all(contact_id in reject["reason"] for contact_id in twins)


def test_update_only_never_creates(emulator, tmp_path):
    seed(emulator, {"LastName": "Here", "Email": "user1@mode.io"})
    config = target_config(emulator, tmp_path, sync_mode="update_only")
    run = run_target(config, [schema(), record(person(1, "mode.io")), record(person(2, "mode.io"))])
    assert (run.stats.created, run.stats.updated, run.stats.skipped) == (0, 1, 1)
    assert set(by_email(emulator, "mode.io")) == {"user1@mode.io"}


def test_create_only_never_updates(emulator, tmp_path):
    [existing] = seed(emulator, {"LastName": "Here", "Email": "user1@mode.io"})
    config = target_config(emulator, tmp_path, sync_mode="create_only")
    run = run_target(config, [schema(), record(person(1, "mode.io")), record(person(2, "mode.io"))])
    assert (run.stats.created, run.stats.updated, run.stats.skipped) == (1, 0, 1)
    assert emulator.admin.records("Contact", ids=[existing])[0]["LastName"] == "Here"
    assert set(by_email(emulator, "mode.io")) == {"user1@mode.io", "user2@mode.io"}


def test_partial_batch_failure_dead_letters_only_the_bad_records(emulator, tmp_path):
    messages = [
        schema(),
        record(person(1, "partial.io")),
        record(person(2, "partial.io", title="T" * 200)),
        record(person(3, "partial.io", last_name="")),
        record(person(4, "partial.io")),
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert run.error is None
    assert set(by_email(emulator, "partial.io")) == {"user1@partial.io", "user4@partial.io"}
    rejects = {r["email"]: r for r in read_jsonl(tmp_path / "rejects.jsonl")}
    assert rejects["user2@partial.io"]["code"] == "STRING_TOO_LONG"
    assert rejects["user2@partial.io"]["fields"] == ["Title"]
    assert rejects["user2@partial.io"]["record"]["title"] == "T" * 200
    assert rejects["user3@partial.io"]["code"] == "REQUIRED_FIELD_MISSING"


def test_default_last_name_fills_missing_last_names(emulator, tmp_path):
    config = target_config(emulator, tmp_path, default_last_name="Unknown")
    run = run_target(config, [schema(), record({"email": "nolast@default.io"})])
    assert run.stats.created == 1
    [contact] = by_email(emulator, "default.io")["nolast@default.io"]
    assert contact["LastName"] == "Unknown"


def test_duplicate_rule_rejects_by_default_and_allow_save_bypasses(emulator, tmp_path, twins):
    # With an org duplicate rule on Contact email, saving one of two Contacts that share an
    # email trips the rule.
    emulator.admin.settings(duplicate_rules=["Contact"])
    messages = [schema(), record({"email": "twin@multi.io", "title": "X"})]
    run = run_target(target_config(emulator, tmp_path / "default"), messages)
    assert (run.stats.updated, run.stats.rejected) == (0, 1)
    [reject] = read_jsonl(tmp_path / "default" / "rejects.jsonl")
    assert (reject["code"], reject["contact_id"]) == ("DUPLICATES_DETECTED", twins[0])
    assert twin_titles(emulator, twins) == [None, None]

    config = target_config(emulator, tmp_path / "allow", allow_duplicate_save=True)
    run = run_target(config, messages)
    assert (run.stats.updated, run.stats.rejected) == (1, 0)
    assert twin_titles(emulator, twins) == ["X", None]


def test_max_rejects_fails_the_run(emulator, tmp_path):
    config = target_config(emulator, tmp_path, max_rejects=1)
    messages = [
        schema(),
        record({"email": "bad"}),
        record({"email": "worse"}),
        record(person(1, "ok.io")),
    ]
    run = run_target(config, messages)
    assert isinstance(run.error, TooManyRejectsError)
    assert "max_rejects=1 exceeded: 2 records rejected" in str(run.error)
    assert len(read_jsonl(tmp_path / "rejects.jsonl")) == 2
    assert run.states == []


def test_dry_run_writes_nothing_and_plans_everything(emulator, tmp_path):
    seed(
        emulator,
        {"LastName": "Last1", "FirstName": "First1", "Email": "user1@dry.io"},
        {"LastName": "Old", "FirstName": "First2", "Email": "user2@dry.io"},
    )
    config = target_config(emulator, tmp_path, dry_run=True)
    emulator.admin.reset()
    messages = [
        schema(),
        record(person(1, "dry.io")),
        record(person(2, "dry.io")),
        record(person(3, "dry.io")),
        record({"email": "nope"}),
    ]
    run = run_target(config, messages)
    assert run.error is None
    assert writes(emulator) == {}
    assert set(by_email(emulator, "dry.io")) == {"user1@dry.io", "user2@dry.io"}
    plan = {entry["email"]: entry for entry in read_jsonl(tmp_path / "plan.jsonl")}
    assert plan["user1@dry.io"]["action"] == "unchanged"
    assert plan["user2@dry.io"]["action"] == "update"
    assert plan["user2@dry.io"]["changes"] == {"LastName": {"from": "Old", "to": "Last2"}}
    assert plan["user3@dry.io"]["action"] == "create"
    assert plan["user3@dry.io"]["fields"]["LastName"] == "Last3"
    assert plan["nope"]["action"] == "reject"
    assert plan["nope"]["code"] == "INVALID_EMAIL_ADDRESS"
    assert not (tmp_path / "rejects.jsonl").exists()
    summary = run.target.sync.summary()
    assert summary.startswith(
        "Dry run summary: would_create=1 would_update=1 unchanged=1 would_reject=1"
    )
    assert "changed fields: LastName=1" in summary


def test_long_lookups_are_split_to_fit_salesforce_limits(emulator, tmp_path):
    local = "a.rather.long.mailbox.name.for.testing.uri.limits"
    emails = [f"{local}.{n:05d}@limits.io" for n in range(1500)]
    seed(emulator, *({"LastName": "Seeded", "Email": emails[n]} for n in (0, 700, 1499)))
    emulator.admin.reset()
    config = target_config(emulator, tmp_path, dry_run=True)
    run = run_target(config, [schema(), *(record({"email": e, "last_name": "L"}) for e in emails)])
    assert run.error is None
    assert (run.stats.updated, run.stats.created) == (3, 1497)
    assert emulator.admin.calls()["by_endpoint"]["query"] > 1


def test_activate_version_never_deletes_contacts(emulator, tmp_path):
    seed(emulator, {"LastName": "Kept", "Email": "kept@version.io"})
    messages = [
        schema(),
        {"type": "ACTIVATE_VERSION", "stream": "people", "version": 1},
        record(person(1, "version.io")),
        {"type": "ACTIVATE_VERSION", "stream": "people", "version": 2},
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert run.error is None
    assert run.stats.created == 1
    assert set(by_email(emulator, "version.io")) == {"kept@version.io", "user1@version.io"}

"""Field policies, Accounts, Leads, match keys, deletes, ledger: the real CLI on the emulator."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest
from tsc_support import by_email, read_jsonl, record, run_cli, schema, target_config, writes

PROPS: dict[str, Any] = {
    "id": {"type": "integer"},
    "email": {"type": ["string", "null"]},
    "last_name": {"type": ["string", "null"]},
    "title": {"type": ["string", "null"]},
    "department": {"type": ["string", "null"]},
    "lead_source": {"type": ["string", "null"]},
    "company": {"type": ["string", "null"]},
    "employee_id": {"type": ["string", "null"]},
    "_sdc_deleted_at": {"type": ["string", "null"]},
}


def people(*rows: dict[str, Any], version: int | None = None) -> list[dict[str, Any]]:
    """SCHEMA (key ``id``) and one RECORD per row (with a table version when given)."""
    messages = [{**schema("people", PROPS), "key_properties": ["id"]}]
    for row in rows:
        message = record(row)
        if version is not None:
            message["version"] = version
        messages.append(message)
    return messages


def seed(emulator, sobject: str, *rows: dict[str, Any]) -> list[str]:
    """Insert records; their Ids in order."""
    return [r["Id"] for r in emulator.admin.insert(sobject, list(rows))]


def one_error(result) -> str:
    """The run failed with exactly one ERROR line; return it."""
    assert result.returncode == 1, result.stderr[-2000:]
    [line] = result.errors()
    return line


def ledger(tmp_path) -> list[dict[str, Any]]:
    return read_jsonl(tmp_path / "ledger.jsonl")


def contact(emulator, contact_id: str) -> dict[str, Any]:
    return emulator.admin.records("Contact", ids=[contact_id])[0]


# -- 1. field policies ---------------------------------------------------------------------


def test_field_policies_fill_if_empty_and_on_create_and_a_rerun_writes_nothing(emulator, tmp_path):
    full, empty = seed(
        emulator,
        "Contact",
        {"LastName": "Full", "Email": "full@policy.io", "Title": "Boss", "Department": "Old"},
        {"LastName": "Empty", "Email": "empty@policy.io", "Title": "  "},
    )
    config = target_config(
        emulator,
        tmp_path,
        ledger_path=str(tmp_path / "ledger.jsonl"),
        field_policies={"Title": "fill_if_empty", "LeadSource": "on_create"},
    )
    rows = [
        {"id": 1, "email": "full@policy.io", "title": "Intern", "department": "Sales",
         "lead_source": "Web"},
        {"id": 2, "email": "empty@policy.io", "title": "Chief", "lead_source": "Web"},
        {"id": 3, "email": "new@policy.io", "last_name": "New", "title": "CTO",
         "lead_source": "Web"},
    ]  # fmt: skip
    first = run_cli(config, people(*rows), tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    kept = contact(emulator, full)
    assert (kept["Title"], kept["Department"], kept["LeadSource"]) == ("Boss", "Sales", None)
    filled = contact(emulator, empty)
    assert (filled["Title"], filled["LeadSource"]) == ("Chief", None)
    [created] = by_email(emulator, "policy.io")["new@policy.io"]
    assert (created["Title"], created["LeadSource"]) == ("CTO", "Web")
    lines = {line["email"]: line for line in ledger(tmp_path)}
    assert lines["full@policy.io"]["fields_changed"] == ["Department"]
    assert lines["empty@policy.io"]["fields_changed"] == ["Title"]
    assert lines["new@policy.io"]["outcome"] == "created"

    emulator.admin.reset()
    second = run_cli(config, people(*rows), tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert writes(emulator) == {}
    rerun = [
        line for line in ledger(tmp_path) if line["run_id"] != lines["new@policy.io"]["run_id"]
    ]
    assert sorted(line["outcome"] for line in rerun) == ["unchanged"] * 3


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"field_policies": {"Nope__c": "overwrite"}}, "field_policies: Contact has no field"),
        ({"field_policies": {"Title": "sometimes"}}, "field_policies"),
        ({"lead_policy": "convert"}, "lead_policy"),
        ({"account_policy": "match_only", "account_match_field": "Description"},
         "account_match_field: Account.Description is not filterable"),
        ({"account_policy": "match_only", "account_match_field": "Nope__c"},
         "account_match_field: Account has no field 'Nope__c'"),
        ({"match_keys": ["Email", "Nope__c"]}, "match_keys: Contact has no field 'Nope__c'"),
        ({"sync_deletes": True, "delete_mode": "flag"}, "delete_mode flag needs delete_flag_field"),
        ({"sync_deletes": True, "delete_mode": "flag", "delete_flag_field": "Title"},
         "delete_flag_field: Contact.Title is not an updatable checkbox"),
        ({"delete_mode": "shred"}, "delete_mode"),
        ({"max_delete_percent": 101}, "max_delete_percent"),
    ],
)  # fmt: skip
def test_bad_settings_stop_with_one_line_before_any_write(emulator, tmp_path, settings, message):
    config = target_config(emulator, tmp_path, **settings)
    result = run_cli(config, people({"id": 1, "email": "a@bad.io", "last_name": "A"}), tmp_path)
    assert message in one_error(result)
    assert writes(emulator) == {}
    assert "a@bad.io" not in {(c.get("Email") or "") for c in emulator.admin.records("Contact")}


# -- 2. Accounts ---------------------------------------------------------------------------


def test_accounts_by_email_domain_match_create_and_skip_free_mail(emulator, tmp_path):
    [acme] = seed(
        emulator, "Account", {"Name": "Acme", "Website": "https://www.Acme-Corp.io/about"}
    )
    config = target_config(
        emulator,
        tmp_path,
        account_policy="match_or_create",
        ledger_path=str(tmp_path / "ledger.jsonl"),
        free_email_domains=["freemail.example"],
    )
    rows = [
        {"id": 1, "email": "ann@acme-corp.io", "last_name": "Ann"},
        {"id": 2, "email": "bob@newco.io", "last_name": "Bob"},
        {"id": 3, "email": "cat@newco.io", "last_name": "Cat"},
        {"id": 4, "email": "dan@gmail.com", "last_name": "Dan"},
        {"id": 5, "email": "eve@freemail.example", "last_name": "Eve"},
    ]
    first = run_cli(config, people(*rows), tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    contacts = {
        c["Email"]: c for c in emulator.admin.records("Contact") if c.get("Email") in
        {r["email"] for r in rows}
    }  # fmt: skip
    assert contacts["ann@acme-corp.io"]["AccountId"] == acme
    newco = [a for a in emulator.admin.records("Account") if a.get("Website") == "newco.io"]
    assert [(a["Name"]) for a in newco] == ["newco.io"]
    assert contacts["bob@newco.io"]["AccountId"] == newco[0]["Id"]
    assert contacts["cat@newco.io"]["AccountId"] == newco[0]["Id"]
    assert contacts["dan@gmail.com"]["AccountId"] is None
    assert contacts["eve@freemail.example"]["AccountId"] is None
    lines = {line["email"]: line for line in ledger(tmp_path)}
    assert lines["bob@newco.io"]["account_id"] == newco[0]["Id"]
    assert "accounts_created=1" in first.stderr

    emulator.admin.reset()
    second = run_cli(config, people(*rows), tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert writes(emulator) == {}
    assert (
        len([a for a in emulator.admin.records("Account") if a.get("Website") == "newco.io"]) == 1
    )


def test_accounts_match_only_links_and_never_creates(emulator, tmp_path):
    config = target_config(emulator, tmp_path, account_policy="match_only")
    result = run_cli(
        config, people({"id": 1, "email": "x@nowhere-co.io", "last_name": "X"}), tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [created] = by_email(emulator, "nowhere-co.io")["x@nowhere-co.io"]
    assert created["AccountId"] is None
    assert not [a for a in emulator.admin.records("Account") if a.get("Website") == "nowhere-co.io"]


def test_accounts_by_source_field_against_name_and_ambiguity_rules(emulator, tmp_path):
    [old, _new] = seed(
        emulator,
        "Account",
        {"Name": "Twin Ltd", "CreatedDate": "2020-01-01T00:00:00.000+0000"},
        {"Name": "TWIN LTD", "CreatedDate": "2024-01-01T00:00:00.000+0000"},
    )
    rows = [{"id": 1, "email": "a@twin.io", "last_name": "A", "company": " twin ltd "}]
    oldest = target_config(emulator, tmp_path, account_policy="match_only",
                           account_source_field="company")  # fmt: skip
    assert run_cli(oldest, people(*rows), tmp_path).returncode == 0
    assert by_email(emulator, "twin.io")["a@twin.io"][0]["AccountId"] == old

    reject = {**oldest, "account_on_multiple_matches": "reject"}
    rows = [{"id": 2, "email": "b@twin.io", "last_name": "B", "company": "Twin Ltd"}]
    assert run_cli(reject, people(*rows), tmp_path).returncode == 0
    assert "b@twin.io" not in by_email(emulator, "twin.io")
    [dead] = [r for r in read_jsonl(tmp_path / "rejects.jsonl") if r["email"] == "b@twin.io"]
    assert dead["code"] == "MULTIPLE_ACCOUNTS"
    assert old in dead["reason"]


def test_account_lookups_are_batched_not_per_record(emulator, tmp_path):
    rows = [
        {"id": n, "email": f"p{n}@domain{n % 150}.example.org", "last_name": f"L{n}"}
        for n in range(300)
    ]
    plain = target_config(emulator, tmp_path)
    linked = target_config(emulator, tmp_path, account_policy="match_only")
    emulator.admin.reset()
    assert run_cli(plain, people(*rows), tmp_path).returncode == 0
    without = emulator.admin.calls()["by_endpoint"].get("query", 0)
    emulator.admin.reset()
    assert run_cli(linked, people(*rows), tmp_path).returncode == 0
    with_accounts = emulator.admin.calls()["by_endpoint"].get("query", 0)
    # One Account lookup for 150 domains (plus the Account describe, not a query).
    assert with_accounts - without == 1


# -- 3. Leads ------------------------------------------------------------------------------


@pytest.fixture
def leads(emulator):
    return seed(
        emulator,
        "Lead",
        {"LastName": "Open", "Company": "C", "Email": "open@leads.io", "Title": "Old"},
        {"LastName": "Done", "Company": "C", "Email": "done@leads.io", "IsConverted": True},
    )


def test_lead_policy_skip_dead_letters_with_the_lead_id(emulator, tmp_path, leads):
    config = target_config(emulator, tmp_path, lead_policy="skip",
                           ledger_path=str(tmp_path / "ledger.jsonl"))  # fmt: skip
    rows = [
        {"id": 1, "email": "OPEN@leads.io", "last_name": "Open"},
        {"id": 2, "email": "done@leads.io", "last_name": "Done"},
    ]
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(by_email(emulator, "leads.io")) == {"done@leads.io"}
    [dead] = read_jsonl(tmp_path / "rejects.jsonl")
    assert (dead["code"], dead["lead_id"]) == ("LEAD_EXISTS", leads[0])
    lines = {line["email"]: line for line in ledger(tmp_path)}
    assert lines["OPEN@leads.io"]["outcome"] == "skipped"
    assert lines["OPEN@leads.io"]["lead_id"] == leads[0]
    assert lines["OPEN@leads.io"]["error_code"] == "LEAD_EXISTS"


def test_lead_policy_update_lead_updates_the_lead_instead(emulator, tmp_path, leads):
    config = target_config(emulator, tmp_path, lead_policy="update_lead")
    rows = [{"id": 1, "email": "open@leads.io", "last_name": "Open", "title": "New"}]
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert by_email(emulator, "leads.io") == {}
    assert emulator.admin.records("Lead", ids=[leads[0]])[0]["Title"] == "New"
    emulator.admin.reset()
    assert run_cli(config, people(*rows), tmp_path).returncode == 0
    assert writes(emulator) == {}


def test_lead_policy_ignore_creates_the_contact(emulator, tmp_path, leads):
    result = run_cli(
        target_config(emulator, tmp_path),
        people({"id": 1, "email": "open@leads.io", "last_name": "Open"}),
        tmp_path,
    )
    assert result.returncode == 0
    assert set(by_email(emulator, "leads.io")) == {"open@leads.io"}


# -- 4. match keys -------------------------------------------------------------------------


EMPLOYEE_ID = {"employee_id": "Employee_Id__c"}


@pytest.fixture
def employee_ids(emulator):
    emulator.admin.add_field(
        "Contact",
        {"name": "Employee_Id__c", "type": "string", "length": 20, "externalId": True,
         "unique": True},
    )  # fmt: skip
    return seed(
        emulator,
        "Contact",
        {"LastName": "Ann", "Email": "ann@old-mail.io", "Employee_Id__c": "E1"},
        {"LastName": "Bob", "Email": "bob@keys.io", "Employee_Id__c": "E2"},
    )


def test_match_keys_first_hit_wins(emulator, tmp_path, employee_ids):
    config = target_config(emulator, tmp_path, match_keys=["Email", "Employee_Id__c"],
                           field_mapping=EMPLOYEE_ID)  # fmt: skip
    rows = [{"id": 1, "email": "ann@keys.io", "employee_id": "E1", "title": "Moved"}]
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert contact(emulator, employee_ids[0])["Title"] == "Moved"
    assert "ann@keys.io" not in by_email(emulator, "keys.io")


def test_match_keys_all_must_agree(emulator, tmp_path, employee_ids):
    config = target_config(emulator, tmp_path, match_keys=["Email", "Employee_Id__c"],
                           match_mode="all", field_mapping=EMPLOYEE_ID)  # fmt: skip
    rows = [
        {"id": 1, "email": "bob@keys.io", "employee_id": "E1", "title": "X"},
        {"id": 2, "email": "bob@keys.io ", "employee_id": "E2", "title": "Agreed"},
    ]
    assert run_cli(config, people(rows[0]), tmp_path).returncode == 0
    [dead] = read_jsonl(tmp_path / "rejects.jsonl")
    assert dead["code"] == "MATCH_KEYS_DISAGREE"
    assert contact(emulator, employee_ids[1])["Title"] is None
    assert run_cli(config, people(rows[1]), tmp_path).returncode == 0
    assert contact(emulator, employee_ids[1])["Title"] == "Agreed"


# -- 5. deletes ----------------------------------------------------------------------------


def seeded_people(emulator, n: int) -> list[str]:
    return seed(
        emulator,
        "Contact",
        *({"LastName": f"P{i}", "Email": f"p{i}@del.io"} for i in range(n)),
    )


def test_sdc_deleted_at_deletes_the_matched_contact_and_a_rerun_writes_nothing(emulator, tmp_path):
    ids = seeded_people(emulator, 10)
    config = target_config(emulator, tmp_path, sync_deletes=True,
                           ledger_path=str(tmp_path / "ledger.jsonl"))  # fmt: skip
    rows = [{"id": i, "email": f"p{i}@del.io", "last_name": f"P{i}"} for i in range(10)]
    rows[3]["_sdc_deleted_at"] = "2026-01-01T00:00:00Z"
    rows.append({"id": 99, "email": "gone@del.io", "_sdc_deleted_at": "2026-01-01T00:00:00Z"})
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert contact(emulator, ids[3])["IsDeleted"]
    assert set(by_email(emulator, "del.io")) == {f"p{i}@del.io" for i in range(10) if i != 3}
    lines = {line["email"]: line for line in ledger(tmp_path)}
    assert (lines["p3@del.io"]["outcome"], lines["p3@del.io"]["contact_id"]) == ("deleted", ids[3])
    assert lines["gone@del.io"]["outcome"] == "skipped"
    assert lines["p3@del.io"]["source_key"] == {"id": 3}
    emulator.admin.reset()
    assert run_cli(config, people(*rows), tmp_path).returncode == 0
    assert writes(emulator) == {}


def test_delete_mode_flag_sets_the_checkbox(emulator, tmp_path):
    emulator.admin.add_field("Contact", {"name": "Deleted__c", "type": "boolean"})
    ids = seeded_people(emulator, 2)
    config = target_config(emulator, tmp_path, sync_deletes=True, delete_mode="flag",
                           delete_flag_field="Deleted__c", max_delete_percent=50)  # fmt: skip
    rows = [
        {"id": 0, "email": "p0@del.io", "_sdc_deleted_at": "2026-01-01T00:00:00Z"},
        {"id": 1, "email": "p1@del.io", "last_name": "P1"},
    ]
    assert run_cli(config, people(*rows), tmp_path).returncode == 0
    flagged = contact(emulator, ids[0])
    assert (flagged["Deleted__c"] in (True, 1), flagged["IsDeleted"] in (False, 0)) == (True, True)
    emulator.admin.reset()
    assert run_cli(config, people(*rows), tmp_path).returncode == 0
    assert writes(emulator) == {}


def test_delete_cap_exceeded_stops_before_any_write(emulator, tmp_path):
    ids = seeded_people(emulator, 3)
    config = target_config(emulator, tmp_path, sync_deletes=True)
    rows = [
        {"id": 0, "email": "p0@del.io", "_sdc_deleted_at": "2026-01-01T00:00:00Z"},
        {"id": 1, "email": "p1@del.io", "_sdc_deleted_at": "2026-01-01T00:00:00Z"},
        {"id": 2, "email": "p2@del.io", "last_name": "P2", "title": "Changed"},
    ]
    result = run_cli(config, people(*rows), tmp_path)
    line = one_error(result)
    assert "max_delete_percent=10 exceeded" in line
    assert "nothing was deleted" in line
    assert writes(emulator) == {}
    assert not any(c["IsDeleted"] for c in emulator.admin.records("Contact", ids=ids))
    assert result.states == []


def test_activate_version_deletes_only_contacts_this_stream_synced_and_dropped(emulator, tmp_path):
    [outsider] = seed(emulator, "Contact", {"LastName": "Other", "Email": "other@ver.io"})
    config = target_config(emulator, tmp_path, sync_deletes=True, max_delete_percent=50,
                           ledger_path=str(tmp_path / "ledger.jsonl"))  # fmt: skip
    rows = [{"id": i, "email": f"v{i}@ver.io", "last_name": f"V{i}"} for i in range(3)]
    v1 = [*people(*rows, version=1), {"type": "ACTIVATE_VERSION", "stream": "people", "version": 1}]
    assert run_cli(config, v1, tmp_path).returncode == 0
    dropped = by_email(emulator, "ver.io")["v2@ver.io"][0]["Id"]
    tracking = tmp_path / "contacts-synced.json"
    assert stat.S_IMODE(tracking.stat().st_mode) == 0o600
    assert len(json.loads(tracking.read_text())["streams"]["people"]) == 3

    v2 = [*people(*rows[:2], version=2),
          {"type": "ACTIVATE_VERSION", "stream": "people", "version": 2}]  # fmt: skip
    result = run_cli(config, v2, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert contact(emulator, dropped)["IsDeleted"]
    assert set(by_email(emulator, "ver.io")) == {"v0@ver.io", "v1@ver.io", "other@ver.io"}
    assert not contact(emulator, outsider)["IsDeleted"]
    deleted = [line for line in ledger(tmp_path) if line["outcome"] == "deleted"]
    assert [line["contact_id"] for line in deleted] == [dropped]


def test_activate_version_over_the_cap_deletes_nothing(emulator, tmp_path):
    config = target_config(emulator, tmp_path, sync_deletes=True)
    rows = [{"id": i, "email": f"v{i}@cap.io", "last_name": f"V{i}"} for i in range(3)]
    assert run_cli(config, people(*rows, version=1), tmp_path).returncode == 0
    emulator.admin.reset()
    v2 = [*people(rows[0], version=2),
          {"type": "ACTIVATE_VERSION", "stream": "people", "version": 2}]  # fmt: skip
    line = one_error(run_cli(config, v2, tmp_path))
    assert "ACTIVATE_VERSION 2 of stream 'people' would delete 2 of 3" in line
    assert len(by_email(emulator, "cap.io")) == 3


# -- 6. the ledger -------------------------------------------------------------------------


def test_ledger_has_one_line_per_record_and_a_run_summary(emulator, tmp_path):
    [existing] = seed(emulator, "Contact", {"LastName": "Old", "Email": "old@ledger.io"})
    config = target_config(emulator, tmp_path, ledger_path=str(tmp_path / "ledger.jsonl"))
    rows = [
        {"id": 1, "email": "old@ledger.io", "title": "New"},
        {"id": 2, "email": "new@ledger.io", "last_name": "New"},
        {"id": 3, "email": "not-an-email"},
        {"id": 4, "email": "nolast@ledger.io"},
    ]
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = ledger(tmp_path)
    assert sorted(line["source_key"]["id"] for line in lines) == [1, 2, 3, 4]
    by_id = {line["source_key"]["id"]: line for line in lines}
    assert (by_id[1]["outcome"], by_id[1]["contact_id"], by_id[1]["fields_changed"]) == (
        "updated",
        existing,
        ["Title"],
    )
    assert by_id[2]["outcome"] == "created"
    assert by_id[2]["contact_id"].startswith("003")
    assert (by_id[3]["outcome"], by_id[3]["error_code"]) == ("rejected", "INVALID_EMAIL_ADDRESS")
    assert (by_id[4]["outcome"], by_id[4]["error_code"]) == ("rejected", "REQUIRED_FIELD_MISSING")
    assert len({line["run_id"] for line in lines}) == 1
    assert stat.S_IMODE((tmp_path / "ledger.jsonl").stat().st_mode) == 0o600
    summary_path = tmp_path / "ledger.jsonl.summary.json"
    assert stat.S_IMODE(summary_path.stat().st_mode) == 0o600
    summary = json.loads(summary_path.read_text())
    assert summary["counts"]["created"] == 1
    assert summary["counts"]["updated"] == 1
    assert summary["counts"]["rejected"] == 2
    assert summary["api_calls"] == emulator.admin.calls()["total"]
    assert summary["run_id"] == lines[0]["run_id"]
    assert summary["duration_seconds"] >= 0


def test_update_only_creates_no_account_for_records_it_skips(emulator, tmp_path):
    config = target_config(
        emulator, tmp_path, account_policy="match_or_create", sync_mode="update_only"
    )
    result = run_cli(
        config, people({"id": 1, "email": "x@skipped-co.io", "last_name": "X"}), tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert writes(emulator) == {}
    assert not [a for a in emulator.admin.records("Account") if a.get("Website") == "skipped-co.io"]


def test_account_create_with_a_lost_answer_is_not_sent_twice(emulator, tmp_path):
    emulator.admin.add_fault(
        kind="drop_after", endpoint="composite_sobjects", method="POST", times=1
    )
    config = target_config(emulator, tmp_path, account_policy="match_or_create")
    rows = [{"id": 1, "email": "ann@lost-answer.io", "last_name": "Ann"}]
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    accounts = [
        a for a in emulator.admin.records("Account") if a.get("Website") == "lost-answer.io"
    ]
    assert len(accounts) == 1
    assert "looking them up before sending again" in result.stderr
    [created] = by_email(emulator, "lost-answer.io")["ann@lost-answer.io"]
    assert created["AccountId"] == accounts[0]["Id"]


def test_match_keys_with_the_external_id_field(emulator, tmp_path):
    emulator.admin.add_field(
        "Contact",
        {"name": "Email_Key__c", "type": "email", "externalId": True, "unique": True,
         "caseSensitive": False},
    )  # fmt: skip
    [keyed] = seed(
        emulator, "Contact", {"LastName": "K", "Email": "k@old.io", "Email_Key__c": "k@ext.io"}
    )
    config = target_config(
        emulator, tmp_path, external_id_field="Email_Key__c", match_keys=["Email_Key__c"]
    )
    result = run_cli(config, people({"id": 1, "email": "K@ext.io", "title": "Keyed"}), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert contact(emulator, keyed)["Title"] == "Keyed"
    assert by_email(emulator, "ext.io") == {}


def test_dry_run_plans_deletes_lead_skips_and_account_links_without_writing(emulator, tmp_path):
    seeded_people(emulator, 2)
    seed(emulator, "Lead", {"LastName": "L", "Company": "C", "Email": "lead@dry.io"})
    config = target_config(emulator, tmp_path, dry_run=True, sync_deletes=True,
                           max_delete_percent=50, lead_policy="skip",
                           account_policy="match_or_create")  # fmt: skip
    rows = [
        {"id": 0, "email": "p0@del.io", "_sdc_deleted_at": "2026-01-01T00:00:00Z"},
        {"id": 1, "email": "p1@del.io", "last_name": "P1", "title": "T"},
        {"id": 2, "email": "lead@dry.io", "last_name": "L"},
    ]
    result = run_cli(config, people(*rows), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert writes(emulator) == {}
    actions = {line["email"]: line["action"] for line in read_jsonl(tmp_path / "plan.jsonl")}
    assert actions == {"p0@del.io": "delete", "p1@del.io": "update", "lead@dry.io": "skip"}


def test_lead_lookups_are_batched_not_per_record(emulator, tmp_path):
    rows = [{"id": n, "email": f"p{n}@batched-leads.io", "last_name": f"L{n}"} for n in range(300)]
    seed(emulator, "Lead", {"LastName": "L", "Company": "C", "Email": "p7@batched-leads.io"})
    counts = []
    for settings in ({}, {"lead_policy": "skip"}):
        workdir = tmp_path / str(len(counts))
        workdir.mkdir()
        config = target_config(emulator, workdir, dry_run=True, **settings)
        emulator.admin.reset()
        assert run_cli(config, people(*rows), workdir).returncode == 0
        counts.append(emulator.admin.calls()["by_endpoint"].get("query", 0))
    assert counts[1] - counts[0] == 1
    skipped = [
        line for line in read_jsonl(tmp_path / "1" / "plan.jsonl") if line["action"] == "skip"
    ]
    assert [line["email"] for line in skipped] == ["p7@batched-leads.io"]

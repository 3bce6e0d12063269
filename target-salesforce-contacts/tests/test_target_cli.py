"""The command: one-line errors, exit codes, the summary line, and no secret ever printed."""

from __future__ import annotations

from tsc_support import by_email, person, record, run_cli, schema, state, target_config

SECRET_SETTINGS = ("password", "security_token", "client_secret")


def assert_one_error_line(run, *fragments: str) -> None:
    assert run.returncode == 1
    errors = run.errors()
    assert len(errors) == 1, run.stderr
    for fragment in fragments:
        assert fragment in errors[0]
    assert "Traceback" not in run.stderr


def test_a_successful_run_logs_the_summary(emulator, tmp_path):
    run = run_cli(
        target_config(emulator, tmp_path),
        [schema(), record(person(1, "cli.io")), record({"email": "bad"}), state({"n": 2})],
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.states == [{"n": 2}]
    [summary] = [line for line in run.stderr.splitlines() if "Summary:" in line]
    assert "created=1 updated=0 unchanged=0 rejected=1 skipped=0 api_calls=8" in summary
    assert f"rejected records in {tmp_path / 'rejects.jsonl'}" in summary


def test_bad_config_is_one_line(emulator, tmp_path):
    run = run_cli(target_config(emulator, tmp_path, sync_mode="merge"), [], tmp_path)
    assert_one_error_line(run, "invalid config", "'merge' is not one of", "sync_mode")


def test_incomplete_credentials_are_one_line(tmp_path):
    run = run_cli({"domain": "http://127.0.0.1:9", "username": "u@x.io"}, [], tmp_path)
    assert_one_error_line(run, "password")


def test_unknown_mapped_field_is_one_line_before_any_write(emulator, tmp_path):
    config = target_config(emulator, tmp_path, static_fields={"Lead_Score__c": 3})
    run = run_cli(config, [schema(), record(person(1, "nomap.io"))], tmp_path)
    assert_one_error_line(run, "static_fields['Lead_Score__c']: Contact has no field")
    assert by_email(emulator, "nomap.io") == {}


def test_quota_stop_is_one_line_with_a_summary(emulator, tmp_path):
    # The first batch takes 8 calls (describe, lookup, a Bulk job of 6); the second stops.
    config = target_config(emulator, tmp_path, batch_size_rows=1, max_api_calls=10)
    messages = [schema(), record(person(1, "q.io")), state({"n": 1}), record(person(2, "q.io"))]
    run = run_cli(config, messages, tmp_path)
    assert_one_error_line(
        run, "max_api_calls is 10", "1 record(s) pending, no STATE emitted past them"
    )
    assert run.states == [{"n": 1}]
    assert any(
        "run stopped early" in line and "created=1" in line for line in run.stderr.splitlines()
    )


def test_secrets_are_never_printed(emulator, tmp_path):
    config = target_config(emulator, tmp_path)
    good = run_cli(config, [schema(), record(person(1, "secret.io"))], tmp_path)
    assert good.returncode == 0
    wrong = {**config, "password": "Wrong-Secret-Password-123", "client_secret": "Nope-Secret-9"}
    refused = run_cli(wrong, [schema(), record(person(2, "secret.io"))], tmp_path)
    assert refused.returncode == 1
    invalid = {**config, "security_token": ["Token-In-A-List-77"], "sync_mode": "x"}
    rejected = run_cli(invalid, [], tmp_path)
    assert rejected.returncode == 1
    for run, used in ((good, config), (refused, wrong), (invalid and rejected, invalid)):
        output = run.stdout + run.stderr
        for name in SECRET_SETTINGS:
            value = used[name]
            secret = value[0] if isinstance(value, list) else value
            assert secret not in output, f"{name} leaked"

"""The Singer SDK's standard target tests, against the shared emulator org.

None of the standard test streams carries an email, so every record they send is
dead-lettered (that is the expected behaviour) and nothing is written to the org. Every test
of the SDK's default suite runs; none is skipped. ``TargetMultipleStateMessages`` is not in
the SDK's default suite (the SDK disables it for all targets) and is covered by our own STATE
tests in ``test_target_state.py``.
"""

from __future__ import annotations

from singer_sdk.testing import get_target_test_class
from target_salesforce_contacts.target import TargetSalesforceContacts
from tsc_support import read_jsonl, run_target, schema, scratch_dir, shared_emulator

REJECTS = scratch_dir() / "standard-rejects.jsonl"

TestTargetSalesforceContacts = get_target_test_class(
    TargetSalesforceContacts,
    config=shared_emulator().config(
        rejects_path=str(REJECTS), plan_path=str(scratch_dir() / "plan.jsonl")
    ),
)


def test_standard_streams_are_dead_lettered_not_written():
    emulator = shared_emulator()
    before = len(emulator.admin.records("Contact"))
    run = run_target(
        emulator.config(rejects_path=str(REJECTS)),
        [
            schema("animals", {"id": {"type": "integer"}, "name": {"type": "string"}}),
            {"type": "RECORD", "stream": "animals", "record": {"id": 1, "name": "cat"}},
        ],
    )
    assert run.error is None
    assert run.stats.rejected == 1
    assert len(emulator.admin.records("Contact")) == before
    assert read_jsonl(REJECTS)[-1]["code"] == "MISSING_EMAIL"

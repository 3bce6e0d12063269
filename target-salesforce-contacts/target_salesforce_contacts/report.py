"""Run counters and the one-line summary logged at the end of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RunStats:
    """What a run did (or, in a dry run, would do).

    Attributes:
        created: Contacts created (including creates found after an unknown outcome).
        updated: Contacts updated.
        unchanged: Matched Contacts that already held the record's values (not written).
        rejected: Records dead-lettered.
        skipped: Records the sync mode leaves alone (no match in update_only, a match in
            create_only).
        multiple_matches: Records whose email matched several Contacts.
        recovered: Creates whose call failed but which had in fact been made.
        deleted: Contacts deleted (or flagged as deleted) for source deletes.
        accounts_created: Accounts created to link Contacts to.
        leads_updated: Leads updated instead of creating Contacts.
        changed_fields: How often each field was (or would be) changed by an update.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    multiple_matches: int = 0
    recovered: int = 0
    deleted: int = 0
    accounts_created: int = 0
    leads_updated: int = 0
    changed_fields: Counter[str] = field(default_factory=Counter)

    def summary(
        self,
        *,
        api_calls: int,
        dry_run: bool,
        rejects_path: Path | None = None,
        plan_path: Path | None = None,
        stopped: bool = False,
    ) -> str:
        """The summary line.

        Args:
            api_calls: API calls the run made.
            dry_run: Word the counts as a plan.
            rejects_path: The dead-letter file, mentioned when something was rejected.
            plan_path: The plan file (dry runs).
            stopped: The run stopped before the end of its input.

        Returns:
            One line.
        """
        if dry_run:
            head = "Dry run summary"
            counts = (
                f"would_create={self.created} would_update={self.updated} "
                f"unchanged={self.unchanged} would_reject={self.rejected} skipped={self.skipped}"
            )
        else:
            head = "Summary"
            counts = (
                f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
                f"rejected={self.rejected} skipped={self.skipped}"
            )
        if stopped:
            head += " (run stopped early; counts are what was done)"
        line = f"{head}: {counts} api_calls={api_calls}"
        if self.multiple_matches:
            line += f" multiple_matches={self.multiple_matches}"
        if self.recovered:
            line += f" recovered_creates={self.recovered}"
        for name in ("deleted", "accounts_created", "leads_updated"):
            if getattr(self, name):
                line += f" {name}={getattr(self, name)}"
        if self.changed_fields:
            fields = ", ".join(f"{name}={n}" for name, n in sorted(self.changed_fields.items()))
            line += f"; changed fields: {fields}"
        if dry_run and plan_path is not None:
            line += f"; plan in {plan_path}"
        elif self.rejected and rejects_path is not None:
            line += f"; rejected records in {rejects_path}"
        return line

"""Test set-up of tap-salesforce-plus: stop the shared emulator at the end of the run."""

from __future__ import annotations

from tapsf_support import stop_shared_emulator


def pytest_unconfigure() -> None:
    """Stop the shared emulator (started on first use, possibly at collection time)."""
    stop_shared_emulator()

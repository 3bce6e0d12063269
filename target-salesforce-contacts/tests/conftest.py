"""Test set-up of target-salesforce-contacts: a shared emulator serving before collection."""

from __future__ import annotations

import pytest
from tsc_support import shared_emulator, stop_shared


def pytest_configure(config: pytest.Config) -> None:
    """Start the shared emulator: the standard test class is built while tests are collected.

    Not in the pytest-xdist controller (``-n``): it collects nothing; each worker starts its own.
    """
    if config.getoption("numprocesses", default=None) and not hasattr(config, "workerinput"):
        return
    shared_emulator()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the shared emulator."""
    stop_shared()

"""Fixtures for the emulator API tests: ``sf`` (per-test org) and ``demo_sf`` (read-only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_http import Api
from salesforce_emulator.pytest_plugin import RunningEmulator


@pytest.fixture
def sf(emulator: RunningEmulator) -> Iterator[Api]:
    """A client of the per-test ``emulator``."""
    api = Api(emulator)
    yield api
    api.http.close()


@pytest.fixture(scope="session")
def demo_sf(demo_emulator: RunningEmulator) -> Iterator[Api]:
    """A client of the session's read-only ``demo_emulator``."""
    api = Api(demo_emulator)
    yield api
    api.http.close()

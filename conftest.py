"""Root pytest configuration: the emulator's fixtures, and test groups for pytest-xdist.

``scripts/test.sh`` runs pytest with ``-n`` workers and ``--dist loadgroup``: tests are handed
to worker processes one by one, except those of one group (``test_group`` below), which run
on one worker, one after another. Each worker has its own emulators (ephemeral ports),
PostgreSQL (a data directory of its own) and module-scoped fixtures.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["salesforce_emulator.pytest_plugin"]

CHECKOUT_GROUP = "checkout"
CHECKOUT_TESTS = (
    # Starts and stops scripts/services.py (port 8765, .pgdata/), writes meltano.yml and .env.
    "tests/test_readme_commands.py::",
    # Asserts no services.py server runs before and after; writes output/demo.
    "tests/test_demo.py::",
    # `meltano run` with the checkout's meltano.yml and .env (which the README test edits).
    "tests/test_e2e_tap_pipelines.py::test_meltano_run_into_postgres",
    # Compares meltano.yml with the plugins' settings (the README test edits meltano.yml).
    "tests/test_docs.py::test_plugin_settings_tables_are_generated_from_about",
    # Copies the checkout's meltano.yml (the README test edits it) for the Dagster example.
    "tests/test_orchestrate.py::test_",
)
"""Node ids (prefixes) of the tests that share files or fixed ports of the checkout."""

WHOLE_MODULES = (
    # One benchmark run (minutes) in a module-scoped fixture that every test reads.
    "tests/test_bench_smoke.py",
    # A module-scoped fixture that installs the peer tap when the set-up has not.
    "tests/test_third_party_tap_salesforce.py",
    # Module-scoped fixtures that run every CLI error case / serve a large org.
    "tap-salesforce-plus/tests/test_tap_cli.py",
    "tap-salesforce-plus/tests/test_tap_reports_emulator.py",
)
"""Modules whose expensive module-scoped fixture should run once, not once per worker.

Add a test or module here when it shares something across processes or when its module
fixture is expensive (an ``xdist_group`` mark alone is ignored: see the scheduler below).
"""


def test_group(nodeid: str) -> str | None:
    """The group a test runs in with others on one worker, or None (any worker)."""
    if nodeid.startswith(CHECKOUT_TESTS):
        return CHECKOUT_GROUP
    module = nodeid.split("::", 1)[0]
    return module if module in WHOLE_MODULES else None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadgroup``: group by ``test_group`` (node ids), not by marks.

    pytest-xdist 3.8 groups by rewriting node ids, which pytest 9.2 no longer allows, so its
    ``xdist_group`` marks are silently ignored (pytest-xdist issue 1386). This scheduler is
    xdist's own group scheduler with the group taken from ``test_group``.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class CheckoutGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return test_group(nodeid) or super()._split_scope(nodeid)

    return CheckoutGroupScheduling(config, log)

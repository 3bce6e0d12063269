"""Root pytest configuration: the emulator's fixtures, and test groups for pytest-xdist.

``scripts/test.sh`` runs pytest with ``-n`` workers and ``--dist loadgroup``: tests are handed
to worker processes one by one, except those of one ``xdist_group``, which run on one worker,
one after another. Each worker has its own emulators (ephemeral ports), PostgreSQL (under its
own ``tmp_path_factory`` base) and module-scoped fixtures.
"""

from __future__ import annotations

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
"""Modules whose expensive module-scoped fixture should run once, not once per worker."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the tests of ``CHECKOUT_TESTS`` and of ``WHOLE_MODULES`` in xdist groups.

    Another test that uses the checkout's files or ports can be marked
    ``@pytest.mark.xdist_group("checkout")``.
    """
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.nodeid.startswith(CHECKOUT_TESTS):
            item.add_marker(pytest.mark.xdist_group(CHECKOUT_GROUP))
        elif item.nodeid.startswith(tuple(f"{m}::" for m in WHOLE_MODULES)):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))

"""End-to-end fixtures: an embedded PostgreSQL (pgserver) and a clean plugin environment.

Under pytest-xdist (``scripts/test.sh`` runs ``-n``) every worker is a process of its own:
``postgres`` is one server per worker (its data directory is under the worker's own
``tmp_path_factory`` base), the emulator fixtures serve on ephemeral ports per process. The
tests that use the checkout itself are grouped on one worker by the root ``conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pgserver
import pytest
from e2e_support import Postgres


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One embedded PostgreSQL for the session (each test loads into its own schema)."""
    pgdata = tmp_path_factory.mktemp("pgdata")
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri = str(server.get_uri())
    socket_dir = uri.rsplit("host=", maxsplit=1)[-1]
    try:
        yield Postgres(server, socket_dir)
    finally:
        server.cleanup()


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment for plugin subprocesses (no inherited Singer/Meltano settings)."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))
    }

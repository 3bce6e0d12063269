"""End-to-end fixtures: an embedded PostgreSQL (pgserver) and a clean plugin environment.

Under pytest-xdist (``scripts/test.sh`` runs ``-n``) every worker is a process of its own:
``postgres`` is one server per worker (a data directory of its own), the emulator fixtures
serve on ephemeral ports per process. The tests that use the checkout itself are grouped on
one worker by the root ``conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
from e2e_support import Postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One embedded PostgreSQL for the session (each test loads into its own schema).

    Its data directory is a new one in the system temp directory, not under pytest's
    ``tmp_path_factory``: as root, pgserver runs PostgreSQL as the user ``pgserver``, which
    must reach the directory, and every pytest process that starts (each xdist worker, any
    other session) sets ``/tmp/pytest-of-<user>`` back to mode 0700, which made initdb fail
    with "Permission denied" when workers started together.
    """
    pgdata = Path(tempfile.mkdtemp(prefix="pytest-pgdata-"))
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri = str(server.get_uri())
    socket_dir = uri.rsplit("host=", maxsplit=1)[-1]
    try:
        yield Postgres(server, socket_dir)
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment for plugin subprocesses (no inherited Singer/Meltano settings)."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))
    }

"""End-to-end fixtures: an embedded PostgreSQL (pgserver) and the Meltano-installed Singer plugins."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pgserver
import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".tools" / "meltano" / "bin" / "meltano"


def plugin_executable(kind: str, name: str) -> Path:
    """A Singer plugin installed by ``meltano install`` (scripts/setup.sh)."""
    path = ROOT / ".meltano" / kind / name / "venv" / "bin" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `bash scripts/setup.sh` (it runs `meltano install`)")
    return path


def workspace_executable(name: str) -> Path:
    """A console script of this workspace (``.venv/bin``)."""
    return ROOT / ".venv" / "bin" / name


@dataclass
class Postgres:
    """A running embedded PostgreSQL server reached over its unix socket."""

    server: Any
    socket_dir: str

    @property
    def uri(self) -> str:
        """libpq URI of the ``postgres`` database."""
        return str(self.server.get_uri())

    def target_config(self, schema: str) -> dict[str, Any]:
        """A meltanolabs-target-postgres config loading into ``schema``."""
        return {
            "sqlalchemy_url": f"postgresql+psycopg://postgres@/postgres?host={self.socket_dir}",
            "default_target_schema": schema,
        }

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""
        with psycopg.connect(self.uri) as conn:
            return list(conn.execute(sql, params).fetchall())


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One embedded PostgreSQL for the session (each test loads into its own schema)."""
    pgdata = tmp_path_factory.mktemp("pgdata")
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri = str(server.get_uri())
    socket_dir = uri.split("host=")[-1]
    try:
        yield Postgres(server, socket_dir)
    finally:
        server.cleanup()


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment for plugin subprocesses (no inherited Singer/Meltano settings)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}

"""Shared helpers of the end-to-end tests: paths of the real plugins and the embedded PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

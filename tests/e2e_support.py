"""Shared helpers of the end-to-end tests: paths of the real plugins and the embedded PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from singer_pipes import PipeResult, run_pipeline, write_json

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


def tap_into_postgres(
    emulator: Any,
    target_config: dict[str, Any],
    workdir: Path,
    env: dict[str, str],
    name: str,
    *,
    state: dict[str, Any] | None = None,
    **tap_settings: Any,
) -> PipeResult:
    """``tap-salesforce-plus | target-postgres`` against the emulator; it must succeed.

    Args:
        emulator: The running emulator (its ``config`` gives the tap's connection).
        target_config: target-postgres's config.
        workdir: Where configs and the captured messages go (prefixed with ``name``).
        env: The processes' environment.
        name: The run's name.
        state: The tap's ``--state``, if any.
        **tap_settings: Tap settings besides the connection.

    Returns:
        What flowed through.
    """
    tap = [
        workspace_executable("tap-salesforce-plus"),
        "--config",
        write_json(workdir / f"{name}.tap.json", emulator.config(**tap_settings)),
    ]
    if state is not None:
        tap += ["--state", write_json(workdir / f"{name}.state.json", state)]
    target = [
        plugin_executable("loaders", "target-postgres"),
        "--config",
        write_json(workdir / f"{name}.pg.json", target_config),
    ]
    result = run_pipeline(tap, target, workdir, env, name)
    assert result.returncode == 0, result.stderr[-3000:]
    return result

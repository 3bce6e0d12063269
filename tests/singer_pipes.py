"""Run Singer plugins as real processes joined by shell pipes, and read what flowed through."""

from __future__ import annotations

import json
import shlex
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class PipeResult:
    """What a ``tap | tee | target`` run produced."""

    returncode: int
    stderr: str
    tap_output: Path
    target_output: Path

    def messages(self) -> list[dict[str, Any]]:
        """Every Singer message the tap wrote."""
        lines = self.tap_output.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def records(self, stream: str | None = None) -> list[dict[str, Any]]:
        """RECORD payloads, optionally of one stream."""
        return [
            m["record"]
            for m in self.messages()
            if m["type"] == "RECORD" and (stream is None or m["stream"] == stream)
        ]

    def record_counts(self) -> Counter[str]:
        """RECORD messages per stream."""
        return Counter(m["stream"] for m in self.messages() if m["type"] == "RECORD")

    def last_state(self) -> dict[str, Any]:
        """The last STATE the target emitted (what a scheduler would store)."""
        lines = [line for line in self.target_output.read_text().splitlines() if line.strip()]
        if not lines:
            raise AssertionError(f"the target emitted no state; stderr:\n{self.stderr[-3000:]}")
        return dict(json.loads(lines[-1]))


def run_pipeline(
    tap: list[str | Path],
    target: list[str | Path],
    workdir: Path,
    env: dict[str, str],
    name: str = "run",
) -> PipeResult:
    """``tap | tee tap.jsonl | target > target.jsonl`` with pipefail; stderr of both captured."""
    tap_output = workdir / f"{name}.tap.jsonl"
    target_output = workdir / f"{name}.target.jsonl"
    command = (
        f"{shlex.join(map(str, tap))} | tee {shlex.quote(str(tap_output))} | "
        f"{shlex.join(map(str, target))} > {shlex.quote(str(target_output))}"
    )
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=workdir,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        timeout=900,
        check=False,
    )
    return PipeResult(result.returncode, result.stderr, tap_output, target_output)


def write_json(path: Path, value: Any) -> Path:
    """Write a JSON file and return its path."""
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def select_all(tap: str | Path, config: Path, workdir: Path) -> Path:
    """Discover a tap's catalog and select every stream (tap-postgres selects none)."""
    discovered = subprocess.run(
        [tap, "--config", config, "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    catalog = json.loads(discovered.stdout)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    return write_json(workdir / "catalog.json", catalog)

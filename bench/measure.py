"""Measure one client process: CPU seconds, wall time, peak RSS and the RECORD lines it wrote.

A client runs as a child process of the bench, and the emulator as another process, so the
client's CPU never includes the emulator's. CPU (user + sys) and peak RSS come from GNU
``/usr/bin/time`` wrapped around the client: the client is forked from that small process, not
from the bench (Linux carries a process's peak RSS across ``fork`` and ``exec``, so a client forked
from the bench itself would report at least the bench's own peak). Its stdout is read by the bench
in 1 MiB chunks and only scanned for ``"RECORD"`` (the bytes are then dropped, as /dev/null would):
the count checks that every client read every row.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

TIME = "/usr/bin/time"
TIME_FORMAT = "%U %S %M"
CHUNK = 1 << 20
MARKER = b'"RECORD"'


@dataclass(frozen=True)
class Usage:
    """What one client process used."""

    cpu_s: float
    wall_s: float
    rss_mb: float
    records: int
    stderr: str


class ClientError(RuntimeError):
    """A measured client exited with an error."""


def count_records(stream: IO[bytes]) -> int:
    """Read ``stream`` to its end; how many times ``"RECORD"`` occurs in it."""
    count, tail = 0, b""
    keep = len(MARKER) - 1
    while chunk := stream.read(CHUNK):
        data = tail + chunk
        count += data.count(MARKER)
        tail = data[-keep:]
        count -= tail.count(MARKER)  # counted now, it would be counted again with the next chunk
    return count + tail.count(MARKER)


class _Timed:
    """A command wrapped in ``/usr/bin/time``, which writes the child's usage to a file."""

    def __init__(self, command: Sequence[str | Path]) -> None:
        handle, name = tempfile.mkstemp(prefix="bench-time-")
        os.close(handle)
        self.report = Path(name)
        self.command = [TIME, "-f", TIME_FORMAT, "-o", name, *(str(part) for part in command)]

    def usage(self) -> tuple[float, float]:
        """(CPU seconds, peak RSS in MB) of the finished child; the report file is removed."""
        last = self.report.read_text().strip().splitlines()[-1]
        self.report.unlink()
        user, system, peak_kb = last.split()
        return float(user) + float(system), int(peak_kb) / 1024


def run(
    command: Sequence[str | Path],
    *,
    env: dict[str, str] | None = None,
    stdin: Path | None = None,
    name: str = "",
) -> Usage:
    """Run ``command`` to its end and measure it.

    Args:
        command: The client's command line.
        env: Its environment (default: the bench's).
        stdin: A file fed on its standard input (default: none).
        name: Named in the error when the client fails.

    Raises:
        ClientError: The client exited with a non-zero code.
    """
    with tempfile.TemporaryFile() as errors, Path(stdin or os.devnull).open("rb") as source:
        started = time.perf_counter()
        timed = _Timed(command)
        process = subprocess.Popen(
            timed.command,
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        assert process.stdout is not None
        records = count_records(process.stdout)
        code = process.wait()
        wall = time.perf_counter() - started
        cpu, rss = timed.usage()
        process.stdout.close()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if code != 0:
        raise ClientError(f"{name or command[0]} exited with {code}: {stderr[-3000:]}")
    return Usage(cpu, wall, rss, records, stderr)


def run_pipe(
    producer: Sequence[str | Path],
    consumer: Sequence[str | Path],
    *,
    env: dict[str, str] | None = None,
    name: str = "",
) -> tuple[Usage, Usage]:
    """Run ``producer | consumer``; each measured (the pipeline's wall time in both).

    The producer's RECORD count is not read here (its output goes to the consumer).
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        timed = _Timed(producer), _Timed(consumer)
        first = subprocess.Popen(timed[0].command, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert first.stdout is not None
        second = subprocess.Popen(
            timed[1].command,
            stdin=first.stdout,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        first.stdout.close()
        codes = first.wait(), second.wait()
        wall = time.perf_counter() - started
        (cpu1, rss1), (cpu2, rss2) = timed[0].usage(), timed[1].usage()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if any(codes):
        raise ClientError(f"{name or producer[0]} pipeline failed: {stderr[-3000:]}")
    return Usage(cpu1, wall, rss1, 0, stderr), Usage(cpu2, wall, rss2, 0, "")

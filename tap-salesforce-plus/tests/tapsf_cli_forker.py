"""Run many ``tap-salesforce-plus`` command lines from one warm interpreter (POSIX only).

Importing the tap (singer-sdk) costs about two seconds of CPU per process. This script
imports it once, then forks one child per command line: each child is a fresh process
with its stdout and stderr redirected to files, running the same entry point as the
console script (``TapSalesforcePlus.cli``). It prints ``{name: exit status}`` as JSON.

Usage: ``python tapsf_cli_forker.py RUNS.json`` where the file holds
``[{"name": ..., "args": [...], "stdout": path, "stderr": path}, ...]``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from tap_salesforce_plus.tap import TapSalesforcePlus


def _child(args: list[str], stdout: str, stderr: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    os.dup2(os.open(stdout, flags), 1)
    os.dup2(os.open(stderr, flags), 2)
    try:
        TapSalesforcePlus.cli.main(args, prog_name="tap-salesforce-plus")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def main(runs_file: str) -> None:
    """Fork a child per run, wait for all, print their exit statuses."""
    runs = json.loads(Path(runs_file).read_text())
    children: dict[int, str] = {}
    for run in runs:
        pid = os.fork()
        if pid == 0:
            os._exit(_child(run["args"], run["stdout"], run["stderr"]))
        children[pid] = run["name"]
    statuses = {}
    while children:
        pid, status = os.wait()
        statuses[children.pop(pid)] = os.waitstatus_to_exitcode(status)
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(sys.argv[1])

"""Parallel stream groups: the meltano.yml recipe run as two concurrent ``meltano run``s.

``tap-salesforce-plus--big`` and ``tap-salesforce-plus--rest`` (meltano.yml) inherit from
tap-salesforce-plus with disjoint ``tables`` and their own ``max_api_share_percent``. Both
start at once against one emulator org, into target-jsonl, in a copy of the project (its own
system database, so the checkout's state is never touched). Each output must hold exactly its
group's streams and rows, each state id only its group's bookmarks; a group whose share is too
small stops with the one-line quota error while the other completes, and its state resumes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_support import MELTANO, ROOT, plugin_executable
from ruamel.yaml import YAML
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus.registry import STANDARD_TABLES

pytestmark = pytest.mark.slow

BIG, REST = "tap-salesforce-plus--big", "tap-salesforce-plus--rest"
DAILY_API_LIMIT = 1000
PAGE_SIZE = 20  # several REST pages per table, so a small share is reached mid-group


@dataclass
class Group:
    """One finished ``meltano run`` of a stream group."""

    name: str
    returncode: int
    stderr: str
    output: Path

    def streams(self) -> set[str]:
        """The streams target-jsonl wrote a file for."""
        return {p.stem for p in self.output.glob("*.jsonl")}

    def records(self, stream: str) -> list[dict[str, Any]]:
        """The records written for ``stream``."""
        path = self.output / f"{stream}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


class Project:
    """A copy of the checkout's Meltano project in a temp dir, sharing its installed plugins."""

    def __init__(self, root: Path, emulator: RunningEmulator, env: dict[str, str]) -> None:
        self.root = root
        self.emulator = emulator
        plugin_executable("extractors", "tap-salesforce-plus")
        plugin_executable("loaders", "target-jsonl")
        (root / ".meltano").mkdir(parents=True)
        for kind in ("extractors", "loaders"):
            (root / ".meltano" / kind).symlink_to(ROOT / ".meltano" / kind)
        shutil.copy(ROOT / "meltano.yml", root / "meltano.yml")
        self.env = {
            **env,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_PROJECT_ROOT": str(root),
            "PATH": f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}",
            # Every group inherits the connection from tap-salesforce-plus.
            "TAP_SALESFORCE_PLUS_DOMAIN": emulator.url,
            "TAP_SALESFORCE_PLUS_ACCESS_TOKEN": emulator.access_token,
            "TAP_SALESFORCE_PLUS_LOOKBACK_MINUTES": "0",
            "TARGET_JSONL_DO_TIMESTAMP_FILE": "false",
        }

    def plugin(self, name: str) -> dict[str, Any]:
        """A plugin's entry in the project's meltano.yml."""
        project = YAML().load((self.root / "meltano.yml").read_text())
        return dict(next(p for p in project["plugins"]["extractors"] if p["name"] == name))

    def tables(self, name: str) -> list[str]:
        """The tables a group reads."""
        return list(self.plugin(name)["config"]["tables"])

    def set_share(self, name: str, percent: float) -> None:
        """Change a group's ``max_api_share_percent`` in the project file.

        In meltano.yml, not through ``TAP_SALESFORCE_PLUS__REST_MAX_API_SHARE_PERCENT``:
        Meltano 4.4.1 turns a ``decimal`` setting given as an environment variable into a
        ``Decimal`` that it then fails to write into the plugin's config file.
        """
        yaml = YAML()
        path = self.root / "meltano.yml"
        project = yaml.load(path.read_text())
        entry = next(p for p in project["plugins"]["extractors"] if p["name"] == name)
        entry["config"]["max_api_share_percent"] = percent
        with path.open("w") as out:
            yaml.dump(project, out)

    def meltano(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A meltano command that must succeed."""
        result = subprocess.run(
            [str(MELTANO), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def state(self, state_id: str) -> dict[str, Any]:
        """The bookmarks ``meltano state get`` holds for ``state_id``."""
        state = json.loads(self.meltano("state", "get", state_id).stdout)
        return dict(state.get("singer_state", {}).get("bookmarks", {}))

    def run_at_once(self, *groups: str, label: str, suffix: str | None = None) -> dict[str, Group]:
        """Start ``meltano run <group> target-jsonl`` for every group at once, then wait.

        Args:
            *groups: The inherited extractors to run.
            label: Names the output directory of this pass.
            suffix: ``--state-id-suffix``, if any.

        Returns:
            Each group's finished run.
        """
        # The first command creates the system database: concurrent first runs would both
        # try to migrate it.
        self.meltano("state", "list")
        started = {}
        for name in groups:
            output = self.root / "output" / label / name
            output.mkdir(parents=True)
            args = [str(MELTANO), "run", "--no-install"]
            args += ["--state-id-suffix", suffix] if suffix else []
            started[name] = (
                output,
                subprocess.Popen(
                    [*args, name, "target-jsonl"],
                    cwd=self.root,
                    env={**self.env, "TARGET_JSONL_DESTINATION_PATH": str(output)},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        finished = {}
        for name, (output, process) in started.items():
            _, stderr = process.communicate(timeout=600)
            finished[name] = Group(name, process.returncode, stderr, output)
        return finished

    def live_ids(self, stream: str) -> set[str]:
        """Ids of the rows the org holds for a standard table (deleted rows excluded)."""
        rows = self.emulator.admin.records(STANDARD_TABLES[stream])
        return {r["Id"] for r in rows if not r.get("IsDeleted")}


@pytest.fixture
def project(emulator: RunningEmulator, tmp_path: Path, clean_env: dict[str, str]) -> Project:
    emulator.admin.settings(page_size=PAGE_SIZE, daily_api_limit=DAILY_API_LIMIT, api_used=0)
    return Project(tmp_path / "project", emulator, clean_env)


def assert_complete(project: Project, group: Group, tables: list[str]) -> None:
    assert group.returncode == 0, group.stderr[-3000:]
    assert group.streams() == set(tables)
    for stream in tables:
        assert {r["Id"] for r in group.records(stream)} == project.live_ids(stream), stream


def test_recipe_groups_are_disjoint_and_cover_the_default_tables() -> None:
    project = YAML().load((ROOT / "meltano.yml").read_text())
    groups = {p["name"]: p for p in project["plugins"]["extractors"] if p["name"] in {BIG, REST}}
    assert {g["inherit_from"] for g in groups.values()} == {"tap-salesforce-plus"}
    big, rest = (list(groups[name]["config"]["tables"]) for name in (BIG, REST))
    assert not set(big) & set(rest)
    assert sorted(big + rest) == sorted(STANDARD_TABLES)
    assert groups[BIG]["config"]["api_type"] == "bulk"
    shares = [groups[name]["config"]["max_api_share_percent"] for name in (BIG, REST)]
    assert sum(shares) <= 100


def test_two_groups_run_at_once_each_with_its_streams_and_state(project: Project) -> None:
    big_tables, rest_tables = project.tables(BIG), project.tables(REST)
    runs = project.run_at_once(BIG, REST, label="first")

    assert_complete(project, runs[BIG], big_tables)
    assert_complete(project, runs[REST], rest_tables)
    listed = set(project.meltano("state", "list").stdout.split())
    big_id, rest_id = (f"emulator:{name}-to-target-jsonl" for name in (BIG, REST))
    assert {big_id, rest_id} <= listed
    assert set(project.state(big_id)) == set(big_tables)
    assert set(project.state(rest_id)) == set(rest_tables)
    for run in runs.values():
        assert "API quota guard" not in run.stderr
        assert project.emulator.access_token not in run.stderr

    # A second concurrent pass reads each group incrementally from its own state.
    first = {name: project.state(f"emulator:{name}-to-target-jsonl") for name in (BIG, REST)}
    task_id, contact_id = (
        sorted(project.live_ids("task"))[0],
        sorted(project.live_ids("contact"))[0],
    )
    project.emulator.admin.update("Task", [{"Id": task_id, "Subject": "changed"}])
    project.emulator.admin.update("Contact", [{"Id": contact_id, "LastName": "Changed"}])
    again = project.run_at_once(BIG, REST, label="second")
    for name, changed in ((BIG, ("task", task_id)), (REST, ("contact", contact_id))):
        run = again[name]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.streams() <= set(project.tables(name))
        assert changed[1] in {r["Id"] for r in run.records(changed[0])}
        for stream in run.streams():
            since = first[name][stream]["replication_key_value"]
            assert all(r["SystemModstamp"] >= since for r in run.records(stream)), stream


def test_a_group_over_its_share_stops_while_the_other_completes(project: Project) -> None:
    """The rest group may make 1% of 1000 = 10 calls: it stops partway, state for what it wrote."""
    project.set_share(REST, 1)
    big_tables, rest_tables = project.tables(BIG), project.tables(REST)
    runs = project.run_at_once(BIG, REST, label="shares", suffix="shares")

    assert_complete(project, runs[BIG], big_tables)
    stopped = runs[REST]
    assert stopped.returncode != 0
    quota_lines = [line for line in stopped.stderr.splitlines() if "API quota guard" in line]
    assert len(quota_lines) == 1, quota_lines
    assert (
        f"API quota guard: this run has made 10 API calls and max_api_share_percent=1 allows "
        f"it 10 of the org's {DAILY_API_LIMIT} daily API calls; raise max_api_share_percent "
        "to continue; stopped cleanly in stream "
    ) in quota_lines[0]

    # The stopped group wrote only its own streams, and not all of them.
    written = stopped.streams()
    assert written < set(rest_tables)
    assert written
    bookmarks = project.state(f"emulator:{REST}-to-target-jsonl:shares")
    assert set(bookmarks) <= set(rest_tables)
    assert set(project.state(f"emulator:{BIG}-to-target-jsonl:shares")) == set(big_tables)
    # Every stream written is bookmarked at its last record: the state covers what was written.
    for stream in written:
        records = stopped.records(stream)
        value = bookmarks[stream]["replication_key_value"]
        assert value == max(r["SystemModstamp"] for r in records), stream

    # With its share raised the group resumes from its own state and completes the rest.
    project.set_share(REST, 30)
    resumed = project.run_at_once(REST, label="resumed", suffix="shares")[REST]
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    for stream in written & resumed.streams():  # only the rows at the bookmark come again
        since = bookmarks[stream]["replication_key_value"]
        assert all(r["SystemModstamp"] == since for r in resumed.records(stream)), stream
    for stream in rest_tables:
        ids = {r["Id"] for r in stopped.records(stream) + resumed.records(stream)}
        assert ids == project.live_ids(stream), stream
    assert set(project.state(f"emulator:{REST}-to-target-jsonl:shares")) == set(rest_tables)

"""The Dagster example in ``orchestrate/``: its definitions load, and one group materialises
through a real ``meltano run`` against the emulator, into target-jsonl, with its own state id.

Meltano runs in a copy of the project (``meltano.yml`` and links to the installed plugins),
so the checkout's ``meltano.yml``, system database and ``.meltano/`` are never written.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import dagster as dg
import pytest
from e2e_support import MELTANO, ROOT

pytestmark = pytest.mark.slow

DEFINITIONS = ROOT / "orchestrate" / "definitions.py"
GROUP = "activity"
OBJECTS = {"task": "Task", "event": "Event", "email_message": "EmailMessage", "case": "Case"}


def load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("orchestrate_definitions", DEFINITIONS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def orchestrate() -> ModuleType:
    return load_module()


def project_copy(dest: Path) -> Path:
    """A Meltano project in ``dest`` using the checkout's installed plugins (read only)."""
    dest.mkdir()
    (dest / "meltano.yml").write_text((ROOT / "meltano.yml").read_text())
    (dest / ".meltano").mkdir()
    for kind in ("extractors", "loaders"):
        (dest / ".meltano" / kind).symlink_to(ROOT / ".meltano" / kind)
    return dest


def dagster_home(tmp_path: Path) -> str:
    """A new DAGSTER_HOME (``instance_for_test`` sets the variable to it while it is open)."""
    home = tmp_path / "dagster"
    home.mkdir()
    return str(home)


def meltano_env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}
    env["MELTANO_PROJECT_ROOT"] = str(project)
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def meltano_state(project: Path, *args: str) -> str:
    """``meltano state <args>`` in the project; its standard output."""
    result = subprocess.run(
        [str(MELTANO), "state", *args],
        cwd=project,
        env=meltano_env(project),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def state_ids(project: Path) -> list[str]:
    return meltano_state(project, "list").split()


def get_state(project: Path, state_id: str) -> dict[str, Any]:
    return dict(json.loads(meltano_state(project, "get", state_id)))


def aim_meltano_at(emulator: Any, destination: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Meltano's environment for a run: the tap at the emulator, target-jsonl into
    ``destination``, nothing inherited from the caller's Singer or Meltano settings."""
    for key in [k for k in os.environ if k.startswith(("TAP_", "TARGET_", "MELTANO_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
    monkeypatch.setenv("TAP_SALESFORCE_PLUS_DOMAIN", emulator.url)
    monkeypatch.setenv("TAP_SALESFORCE_PLUS_ACCESS_TOKEN", emulator.access_token)
    monkeypatch.setenv("TARGET_JSONL_DESTINATION_PATH", str(destination))


def materialise(orchestrate: Any, group: Any, project: Path, tmp_path: Path) -> tuple[Any, str]:
    """Materialise one group's asset in process; the result and the run's user log lines."""
    resources = {"meltano": orchestrate.MeltanoProject(project_root=str(project))}
    with dg.instance_for_test(temp_dir=dagster_home(tmp_path)) as instance:
        result = dg.materialize(
            [orchestrate.group_asset(group)],
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
        logs = "\n".join(
            str(event.message)
            for event in instance.all_logs(result.run_id)
            if event.user_message is not None
        )
    return result, logs


def test_definitions_load_with_a_disjoint_asset_per_group(orchestrate):
    defs = orchestrate.defs
    assert isinstance(defs, dg.Definitions)
    groups = orchestrate.GROUPS
    assert len(groups) >= 2
    tables = [t for g in groups for t in g.tables]
    assert len(tables) == len(set(tables)), "a table is in two groups"
    assert {"account", "contact", "opportunity"} <= set(tables)

    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert keys == {f"salesforce_{g.name}" for g in groups}
    for group in groups:
        job = defs.resolve_job_def(f"sync_{group.name}")
        assert job.asset_layer.selected_asset_keys == {dg.AssetKey(f"salesforce_{group.name}")}
    assert defs.resolve_job_def("sync_all").asset_layer.selected_asset_keys == {
        dg.AssetKey(f"salesforce_{g.name}") for g in groups
    }
    schedule = defs.resolve_schedule_def("daily_sync_all")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.job_name == "sync_all"


def test_overlapping_groups_are_refused(orchestrate):
    group = orchestrate.Group
    with pytest.raises(ValueError, match="'contact' is in groups 'a' and 'b'"):
        orchestrate.build_definitions(
            (group("a", ("account", "contact")), group("b", ("contact",)))
        )


def test_group_settings_become_meltano_env_vars(orchestrate):
    env = orchestrate.group_env(orchestrate.Group("big", ("account", "contact"), api_type="bulk"))
    assert env == {
        "TAP_SALESFORCE_PLUS_TABLES": '["account", "contact"]',
        "TAP_SALESFORCE_PLUS_API_TYPE": "bulk",
    }


def test_dagster_validates_the_definitions_file(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "dagster"),
            "definitions",
            "validate",
            "-f",
            DEFINITIONS.name,
        ],
        cwd=DEFINITIONS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_one_group_materialises_against_the_emulator(orchestrate, emulator, tmp_path, monkeypatch):
    project = project_copy(tmp_path / "project")
    output = tmp_path / "jsonl"
    output.mkdir()
    aim_meltano_at(emulator, output, monkeypatch)
    monkeypatch.setenv("TARGET_JSONL_DO_TIMESTAMP_FILE", "false")

    group = next(g for g in orchestrate.GROUPS if g.name == GROUP)
    assert set(group.tables) == set(OBJECTS)
    result, logs = materialise(orchestrate, group, project, tmp_path)
    assert result.success, logs[-4000:]
    materialized = result.asset_materializations_for_node(f"salesforce_{GROUP}")
    assert len(materialized) == 1
    assert materialized[0].metadata["tables"].value == list(group.tables)
    state_id = f"emulator:tap-salesforce-plus-to-target-jsonl:{GROUP}"
    assert materialized[0].metadata["state_id"].value == state_id

    # Exactly the group's streams, each with the org's live rows.
    assert {p.stem for p in output.glob("*.jsonl")} == set(OBJECTS)
    for stream, object_name in OBJECTS.items():
        expected = {r["Id"] for r in emulator.admin.records(object_name) if not r.get("IsDeleted")}
        lines = (output / f"{stream}.jsonl").read_text().splitlines()
        ids = [json.loads(line)["Id"] for line in lines]
        assert sorted(ids) == sorted(expected), stream

    # The group's own state id, with a bookmark per stream of the group and no other.
    assert state_id in state_ids(project)
    bookmarks = get_state(project, state_id)["singer_state"]["bookmarks"]
    assert set(bookmarks) == set(OBJECTS)

    # Meltano's log reached Dagster's, with no secret in it.
    assert "meltano" in logs.lower()
    assert emulator.access_token not in logs


def test_a_failing_group_fails_its_materialisation(orchestrate, emulator, tmp_path, monkeypatch):
    """A non-zero exit of ``meltano run`` (here: a table the tap does not know) fails the
    asset with the tap's one-line error, and no state is saved for the group."""
    project = project_copy(tmp_path / "project")
    aim_meltano_at(emulator, tmp_path, monkeypatch)

    broken = orchestrate.Group("broken", ("acount",))
    result, _ = materialise(orchestrate, broken, project, tmp_path)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    error = failure.step_failure_data.user_failure_data
    assert error is not None
    assert "meltano run of group 'broken' exited with status 1" in str(error.description)
    assert "acount" in str(error.description)
    assert "emulator:tap-salesforce-plus-to-target-jsonl:broken" not in state_ids(project)
    assert emulator.access_token not in str(error.description)


def test_sync_all_runs_the_groups_at_once_each_with_its_own_state(orchestrate, emulator, tmp_path):
    """``dagster job execute -j sync_all``: Dagster's multiprocess executor runs the groups
    as ``meltano run`` processes side by side in one project (before each group got its own
    run directory, concurrent runs broke each other's catalogs, and concurrent first runs
    the new system database). Each state id holds exactly its group's streams."""
    project = project_copy(tmp_path / "project")
    output = tmp_path / "jsonl"
    output.mkdir()
    env = {
        **meltano_env(project),
        "DAGSTER_HOME": dagster_home(tmp_path),
        "TAP_SALESFORCE_PLUS_DOMAIN": emulator.url,
        "TAP_SALESFORCE_PLUS_ACCESS_TOKEN": emulator.access_token,
        "TARGET_JSONL_DESTINATION_PATH": str(output),
        "TARGET_JSONL_DO_TIMESTAMP_FILE": "false",
    }
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "dagster"),
            *("job", "execute", "-f", DEFINITIONS.name, "-j", "sync_all"),
        ],
        cwd=DEFINITIONS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    logs = result.stdout + result.stderr
    assert result.returncode == 0, logs[-4000:]
    assert "RUN_SUCCESS" in logs
    groups = orchestrate.GROUPS
    assert {p.stem for p in output.glob("*.jsonl")} == {t for g in groups for t in g.tables}
    for group in groups:
        state_id = f"emulator:tap-salesforce-plus-to-target-jsonl:{group.name}"
        bookmarks = get_state(project, state_id)["singer_state"]["bookmarks"]
        assert set(bookmarks) == set(group.tables), group.name
    assert emulator.access_token not in logs

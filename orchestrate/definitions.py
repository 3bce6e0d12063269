"""Dagster definitions: the tap's stream groups as assets, one ``meltano run`` each.

A group is a disjoint set of tap-salesforce-plus tables synced by its own
``meltano run --state-id-suffix=<group> tap-salesforce-plus <loader>``, so every group keeps
its own state id and the groups can run side by side. The group's settings reach Meltano as
environment variables (``TAP_SALESFORCE_PLUS_TABLES='["account", ...]'``), so ``meltano.yml``
needs no entry per group.

Run locally with ``cd orchestrate && ../.venv/bin/dagster dev -f definitions.py``. The
project and the Meltano executable come from ``MELTANO_PROJECT_ROOT`` and ``MELTANO_BIN``
(default: this repository and its ``.tools/meltano/bin/meltano``), the loader from
``MELTANO_LOADER`` (default ``target-jsonl``); see ``README.md`` beside this file.
"""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations
# (the context and resource parameters) as real types.

import contextlib
import fcntl
import json
import os
import re
import subprocess
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parent.parent
EXTRACTOR = "tap-salesforce-plus"
LOG_TAIL_LINES = 40
PLUGIN_DIRS = ("extractors", "loaders", "mappers", "transformers", "utilities", "files")
"""Plugin installation directories of ``.meltano`` that every group's runs share."""
STATE_ID_LINE = re.compile(r"Running job with name '([^']+)'")
"""Meltano's log line naming the run's state id (``<environment>:<tap>-to-<target>:<suffix>``)."""


@dataclass(frozen=True)
class Group:
    """A set of tables synced together under one Meltano state id.

    Attributes:
        name: The group's name: the state id suffix and the asset name's tail.
        tables: The tap's ``tables`` setting for this group.
        api_type: The tap's ``api_type`` (``rest``, ``bulk``, ``auto``); None keeps the
            project's setting.
    """

    name: str
    tables: tuple[str, ...]
    api_type: str | None = None

    def settings(self) -> dict[str, Any]:
        """The tap settings this group sets."""
        settings: dict[str, Any] = {"tables": list(self.tables)}
        if self.api_type is not None:
            settings["api_type"] = self.api_type
        return settings


GROUPS = (
    # The largest objects of most orgs: Bulk API 2.0 query jobs.
    Group("big", ("account", "contact", "opportunity"), api_type="bulk"),
    # Activity grows without bound; `auto` picks Bulk above the tap's bulk_threshold.
    Group("activity", ("task", "event", "email_message", "case"), api_type="auto"),
    # Many small tables: REST, so they spend no Bulk query jobs (10,000 a day per org).
    Group(
        "rest",
        (
            "lead",
            "opportunity_line_item",
            "opportunity_contact_role",
            "campaign",
            "campaign_member",
            "user",
            "user_role",
            "product",
            "pricebook",
            "pricebook_entry",
        ),
        api_type="rest",
    ),
)
"""The groups. Their tables must not overlap: two state ids for one stream would read it twice."""


def check_disjoint(groups: tuple[Group, ...]) -> None:
    """Fail when two groups share a name or a table.

    Args:
        groups: The groups to check.

    Raises:
        ValueError: Naming the shared name or table.
    """
    seen_names: set[str] = set()
    owner: dict[str, str] = {}
    for group in groups:
        if group.name in seen_names:
            raise ValueError(f"two groups are named {group.name!r}")
        seen_names.add(group.name)
        for table in group.tables:
            if table in owner:
                raise ValueError(
                    f"table {table!r} is in groups {owner[table]!r} and {group.name!r}: "
                    "each table belongs to one group (one state id)"
                )
            owner[table] = group.name


def setting_env_var(plugin: str, setting: str) -> str:
    """Meltano's environment variable for a plugin setting (``TAP_SALESFORCE_PLUS_TABLES``)."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{plugin}_{setting}").upper()


def group_env(group: Group, extractor: str = EXTRACTOR) -> dict[str, str]:
    """The environment variables that give ``extractor`` the group's settings."""
    return {
        setting_env_var(extractor, key): value if isinstance(value, str) else json.dumps(value)
        for key, value in group.settings().items()
    }


class MeltanoProject(dg.ConfigurableResource):
    """Where the Meltano project is and how to run it.

    Empty fields take their value from the environment when a run starts:
    ``MELTANO_PROJECT_ROOT`` (default: this repository), ``MELTANO_BIN`` (default:
    this repository's ``.tools/meltano/bin/meltano``), ``MELTANO_LOADER`` (default:
    ``target-jsonl``).
    """

    project_root: str = ""
    meltano_bin: str = ""
    loader: str = ""
    extractor: str = EXTRACTOR

    def root(self) -> Path:
        """The project directory (holding ``meltano.yml``)."""
        return Path(self.project_root or os.environ.get("MELTANO_PROJECT_ROOT") or REPO_ROOT)

    def executable(self) -> str:
        """The ``meltano`` executable."""
        default = REPO_ROOT / ".tools" / "meltano" / "bin" / "meltano"
        return self.meltano_bin or os.environ.get("MELTANO_BIN") or str(default)

    def target(self) -> str:
        """The loader the groups write to."""
        return self.loader or os.environ.get("MELTANO_LOADER") or "target-jsonl"

    def command(self, group: Group) -> list[str]:
        """The ``meltano run`` command of one group.

        ``--no-install``: the plugins are installed beforehand (``meltano install``), so
        groups running at the same time never reinstall one virtual environment together.
        """
        return [
            self.executable(),
            "run",
            "--no-install",
            f"--state-id-suffix={group.name}",
            self.extractor,
            self.target(),
        ]

    def shared_sys_dir(self) -> Path:
        """The project's ``.meltano`` directory: plugin installations, default system database."""
        return Path(os.environ.get("MELTANO_SYS_DIR_ROOT") or self.root() / ".meltano")

    def group_sys_dir(self, group: Group) -> Path:
        """A ``.meltano`` directory of the group's own, sharing the installed plugins.

        Meltano writes a plugin's config and catalog to ``.meltano/run/<plugin>/``: two runs of
        one plugin in one project at the same time overwrite and delete each other's files
        ("Invalid catalog", "No such file ... tap.properties.json"). Each group gets its own
        run and log directories; the plugin directories are links to the project's.
        """
        shared = self.shared_sys_dir()
        own = shared / "orchestrate" / group.name
        own.mkdir(parents=True, exist_ok=True)
        for kind in PLUGIN_DIRS:
            link = own / kind
            if (shared / kind).is_dir() and not link.is_symlink():
                with contextlib.suppress(FileExistsError):
                    link.symlink_to(shared / kind)
        return own

    def environment(self, group: Group) -> dict[str, str]:
        """The environment of the group's Meltano processes."""
        shared = self.shared_sys_dir()
        return {
            **os.environ,
            # Meltano takes MELTANO_PROJECT_ROOT over the working directory: keep them one.
            "MELTANO_PROJECT_ROOT": str(self.root()),
            "MELTANO_SYS_DIR_ROOT": str(self.group_sys_dir(group)),
            # One system database (the state of every group), wherever the run files are.
            "MELTANO_DATABASE_URI": os.environ.get("MELTANO_DATABASE_URI")
            or f"sqlite:///{shared / 'meltano.db'}",
            **group_env(group, self.extractor),
        }

    def run_group(self, group: Group, log: Any) -> tuple[str | None, int]:
        """Run one group, streaming Meltano's log lines to ``log``.

        Args:
            group: The group to sync.
            log: A logger (Dagster's ``context.log``).

        Returns:
            The state id Meltano named in its log (None if it named none), and the number
            of log lines it wrote.

        Raises:
            dagster.Failure: When a ``meltano`` command exits non-zero, with its last lines.
        """
        env = self.environment(group)
        lock_path = self.shared_sys_dir() / "orchestrate" / "systemdb.lock"
        # Groups starting together would each create or migrate a new system database
        # ("Cannot upgrade the system database"): one at a time does it, the others wait.
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._stream(group, [self.executable(), "upgrade", "database"], env, log)
        command = self.command(group)
        log.info("group %s: %s in %s", group.name, " ".join(command[1:]), self.root())
        return self._stream(group, command, env, log)

    def _stream(
        self, group: Group, command: list[str], env: dict[str, str], log: Any
    ) -> tuple[str | None, int]:
        tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        lines = 0
        state_id = None
        with subprocess.Popen(
            command,
            cwd=self.root(),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as process:
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.rstrip("\n")
                tail.append(line)
                lines += 1
                log.info(line)
                found = STATE_ID_LINE.search(line)
                state_id = found.group(1) if found and state_id is None else state_id
            returncode = process.wait()
        if returncode != 0:
            raise dg.Failure(
                description=(
                    f"meltano {command[1]} of group {group.name!r} exited with status "
                    f"{returncode}; its last log lines:\n" + "\n".join(tail)
                ),
                metadata={
                    "exit_code": returncode,
                    "last_log_lines": dg.MetadataValue.md("```\n" + "\n".join(tail) + "\n```"),
                },
            )
        return state_id, lines


def group_asset(group: Group) -> dg.AssetsDefinition:
    """The asset that syncs one group."""

    @dg.asset(
        name=f"salesforce_{group.name}",
        group_name="salesforce",
        kinds={"salesforce", "meltano"},
        description=f"tap-salesforce-plus tables {', '.join(group.tables)} "
        f"(state id suffix {group.name!r}).",
        metadata={"tables": list(group.tables), "api_type": group.api_type or "project setting"},
    )
    def sync(context: dg.AssetExecutionContext, meltano: MeltanoProject) -> dg.MaterializeResult:
        state_id, lines = meltano.run_group(group, context.log)
        return dg.MaterializeResult(
            metadata={
                "tables": list(group.tables),
                "state_id": state_id or f"(not in the log) ...:{group.name}",
                "loader": meltano.target(),
                "meltano_log_lines": lines,
            }
        )

    return sync


def build_definitions(groups: tuple[Group, ...] = GROUPS) -> dg.Definitions:
    """Assets, a job per group and for all groups, and a daily schedule of all groups."""
    check_disjoint(groups)
    assets = [group_asset(group) for group in groups]
    jobs = [
        dg.define_asset_job(f"sync_{group.name}", selection=[f"salesforce_{group.name}"])
        for group in groups
    ]
    sync_all = dg.define_asset_job("sync_all", selection=dg.AssetSelection.groups("salesforce"))
    daily = dg.ScheduleDefinition(
        name="daily_sync_all",
        job=sync_all,
        cron_schedule="0 2 * * *",
        execution_timezone="UTC",
    )
    return dg.Definitions(
        assets=assets,
        jobs=[*jobs, sync_all],
        schedules=[daily],
        resources={"meltano": MeltanoProject()},
    )


defs = build_definitions()

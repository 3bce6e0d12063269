"""Third-party peers (other Salesforce taps) in their own virtual environments under .tools/peers/.

Each peer is a pinned set of requirements installed with ``.tools/bin/uv`` into
``.tools/peers/<name>/``, plus the login-routing hook of ``peer_login_route.py`` (inert unless
``SF_EMULATOR_LOGIN_URL`` is set). ``scripts/setup.sh`` installs the peers marked ``on_setup``;
tests and benchmarks call ``ensure_peer(name)``, which installs a peer on first use and returns its
``bin`` directory. A re-run is a stamp-file comparison: nothing is installed twice.

To add a peer, add an entry to ``PEERS`` (pinned versions only), e.g.
``"airbyte-source-salesforce": Peer(("airbyte-source-salesforce==2.7.0",))``.

Usage: ``python scripts/peer_venvs.py --setup`` (the set-up's peers) or
``python scripts/peer_venvs.py NAME...``. From a bench script: put ``scripts/`` on ``sys.path``,
``from peer_venvs import ensure_peer``, then run
``ensure_peer("tap-salesforce") / "tap-salesforce"`` with ``SF_EMULATOR_LOGIN_URL`` set to the
emulator's URL. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT / ".tools" / "peers"
UV = ROOT / ".tools" / "bin" / "uv"
HOOK_SOURCE = Path(__file__).resolve().with_name("peer_login_route.py")
HOOK_MODULE = "sf_emulator_login_route"
STAMP = ".peer.json"


@dataclass(frozen=True)
class Peer:
    """A third-party tool: its pinned requirements and whether the set-up installs it."""

    requirements: tuple[str, ...]
    on_setup: bool = False


PEERS: dict[str, Peer] = {
    "tap-salesforce": Peer(("tap-salesforce==2.8.1",), on_setup=True),
    # The newest release that installs on Python 3.11; installed on demand (bench/run.py).
    "airbyte-source-salesforce": Peer(("airbyte-source-salesforce==2.10.3",)),
}
"""Every known peer, by name (its folder under .tools/peers/)."""


class PeerError(RuntimeError):
    """A peer could not be installed (unknown name, no uv, a failed install)."""


def peer_dir(name: str) -> Path:
    """Where the peer's virtual environment lives (installed or not)."""
    return PEERS_DIR / name


def _stamp(peer: Peer, python: str) -> dict[str, object]:
    return {"requirements": list(peer.requirements), "python": python}


def _site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise PeerError(f"no site-packages in {venv}")
    return found[0]


def _install_hook(venv: Path) -> None:
    """Copy the login-routing module and its ``.pth`` import into the peer's site-packages."""
    site = _site_packages(venv)
    shutil.copyfile(HOOK_SOURCE, site / f"{HOOK_MODULE}.py")
    (site / f"{HOOK_MODULE}.pth").write_text(f"import {HOOK_MODULE}\n")


def _run(command: list[str]) -> None:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise PeerError(f"{' '.join(command)} failed: {result.stderr.strip()[-2000:]}")


def ensure_peer(name: str, python: str | None = None) -> Path:
    """The ``bin`` directory of peer ``name``, installing it first if needed.

    Args:
        name: A key of ``PEERS``.
        python: The interpreter to base the environment on (default: the running one).

    Returns:
        ``.tools/peers/<name>/bin``.

    Raises:
        PeerError: The name is unknown, ``.tools/bin/uv`` is missing (run scripts/setup.sh) or
            the install failed.
    """
    peer = PEERS.get(name)
    if peer is None:
        raise PeerError(f"unknown peer {name!r}: known peers are {', '.join(sorted(PEERS))}")
    venv = peer_dir(name)
    bin_dir = venv / "bin"
    stamp_file = venv / STAMP
    wanted = _stamp(peer, python or sys.executable)
    current = json.loads(stamp_file.read_text()) if stamp_file.exists() else None
    if current is not None and current["requirements"] == wanted["requirements"]:
        _install_hook(venv)  # cheap, and keeps the hook in step with this repository
        return bin_dir
    if not UV.exists():
        raise PeerError(f"{UV} is missing: run `bash scripts/setup.sh` first")
    _run([str(UV), "venv", "--quiet", "--clear", "--python", str(wanted["python"]), str(venv)])
    _run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(bin_dir / "python"),
            *peer.requirements,
        ]
    )
    _install_hook(venv)
    stamp_file.write_text(json.dumps(wanted, indent=2) + "\n")
    return bin_dir


def main(argv: list[str] | None = None) -> int:
    """Install the set-up's peers (``--setup``) or the named ones; print their bin dirs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="peers to install (default with --setup)")
    parser.add_argument("--setup", action="store_true", help="install the peers setup.sh installs")
    parser.add_argument("--python", default=None, help="interpreter for new environments")
    args = parser.parse_args(argv)
    names = list(args.names) or ([n for n, p in PEERS.items() if p.on_setup] if args.setup else [])
    if not names:
        parser.error("name a peer or pass --setup")
    try:
        for name in names:
            print(f"{name}: {ensure_peer(name, args.python)}")
    except PeerError as exc:
        print(f"peer_venvs: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

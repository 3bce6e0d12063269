"""Helpers for programs that use the emulator from outside: start it as a process, route clients.

``serve_in_subprocess`` runs ``salesforce-emulator serve`` as its own process (benchmarks and the
demo measure real processes). ``routed_session`` gives https-only clients such as
simple-salesforce a ``requests.Session`` whose transport sends every https request to the
loopback emulator over plain http, the way a hosts-file entry would; the client is not patched.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


def serve_in_subprocess(
    workdir: Path, *, scale: int = 1000, extra_args: Sequence[str] = (), timeout: float = 300
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``salesforce-emulator serve --port 0`` and wait until it serves; (process, URL).

    The console script next to the running interpreter is used, so the emulator comes from the
    same environment. ``--write-config`` and other options can be passed in ``extra_args``.
    """
    ready = workdir / "emulator-url.txt"
    command = str(Path(sys.executable).with_name("salesforce-emulator"))
    process = subprocess.Popen(
        [command, "serve", "--port=0", f"--scale={scale}", f"--ready-file={ready}", *extra_args],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while not (ready.exists() and ready.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the emulator did not start")
        time.sleep(0.05)
    return process, ready.read_text().strip()


class LoopbackAdapter(HTTPAdapter):
    """A transport that sends every request to the emulator's origin, keeping path and query."""

    def __init__(self, emulator_url: str) -> None:
        """Send every request to the origin (scheme, host, port) of ``emulator_url``."""
        super().__init__()
        self.target = urlsplit(emulator_url)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the URL's scheme and host to the emulator's, then send."""
        parts = urlsplit(request.url or "")
        request.url = urlunsplit(
            (self.target.scheme, self.target.netloc, parts.path, parts.query, "")
        )
        return super().send(request, *args, **kwargs)


def routed_session(emulator_url: str) -> requests.Session:
    """A session whose https requests (any host) reach the emulator."""
    session = requests.Session()
    session.mount("https://", LoopbackAdapter(emulator_url))
    return session

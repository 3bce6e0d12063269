"""Bad input gets one clear line: exit status 1, no traceback, the last stderr line names the cause.

Each case runs the real command (``tap-salesforce-plus`` or ``target-salesforce-contacts``)
as a user would, against the emulator or against nothing at all.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import workspace_executable
from salesforce_emulator.pytest_plugin import RunningEmulator
from singer_pipes import write_json

TAP = "tap-salesforce-plus"
TARGET = "target-salesforce-contacts"
SCHEMA = {
    "type": "SCHEMA",
    "stream": "people",
    "key_properties": ["id"],
    "schema": {"properties": {"id": {"type": "integer"}, "email": {"type": "string"}}},
}


def run(
    plugin: str, args: list[str], stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(workspace_executable(plugin)), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def last_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def assert_one_line(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    line = last_line(result.stderr)
    for phrase in phrases:
        assert phrase in line, line
    return line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "broken.json").write_text('{"domain": "login",\n "username": ')
    (tmp_path / "list.json").write_text("[1, 2]")
    return tmp_path


@pytest.mark.parametrize("plugin", [TAP, TARGET])
def test_missing_config_file(plugin: str, files: Path) -> None:
    result = run(plugin, ["--config", str(files / "nope.json")])
    assert_one_line(result, "config file", "nope.json", "does not exist")


@pytest.mark.parametrize("plugin", [TAP, TARGET])
def test_malformed_config_json(plugin: str, files: Path) -> None:
    result = run(plugin, ["--config", str(files / "broken.json")])
    assert_one_line(result, "config file", "broken.json", "is not valid JSON", "line 2")


@pytest.mark.parametrize("plugin", [TAP, TARGET])
def test_config_that_is_not_an_object(plugin: str, files: Path) -> None:
    result = run(plugin, ["--config", str(files / "list.json")])
    assert_one_line(result, "config file", "must hold a JSON object")


def test_malformed_state_file(emulator: RunningEmulator, files: Path) -> None:
    config = write_json(files / "tap.json", emulator.config(tables=["user_role"]))
    result = run(TAP, ["--config", str(config), "--state", str(files / "broken.json")])
    assert_one_line(result, "state file", "broken.json", "is not valid JSON")


def test_malformed_catalog_file(emulator: RunningEmulator, files: Path) -> None:
    config = write_json(files / "tap.json", emulator.config(tables=["user_role"]))
    result = run(TAP, ["--config", str(config), "--catalog", str(files / "list.json")])
    assert_one_line(result, "catalog file", "must hold a JSON object")


@pytest.mark.parametrize("plugin", [TAP, TARGET])
def test_unresolvable_host_names_host_and_port(plugin: str, files: Path) -> None:
    config = write_json(
        files / "c.json",
        {"domain": "https://acme-nohost.invalid", "access_token": "00Dxx!tok", "max_retries": 5},
    )
    stdin = json.dumps(SCHEMA) + "\n" if plugin == TARGET else ""
    result = run(plugin, ["--config", str(config)], stdin=stdin, timeout=60)
    assert_one_line(result, "acme-nohost.invalid:443", "does not resolve", "3 attempt(s)")


@pytest.mark.parametrize("plugin", [TAP, TARGET])
def test_refused_port_names_host_and_port(plugin: str, files: Path) -> None:
    port = free_port()
    config = write_json(
        files / "c.json",
        {"domain": f"http://127.0.0.1:{port}", "access_token": "00Dxx!tok", "max_retries": 1},
    )
    stdin = json.dumps(SCHEMA) + "\n" if plugin == TARGET else ""
    result = run(plugin, ["--config", str(config)], stdin=stdin)
    assert_one_line(result, f"127.0.0.1:{port}", "refused the connection")


@pytest.mark.parametrize("plugin", [TAP, TARGET])
def test_api_version_the_org_lacks(plugin: str, emulator: RunningEmulator, files: Path) -> None:
    config = write_json(files / "c.json", emulator.config(api_version="99.0", tables=["user_role"]))
    stdin = json.dumps(SCHEMA) + "\n" if plugin == TARGET else ""
    result = run(plugin, ["--config", str(config)], stdin=stdin)
    assert_one_line(result, "api_version 99.0 is not offered", "newest is 66.0")


class _ForeignNextUrlProxy(BaseHTTPRequestHandler):
    """Forwards to the emulator; rewrites ``nextRecordsUrl`` to point at another host."""

    upstream = ""

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host"}}
        headers["Accept-Encoding"] = "identity"
        reply = requests.request(
            self.command, self.upstream + self.path, headers=headers, data=body, timeout=30
        )
        content = reply.content.replace(
            b'"nextRecordsUrl": "/services', b'"nextRecordsUrl": "https://evil.example.com/services'
        ).replace(
            b'"nextRecordsUrl":"/services', b'"nextRecordsUrl":"https://evil.example.com/services'
        )
        self.send_response(reply.status_code)
        for name, value in reply.headers.items():
            if name.lower() not in {"content-length", "content-encoding", "transfer-encoding"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = _forward  # noqa: N815

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def foreign_next_url_proxy(emulator: RunningEmulator) -> Iterator[str]:
    handler = type("Proxy", (_ForeignNextUrlProxy,), {"upstream": emulator.url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_next_records_url_on_another_host(
    emulator: RunningEmulator, foreign_next_url_proxy: str, files: Path
) -> None:
    emulator.admin.settings(page_size=20)
    path = write_json(
        files / "c.json",
        {
            "domain": foreign_next_url_proxy,
            "access_token": emulator.access_token,
            "tables": ["contact"],
            "api_type": "rest",
        },
    )
    result = run(TAP, ["--config", str(path)])
    assert_one_line(result, "evil.example.com:443", "host other than the instance")


def target_run(
    emulator: RunningEmulator, files: Path, stdin: str
) -> subprocess.CompletedProcess[str]:
    config = write_json(
        files / "t.json", emulator.config(rejects_path=str(files / "rejects.jsonl"))
    )
    return run(TARGET, ["--config", str(config)], stdin=stdin)


def test_target_non_json_line(emulator: RunningEmulator, files: Path) -> None:
    record = {"type": "RECORD", "stream": "people", "record": {"id": 1, "email": "a@x.io"}}
    stdin = "\n".join([json.dumps(SCHEMA), json.dumps(record), "this is not json", ""])
    assert_one_line(target_run(emulator, files, stdin), "line 3")


def test_target_record_before_schema(emulator: RunningEmulator, files: Path) -> None:
    record = {"type": "RECORD", "stream": "people", "record": {"id": 1, "email": "a@x.io"}}
    assert_one_line(target_run(emulator, files, json.dumps(record) + "\n"), "people", "SCHEMA")


def test_target_unknown_message_type(emulator: RunningEmulator, files: Path) -> None:
    odd = {"type": "GREETING", "stream": "people"}
    stdin = json.dumps(SCHEMA) + "\n" + json.dumps(odd) + "\n"
    assert_one_line(target_run(emulator, files, stdin), "GREETING")

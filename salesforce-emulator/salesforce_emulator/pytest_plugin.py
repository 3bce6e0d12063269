"""pytest fixtures that run the emulator in-process.

``emulator`` serves a fresh small org per test; ``demo_emulator`` one larger demo org per
session, for read-only tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from salesforce_emulator.admin_client import AdminClient
from salesforce_emulator.cli import demo_config
from salesforce_emulator.models.org import DEMO, Org
from salesforce_emulator.server import EmulatorServer

SMALL_SCALE = 400
DEMO_SCALE = 3000


@dataclass
class RunningEmulator:
    """A served org with its URL, admin client and a ready-made plugin config."""

    org: Org
    server: EmulatorServer
    admin: AdminClient

    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:PORT``)."""
        return self.server.url

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A username/password connection config for the demo user, plus ``overrides``."""
        return {**demo_config(self.url), **overrides}

    @property
    def access_token(self) -> str:
        """A valid static access token of the demo user."""
        return DEMO.access_token


_TEMPLATES: dict[tuple[int, int], Org] = {}


def demo_org(scale: int, seed: int = 42) -> Org:
    """A fresh in-memory demo org: generated once per (scale, seed), then copied (much faster)."""
    template = _TEMPLATES.get((scale, seed))
    if template is None:
        template = _TEMPLATES[scale, seed] = Org()
        template.seed_demo(scale, seed)
    org = Org()
    with template.lock:
        template.conn.backup(org.conn)
    org.install_demo_credentials()
    return org


def start_emulator(scale: int, seed: int = 42) -> RunningEmulator:
    """Build an in-memory demo org and serve it on a free loopback port."""
    org = demo_org(scale, seed)
    server = EmulatorServer(org).start()
    return RunningEmulator(org, server, AdminClient(server.url))


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh small demo org for one test (safe to mutate)."""
    running = start_emulator(SMALL_SCALE)
    try:
        yield running
    finally:
        running.admin.http.close()
        running.server.stop()


@pytest.fixture(scope="session")
def demo_emulator() -> Iterator[RunningEmulator]:
    """One demo org for the whole session: do not mutate it."""
    running = start_emulator(DEMO_SCALE)
    try:
        yield running
    finally:
        running.admin.http.close()
        running.server.stop()


def rsa_key_pair() -> tuple[str, str]:
    """A new RSA key pair as PEM text: (PKCS#8 private key, SubjectPublicKeyInfo public key).

    For JWT bearer tests: register the public key on a connected app, sign with the private one.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public

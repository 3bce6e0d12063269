"""Shared fixtures: a fake Salesforce (the `responses` library), keys and credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from salesforce_common import SalesforceSession
from sfc_fakes import PASSPHRASE, PASSWORD_CONFIG, SERVER_TOKEN, TOKEN_URL, token_body


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Stand-in Salesforce server; every registered response must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def login(mocked: responses.RequestsMock) -> Callable[..., None]:
    """Register a successful token response."""

    def add(token: str = SERVER_TOKEN, url: str = TOKEN_URL) -> None:
        mocked.post(url, json=token_body(token))

    return add


@pytest.fixture
def make_session() -> Callable[..., SalesforceSession]:
    """Build sessions with no backoff waiting."""

    def make(config: dict[str, Any] | None = None, **kwargs: Any) -> SalesforceSession:
        kwargs.setdefault("backoff_base", 0.0)
        return SalesforceSession(PASSWORD_CONFIG if config is None else config, **kwargs)

    return make


def _pem(key: rsa.RSAPrivateKey, passphrase: str | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    """One RSA key for the whole run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    """The key as unencrypted PEM text."""
    return _pem(rsa_key)


@pytest.fixture(scope="session")
def encrypted_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    """The key as PEM text encrypted with PASSPHRASE."""
    return _pem(rsa_key, PASSPHRASE)


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    """The public half, to verify JWT signatures."""
    return rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

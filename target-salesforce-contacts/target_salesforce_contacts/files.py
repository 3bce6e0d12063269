"""Files holding whole records (dead letters, the dry-run plan, the journal): mode 0600."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

PRIVATE_MODE = 0o600
"""Owner read/write only: these files hold whole records."""


def open_private(path: Path, *, append: bool) -> IO[str]:
    """Open a text file for writing, created 0600, made 0600 if it already existed.

    Args:
        path: The file (parent directories are created when needed).
        append: Append instead of truncating.

    Returns:
        The open file (UTF-8).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_MODE)
    except OSError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "a" if append else "w", encoding="utf-8")


def write_durably(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically and durably (0600, fsynced, renamed).

    Args:
        path: The file.
        text: Its new content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open_private(temporary, append=False) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    _sync_directory(path.parent)


def remove_durably(path: Path) -> None:
    """Delete ``path`` (if present) and make the deletion durable.

    Args:
        path: The file.
    """
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Flush a directory to disk so a rename or unlink in it survives a crash (where supported)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)

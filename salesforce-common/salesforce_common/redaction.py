"""Secret redaction: the one place that scrubs secrets from messages, logs and errors.

A secret can reach a message in more forms than the one the user typed: a server may echo a
form-encoded token request (``password`` + ``security_token`` concatenated and URL-encoded),
a JSON body escapes quotes and backslashes, and the access token obtained at run time was
never in the config at all. :func:`redact` replaces every such form; :class:`Secrets` keeps
the values of one run (the config's and those learnt later) and :class:`RedactingFilter`
applies them to every log record.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MASK = "***"
"""What a secret is replaced with."""

_URI_PUBLIC = frozenset({"domain", "username", "client_id"})
"""Parameters of a ``uri`` setting that are not secret."""

MIN_SECRET_CHARS = 4
"""Shorter values are not redacted: replacing every ``ab`` would garble messages."""


def secret_forms(secret: str) -> set[str]:
    """The forms in which ``secret`` may appear in text: raw, URL-encoded, JSON-escaped.

    Args:
        secret: A secret value.

    Returns:
        Every distinct form of at least :data:`MIN_SECRET_CHARS` characters.
    """
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
    }
    return {form for form in forms if len(form) >= MIN_SECRET_CHARS}


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every form of every secret in ``text`` with ``***`` (longest first).

    Args:
        text: Any text about to be logged, raised or printed.
        secrets: Secret values (short or empty ones are ignored).

    Returns:
        The text without secrets.
    """
    forms = {form for secret in secrets if secret for form in secret_forms(str(secret))}
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, MASK)
    return text


class Secrets:
    """The secret values of one run: settings, plus tokens learnt while running.

    Thread-safe; every plugin message path redacts through one instance.
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        """Start with ``values`` (e.g. the secret settings of the config).

        Args:
            values: Secret values.
        """
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self.add(*values)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], names: Iterable[str]) -> Secrets:
        """The secret settings present in a plugin config.

        The ``uri`` setting's own parameters count too (a URI's password is URL-encoded in
        the URI but raw once parsed).

        Args:
            config: The plugin config.
            names: The names of its secret settings.

        Returns:
            The secrets.
        """
        values = [str(config[name]) for name in names if config.get(name) not in (None, "")]
        uri = config.get("uri")
        if isinstance(uri, str) and uri:
            values += [v for k, v in parse_qsl(urlsplit(uri).query) if k not in _URI_PUBLIC]
        return cls(values)

    def add(self, *values: str | None) -> None:
        """Remember more secret values (e.g. an access token just obtained).

        Args:
            *values: Values; None and short ones are ignored.
        """
        with self._lock:
            self._values.update(
                v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_CHARS
            )

    def redact(self, text: str) -> str:
        """Scrub every known secret from ``text``.

        Args:
            text: Any text.

        Returns:
            The text with ``***`` in place of secrets.
        """
        with self._lock:
            values = list(self._values)
        return redact(text, values)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs the secrets of every live run from each record."""

    def __init__(self) -> None:
        """Start with no secrets; :meth:`watch` adds a run's."""
        super().__init__()
        self._watched: weakref.WeakSet[Secrets] = weakref.WeakSet()

    def watch(self, secrets: Secrets) -> None:
        """Redact ``secrets`` too, for as long as the object lives.

        Args:
            secrets: A run's secrets.
        """
        self._watched.add(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message, redact it, and keep the record.

        Args:
            record: The log record.

        Returns:
            Always True (records are rewritten, never dropped).
        """
        watched = list(self._watched)
        if not watched:
            return True
        message = record.getMessage()
        clean = message
        for secrets in watched:
            clean = secrets.redact(clean)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = str(record.exc_info[1])
            for secrets in watched:
                text = secrets.redact(text)
            record.exc_text = text if text != str(record.exc_info[1]) else record.exc_text
        return True


LOG_FILTER = RedactingFilter()
"""The one redacting filter, shared by every handler and logger it is attached to."""


def install_log_redaction(secrets: Secrets, loggers: Iterable[logging.Logger] = ()) -> None:
    """Scrub ``secrets`` from every log record reaching the root handlers or ``loggers``.

    Attaches :data:`LOG_FILTER` once per handler or logger (idempotent) and makes it watch
    ``secrets``; a run's secrets stop being watched when the object is garbage-collected.

    Args:
        secrets: The run's secrets.
        loggers: Loggers whose records must be scrubbed before any handler sees them.
    """
    LOG_FILTER.watch(secrets)
    targets: list[logging.Filterer] = [*logging.getLogger().handlers]
    for logger in loggers:
        targets.extend([logger, *logger.handlers])
    for target in targets:
        if LOG_FILTER not in target.filters:
            target.addFilter(LOG_FILTER)

"""Errors that end a run: each reads as one line naming the cause and the fix."""

from __future__ import annotations


class TargetError(Exception):
    """Base class of the target's own fatal errors."""


class MappingError(TargetError):
    """The field mapping does not fit the org's Contact object (found before any write)."""


class TooManyRejectsError(TargetError):
    """More records were rejected than ``max_rejects`` allows."""


class RunStoppedError(TargetError):
    """A batch could not be written completely (quota, limit, outage): the run stops."""

"""Errors that end a run: each reads as one line naming the cause and the fix."""

from __future__ import annotations

from singer_sdk.exceptions import RecordsWithoutSchemaException


class TargetError(Exception):
    """Base class of the target's own fatal errors."""


class MappingError(TargetError):
    """The field mapping does not fit the org's Contact object (found before any write)."""


class TooManyRejectsError(TargetError):
    """More records were rejected than ``max_rejects`` allows."""


class RunStoppedError(TargetError):
    """A batch could not be written completely (quota, limit, outage): the run stops."""


class PendingWritesError(TargetError):
    """Writes still failing transiently after every retry: not written, not dead-lettered.

    No STATE is passed on past them; a rerun (same input or the last STATE) resumes.
    """


class InputError(TargetError):
    """An input line the target cannot read (not JSON, cut short, out of order, unknown type).

    Raised after everything complete before it was written and its STATE passed on.
    """


class RecordBeforeSchemaError(InputError, RecordsWithoutSchemaException):
    """A RECORD (or BATCH) for a stream whose SCHEMA has not arrived yet."""

"""Table versions of full-table streams: ACTIVATE_VERSION, so targets drop rows the org lost.

A full-table read emits every row of its object. Its records carry a version, and once the
read is complete the stream emits ``ACTIVATE_VERSION`` with that version: a target then marks
deleted (``_sdc_deleted_at``) or, with ``hard_delete``, removes the rows of older versions,
which are the rows that vanished from the org. The message is written at the end only, never
at the start as the SDK would: a read that fails midway must not delete anything.

The version is kept in the stream's state (``table_version``): a resumed Bulk read keeps the
version of the rows it emitted before it was stopped, and every new read's version is greater
than the last one's, even two reads within one second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATE_KEY = "table_version"
"""The stream state's key for the version of the latest full-table read."""


def next_version(state: Mapping[str, Any], *, resuming: bool, now: float) -> int:
    """The version of a full-table read's records.

    Args:
        state: The stream's state.
        resuming: Whether the read resumes a stopped one (a saved Bulk job).
        now: The time, in seconds since the epoch (versions are seconds, as the SDK's are).

    Returns:
        The stopped read's version when resuming; else the time, above any earlier version.
    """
    last = state.get(STATE_KEY)
    if not isinstance(last, int) or isinstance(last, bool):
        return int(now)
    if resuming:
        return last
    return max(int(now), last + 1)

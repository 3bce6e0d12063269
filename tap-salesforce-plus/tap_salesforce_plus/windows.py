"""Date windows of the replication key, halved when Salesforce answers ``QUERY_TIMEOUT``.

A read covers ``[since, until)``. When its query times out, the uncovered rest of the
window is split in two halves, ``[since, mid)`` and ``[mid, until)``, read in order; a half
that still times out is halved again, down to one second. The halves share their boundary,
so no row falls between them and none is read twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from salesforce_common import QueryTimeoutError

MIN_WINDOW = dt.timedelta(seconds=1)
"""Windows are not split below SOQL's datetime resolution."""


@dataclass(frozen=True)
class Window:
    """A half-open range of replication-key values (a None bound is open).

    Attributes:
        since: Inclusive lower bound.
        until: Exclusive upper bound.
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def __str__(self) -> str:
        """``[since, until)`` in ISO form."""
        since = self.since.isoformat() if self.since else "-inf"
        until = self.until.isoformat() if self.until else "+inf"
        return f"[{since}, {until})"


def _second(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=0)


def halve(window: Window, error: QueryTimeoutError) -> tuple[Window, Window]:
    """Split a closed window at its middle (rounded down to the second).

    Args:
        window: The window whose query timed out (both bounds set).
        error: The timeout, re-raised when the window cannot be split further.

    Returns:
        The two halves, earlier first.

    Raises:
        QueryTimeoutError: The window is a second or less wide.
    """
    assert window.since is not None
    assert window.until is not None
    since, until = _second(window.since), window.until
    middle = _second(since + (until - since) / 2)
    if until - since <= MIN_WINDOW or middle <= since:
        error.message += (
            f"; even the {window} window of the replication key times out, so it cannot be "
            "split further: select fewer fields (formula fields are slow) or ask Salesforce "
            "support to index the key"
        )
        error.args = (error.message,)
        raise error
    return Window(window.since, middle), Window(middle, window.until)

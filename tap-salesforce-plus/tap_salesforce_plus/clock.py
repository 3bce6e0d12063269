"""Salesforce's clock, read from the ``Date`` header of its responses.

The upper bound of a read (``key < until``) must not be later than Salesforce's own time, or
rows changed during the read could be half-read; the tap's host clock may be off, so the
offset between the two is taken from every response.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests


class ServerClock:
    """The current time at Salesforce: the local clock plus the observed offset.

    ``Date`` has whole seconds, truncated: each response gives an offset up to a second
    early, so the largest one seen is the best estimate (and still errs early, never late).
    """

    def __init__(self) -> None:
        """Start with no offset (the local clock) until a response is seen."""
        self.offset: dt.timedelta | None = None

    def observe(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        """A ``requests`` response hook: update the offset from the ``Date`` header.

        Args:
            response: Any response from the org.
            *_args: Hook arguments (unused).
            **_kwargs: Hook arguments (unused).
        """
        header = response.headers.get("Date")
        if not header:
            return
        try:
            server = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=dt.UTC)
        offset = server - dt.datetime.now(dt.UTC)
        if self.offset is None or offset > self.offset:
            self.offset = offset

    def now(self) -> dt.datetime:
        """Salesforce's current time (UTC)."""
        return dt.datetime.now(dt.UTC) + (self.offset or dt.timedelta(0))

"""Pipelining: a batch's writes run in the background while the next batch is read and looked up.

One batch at most is in flight. Exactly once holds because the next batch looks up, while the
previous one writes, only the match keys the previous batch does not hold; its other keys are
looked up once those writes are final (``ContactSync.write_batch``). A lookup racing a create
in flight would miss the new Contact and create it a second time; one racing an update would
read values about to change.

The writers report outcomes on the background thread. They are buffered while the writes go
on; once the writes are over, ``complete`` (on the background thread) gets them in the order
they were reported, so their STATE can be passed on without waiting for the main thread (which
may be waiting for a slow tap or a lookup). Until then the main thread only reads input and
looks the next batch up: it touches no count, reject, ledger or tracking entry before it has
waited for the batch in flight (:meth:`Pipeline.wait`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from target_salesforce_contacts.writers import Outcome, Report

Buffered = Callable[[Report], Report]
"""Wraps a report callable so that its outcomes are kept until the writes are over."""
Complete = Callable[["InFlight", "list[tuple[Report, Outcome]]", "BaseException | None"], None]
"""Accounts for a batch whose writes are over: (batch, outcomes in order, error or None)."""


@dataclass
class InFlight:
    """A batch whose writes run in the background.

    Attributes:
        stream: Its stream.
        size: Records in the batch (for the error that would end the run).
        keys: The match keys of its records.
        token: Its entry in the STATE keeper's pending watermarks.
        future: The background writes and their accounting.
        error: What ended the writes or their accounting (None: all went well).
    """

    stream: str
    size: int
    keys: frozenset[str]
    token: Hashable
    future: Future[None] | None = None
    error: BaseException | None = field(default=None, repr=False)


class Pipeline:
    """Runs one batch's writes at a time on a background thread."""

    def __init__(self) -> None:
        """Nothing in flight; the thread starts with the first batch."""
        self._pool: ThreadPoolExecutor | None = None
        self.in_flight: InFlight | None = None

    @property
    def pending_keys(self) -> frozenset[str]:
        """The match keys of the batch in flight (empty when none is)."""
        return self.in_flight.keys if self.in_flight is not None else frozenset()

    def start(
        self,
        *,
        stream: str,
        size: int,
        keys: frozenset[str],
        token: Hashable,
        write: Callable[[Buffered], None],
        complete: Complete,
    ) -> None:
        """Start a batch's writes in the background (the previous batch must be settled).

        Args:
            stream: The batch's stream.
            size: Its records.
            keys: Its match keys.
            token: Its pending entry in the STATE keeper.
            write: Sends the writes; reports every outcome through the callables it wraps
                with the ``Buffered`` it is given.
            complete: Called on the background thread once ``write`` is over, with the
                outcomes and the error that ended it (if any).

        Raises:
            RuntimeError: A batch is still in flight.
        """
        if self.in_flight is not None:
            raise RuntimeError("a batch is still in flight: settle it first")
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="contact-writes")
        flight = InFlight(stream, size, keys, token)
        outcomes: list[tuple[Report, Outcome]] = []

        def buffered(report: Report) -> Report:
            return lambda outcome: outcomes.append((report, outcome))

        def run() -> None:
            error: BaseException | None = None
            try:
                write(buffered)
            except BaseException as exc:  # handed to the main thread
                error = exc
            try:
                complete(flight, outcomes, error)
            except BaseException as exc:  # handed to the main thread
                error = error or exc
            flight.error = error

        flight.future = self._pool.submit(run)
        self.in_flight = flight

    def wait(self) -> InFlight | None:
        """Wait until the batch in flight is written and accounted for.

        Returns:
            The batch (its ``error`` set when its writes failed), or None when nothing was in
            flight.
        """
        flight = self.in_flight
        if flight is None:
            return None
        if flight.future is not None:
            flight.future.result()
        self.in_flight = None
        return flight

    def close(self) -> None:
        """Stop the background thread (after the batch in flight, if any)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

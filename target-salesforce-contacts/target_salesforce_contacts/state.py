"""When a STATE may be passed on, and when a stop signal may end the run.

A STATE is passed on only once every record received before it has been written or
dead-lettered. Records are numbered as they arrive; each writer (one per sink) has a
watermark, the number of its oldest record not yet written. A STATE queued after ``n``
records is safe once no watermark is below ``n``; of the safe STATEs only the latest is
written, and never the same STATE twice in a row.

A stop signal that arrives while a batch is being written only asks to stop after it:
writing the same records again from the signal handler could repeat a create in flight.

Plain Python: no singer-sdk, no I/O (STATEs go to the ``write`` callable).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from typing import Any

State = dict[str, Any]
"""The value of a Singer STATE message."""


class StateKeeper:
    """Sequence numbers, pending watermarks, the STATE queue and stop-after-batch of one run."""

    def __init__(self, write: Callable[[State], None]) -> None:
        """Start with nothing received.

        Args:
            write: Writes one STATE to the output.
        """
        self._write = write
        self._received = 0
        self._pending: dict[Hashable, int] = {}
        self._queue: list[tuple[int, State]] = []
        self._latest: State | None = None
        self._written: State | None = None
        self._writing = False
        self._stop_signal: int | None = None

    # -- records --------------------------------------------------------------------------

    def record_received(self, writer: Hashable) -> int:
        """Number a record queued by ``writer``; it is pending until the writer's batch is done.

        Args:
            writer: Who will write the record (a sink).

        Returns:
            The record's sequence number (0, 1, ...).
        """
        number = self._received
        self._received += 1
        self._pending.setdefault(writer, number)
        return number

    @property
    def oldest_pending(self) -> int | None:
        """Sequence number of the oldest record not yet written (None: nothing pending)."""
        return min(self._pending.values(), default=None)

    def batch_written(self, writer: Hashable) -> None:
        """Note that ``writer`` wrote (or dead-lettered) all its records; pass on safe STATEs.

        Args:
            writer: The writer whose batch is done.
        """
        self._pending.pop(writer, None)
        self.pass_on_safe_states()

    # -- STATE messages -------------------------------------------------------------------

    def state_received(self, state: State | None) -> None:
        """Queue a STATE (unless it repeats the previous one); pass it on at once if safe.

        Args:
            state: The STATE message's value.
        """
        changed = state != self._latest
        self._latest = copy.deepcopy(state)
        if changed and state is not None:
            self._queue.append((self._received, copy.deepcopy(state)))
            self.pass_on_safe_states()

    def pass_on_safe_states(self) -> None:
        """Write the latest queued STATE all of whose earlier records are written."""
        oldest = self.oldest_pending
        ready = [entry for entry in self._queue if oldest is None or entry[0] <= oldest]
        if ready:
            self._queue = self._queue[len(ready) :]
            self._pass_on(ready[-1][1])

    def all_written(self, state: State) -> None:
        """After every writer was drained: write ``state`` unless a record is still pending.

        Args:
            state: The latest STATE received.
        """
        if self._pending:
            return
        self._queue = []
        self._pass_on(state)

    def _pass_on(self, state: State) -> None:
        """Write a STATE unless it is the one written last."""
        if state == self._written:
            return
        self._written = copy.deepcopy(state)
        self._write(state)

    # -- stop signals ---------------------------------------------------------------------

    def batch_started(self) -> None:
        """Note that a batch is being written (a stop signal then waits for it)."""
        self._writing = True

    def batch_finished(self) -> int | None:
        """Note that the batch is written.

        Returns:
            The stop signal that arrived meanwhile (the run must stop now), or None.
        """
        self._writing = False
        return self._stop_signal

    def defer_stop(self, signum: int) -> bool:
        """Ask to stop after the batch being written, if one is.

        Args:
            signum: The signal received.

        Returns:
            True when a batch is being written (stop once :meth:`batch_finished` reports
            it); False when the run may stop right away.
        """
        if not self._writing:
            return False
        self._stop_signal = signum
        return True

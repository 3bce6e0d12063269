"""When a STATE may be passed on, and when a stop signal may end the run.

A STATE is passed on only once every record received before it has been written or
dead-lettered. Records are numbered as they arrive; each writer (one per sink) has a
watermark, the number of its oldest record not yet written. A STATE queued after ``n``
records is safe once no watermark is below ``n``; of the safe STATEs only the latest is
written, and never the same STATE twice in a row.

A stop signal that arrives while a batch is being written only asks to stop after it:
writing the same records again from the signal handler could repeat a create in flight.

Plain Python: no singer-sdk, no I/O (STATEs go to the ``write`` callable). Thread-safe: a
batch written in the background passes its STATEs on from its own thread.
"""

from __future__ import annotations

import contextlib
import copy
import signal
import threading
from collections.abc import Callable, Hashable, Iterator
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
        self._lock = threading.RLock()
        self._holder: int | None = None
        """The thread inside a locked section (a stop signal there is raised again after it)."""
        self._raise_after: int | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock; a stop signal that arrived meanwhile on this thread is raised after.

        The signal handler may wait for a batch written in the background, which needs this
        lock to pass its STATE on: handling the signal inside a locked section would wait
        forever, so it is deferred to the section's end.
        """
        signum: int | None = None
        with self._lock:
            outer = self._holder is None
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                if outer:
                    self._holder = None
                    signum, self._raise_after = self._raise_after, None
        if signum is not None:
            signal.raise_signal(signum)

    # -- records --------------------------------------------------------------------------

    def record_received(self, writer: Hashable) -> int:
        """Number a record queued by ``writer``; it is pending until the writer's batch is done.

        Args:
            writer: Who will write the record (a sink).

        Returns:
            The record's sequence number (0, 1, ...).
        """
        number = self._received
        self._received = number + 1
        # Only the reading thread numbers records and adds writers, so the lock is needed
        # only when this record opens a writer's pending range.
        if writer not in self._pending:
            with self._locked():
                self._pending.setdefault(writer, number)
        return number

    @property
    def oldest_pending(self) -> int | None:
        """Sequence number of the oldest record not yet written (None: nothing pending)."""
        return min(self._pending.values(), default=None)

    def hand_off(self, writer: Hashable, token: Hashable) -> None:
        """Keep ``writer``'s pending records under ``token``, a batch whose writes go on.

        ``writer`` may then queue new records (pending under ``writer`` again); the handed-off
        ones stay pending until ``batch_written(token)``.

        Args:
            writer: The writer whose records were handed off.
            token: The batch's own key from now on.
        """
        with self._locked():
            if writer in self._pending:
                self._pending[token] = self._pending.pop(writer)

    def batch_written(self, writer: Hashable) -> None:
        """Note that ``writer`` wrote (or dead-lettered) all its records; pass on safe STATEs.

        Args:
            writer: The writer whose batch is done.
        """
        with self._locked():
            self._pending.pop(writer, None)
            self.pass_on_safe_states()

    # -- STATE messages -------------------------------------------------------------------

    def state_received(self, state: State | None) -> None:
        """Queue a STATE (unless it repeats the previous one); pass it on at once if safe.

        Args:
            state: The STATE message's value.
        """
        with self._locked():
            changed = state != self._latest
            self._latest = copy.deepcopy(state)
            if changed and state is not None:
                self._queue.append((self._received, copy.deepcopy(state)))
                self.pass_on_safe_states()

    def pass_on_safe_states(self) -> None:
        """Write the latest queued STATE all of whose earlier records are written."""
        with self._locked():
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
        with self._locked():
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

    @property
    def writing(self) -> bool:
        """A batch is being written (a stop signal would wait for it)."""
        return self._writing

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
            it) or the signal interrupted this keeper (it is raised again once the keeper is
            left); False when the run may stop right away.
        """
        if self._holder == threading.get_ident():
            self._raise_after = signum
            return True
        if not self._writing:
            return False
        self._stop_signal = signum
        return True

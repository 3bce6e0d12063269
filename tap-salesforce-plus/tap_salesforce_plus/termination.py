"""Stopping on SIGTERM or SIGINT: a final STATE for every record emitted, exit 143 or 130.

The SDK stops a tap on these signals with exit status 0, which tells an orchestrator the run
completed. This tap instead writes a STATE message covering every record emitted so far,
logs one line saying so and exits with ``128 + signal number``: 143 for SIGTERM, 130 for
SIGINT (a shell's convention for a process ended by a signal).

A stream's bookmark moves only after its record was written (Bulk reads keep their next page
in the state once a page is fully emitted), so the state never covers a row not emitted. Two
stretches are not interrupted, so that the final STATE covers every record emitted and is
never glued to half a line: the writing of a message (:class:`SignalSafeWriter`) and the
processing of a record by the SDK, from its RECORD message to its bookmark (marked by the
streams with :class:`StopGuard`). A signal arriving in either is acted on at its end; one
arriving while the tap waits for Salesforce is acted on at once.
"""

from __future__ import annotations

import atexit
import copy
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from singer_sdk.contrib.msgspec import MsgSpecWriter, encoder
from singer_sdk.singerlib import RecordMessage, StateMessage
from typing_extensions import override

if TYPE_CHECKING:
    import logging
    from types import FrameType

SIGNAL_EXIT_BASE = 128
"""A process ended by signal N exits with ``128 + N`` (143 for SIGTERM, 130 for SIGINT)."""


OUTPUT_BUFFER_BYTES = 256 * 1024
"""RECORD messages buffered before they are written to stdout (see :class:`SignalSafeWriter`)."""


LOCK_CODE = ("threading.py", "queue.py")
"""Standard modules whose locks a signal handler's exception could leave held: raised between
``lock.acquire()`` and the ``with`` block that releases it, it leaks the lock, and the next
use of it (urllib3's connection pool, say) waits forever."""
SIGNAL_RETRY_SECONDS = 0.01
"""Delay before a signal that interrupted :data:`LOCK_CODE` is delivered again."""


def defer_in_lock_code(signum: int, frame: FrameType | None) -> bool:
    """Deliver the signal again shortly if it interrupted lock-handling standard code.

    Args:
        signum: The signal received.
        frame: The frame the signal interrupted.

    Returns:
        True when the signal was deferred (the handler must not act on it now).
    """
    if frame is None or not frame.f_code.co_filename.endswith(LOCK_CODE):
        return False
    retry = threading.Timer(SIGNAL_RETRY_SECONDS, signal.raise_signal, (signum,))
    retry.daemon = True
    retry.start()
    return True


class Stopped(SystemExit):
    """The run was stopped by a signal, its final STATE written.

    A ``SystemExit`` (status ``128 + signal``), so that no ``except Exception`` on the way up
    takes it for an error; the command line logs :attr:`message` once the stack has unwound
    (after the SDK's own closing log lines), as the last line on stderr.

    Args:
        status: The exit status.
        message: The line to log.
    """

    def __init__(self, status: int, message: str) -> None:
        """Create the exception."""
        super().__init__(status)
        self.message = message


def log_stops(callback: Callable[..., Any], logger: logging.Logger) -> Callable[..., Any]:
    """Wrap a command callback: a :class:`Stopped` run logs its line, then exits.

    Args:
        callback: The SDK's command callback.
        logger: The tap's logger.

    Returns:
        The wrapped callback.
    """

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except Stopped as stopped:
            logger.warning("%s", stopped.message)
            raise

    return run


class StateWriting(Protocol):
    """The SDK's public ``Tap.state_writer``."""

    def write_state(self, state: Any) -> None:
        """Write a STATE message (if it differs from the last one)."""


class SignalSafeWriter(MsgSpecWriter):
    """The tap's Singer message writer; a stop requested mid-message waits for its end.

    RECORD messages are encoded straight into an output buffer that is written to stdout
    once it holds :data:`OUTPUT_BUFFER_BYTES` (the SDK's writer flushes stdout after every
    message: a system call per record). Every other message (SCHEMA, STATE, ACTIVATE_VERSION)
    first writes out the buffered records, then itself, then flushes: a STATE message never
    reaches the target before the records it covers, and a run killed outright loses only
    records no STATE covers (the next run emits them again). The buffer is also written out
    at exit.

    Attributes:
        writing: A message is being written.
        wrote: At least one message was written (a sync is under way, not discovery).
        deferred: The stop to run once the current message is written.
        last_state: The value of the last STATE message written (None before one).
    """

    def __init__(self) -> None:
        """Create the writer."""
        super().__init__()
        self.writing = False
        self.wrote = False
        self.deferred: Callable[[], None] | None = None
        self.last_state: Any = None
        self._records = bytearray()
        atexit.register(_flush_at_exit, weakref.ref(self))

    @override
    def write_message(self, message: Any) -> None:
        """Write one message whole, then run a stop requested meanwhile.

        Args:
            message: The Singer message.
        """
        self.writing = True
        try:
            if type(message) is RecordMessage:
                self._buffer_record(message)
            else:
                self.flush_records()
                super().write_message(message)
                if type(message) is StateMessage:
                    self.last_state = copy.deepcopy(message.value)
        finally:
            self.writing = False
        self.wrote = True
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            deferred()

    def _buffer_record(self, message: RecordMessage) -> None:
        records = self._records
        encoder.encode_into(message.to_dict(), records, -1)
        records.extend(b"\n")
        if len(records) >= OUTPUT_BUFFER_BYTES:
            self.flush_records()

    def flush_records(self) -> None:
        """Write the buffered RECORD messages to stdout."""
        if self._records:
            sys.stdout.buffer.write(self._records)
            sys.stdout.buffer.flush()
            self._records.clear()


def _flush_at_exit(writer: weakref.ref[SignalSafeWriter]) -> None:
    alive = writer()
    if alive is not None:
        alive.flush_records()


class StopGuard:
    """Marks the processing of records, which a stop waits for (see the module docstring).

    Attributes:
        holds: Records being processed (0 or 1).
        pending: The stop to run once no record is being processed.
    """

    def __init__(self) -> None:
        """Create the guard."""
        self.holds = 0
        self.pending: Callable[[], None] | None = None

    def resume(self) -> None:
        """Run a stop that waited for the record just processed."""
        pending, self.pending = self.pending, None
        if pending is not None and self.holds == 0:
            pending()
        elif pending is not None:
            self.pending = pending


class Stopper:
    """Acts on SIGTERM and SIGINT for one tap run (see the module docstring).

    Args:
        guard: Marks the processing of records.
        writer: The tap's message writer.
        state_writer: The tap's STATE writer.
        state: The tap state (every stream's bookmarks), as it is at the moment of the stop;
            None: write no STATE (the last one written stands).
        covered: What the final STATE covers (for the log line).
    """

    def __init__(
        self,
        guard: StopGuard,
        writer: Any,
        state_writer: StateWriting,
        state: Callable[[], Any],
        covered: str = "every record emitted",
    ) -> None:
        """Create the stopper."""
        self.guard, self.writer, self.state_writer = guard, writer, state_writer
        self.state, self.covered = state, covered
        self.stopping = False

    def on_signal(self, signum: int) -> None:
        """Stop now, or once the message being written is complete.

        Args:
            signum: The signal received.

        Raises:
            Stopped: With status ``128 + signum``, after the final STATE.
        """
        if self.stopping:
            return
        writing = getattr(self.writer, "writing", False)
        if writing or self.guard.holds:
            self.guard.pending = lambda: self.on_signal(signum)
            if writing:
                self.writer.deferred = self.guard.pending
            return
        self.stopping = True
        status = SIGNAL_EXIT_BASE + signum
        name = signal.Signals(signum).name
        if getattr(self.writer, "wrote", True):
            state = self.state()
            if state is not None:
                self.state_writer.write_state(state)
            saved = f"state saved for {self.covered} (the last STATE message)"
        else:
            saved = "nothing was emitted"
        raise Stopped(
            status,
            f"Received {name}: stopped, {saved}; to resume, run again with the last STATE "
            f"message as --state (exit status {status})",
        )

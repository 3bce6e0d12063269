"""Stopping on SIGTERM or SIGINT: a final STATE for every record emitted, exit 143 or 130.

The SDK stops a tap on these signals with exit status 0, which tells an orchestrator the run
completed. This tap instead writes a STATE message covering every record emitted so far,
logs one line saying so and exits with ``128 + signal number``: 143 for SIGTERM, 130 for
SIGINT (a shell's convention for a process ended by a signal).

The state is always safe to save: a stream's bookmark moves only after its record was written
(Bulk reads keep their next page in the state once a page is fully emitted), so a STATE
written at any moment covers only emitted rows. Only a message half written to stdout must
not be followed by the STATE line: :class:`SignalSafeWriter` postpones the stop until the
message it is writing is complete.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from singer_sdk.contrib.msgspec import MsgSpecWriter
from typing_extensions import override

if TYPE_CHECKING:
    import logging

SIGNAL_EXIT_BASE = 128
"""A process ended by signal N exits with ``128 + N`` (143 for SIGTERM, 130 for SIGINT)."""


class StateWriting(Protocol):
    """The SDK's public ``Tap.state_writer``."""

    def write_state(self, state: Any) -> None:
        """Write a STATE message (if it differs from the last one)."""


class SignalSafeWriter(MsgSpecWriter):
    """The tap's Singer message writer; a stop requested mid-message waits for its end.

    Attributes:
        writing: A message is being written.
        wrote: At least one message was written (a sync is under way, not discovery).
        deferred: The stop to run once the current message is written.
    """

    def __init__(self) -> None:
        """Create the writer."""
        super().__init__()
        self.writing = False
        self.wrote = False
        self.deferred: Callable[[], None] | None = None

    @override
    def write_message(self, message: Any) -> None:
        """Write one message whole, then run a stop requested meanwhile.

        Args:
            message: The Singer message.
        """
        self.writing = True
        try:
            super().write_message(message)
        finally:
            self.writing = False
        self.wrote = True
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            deferred()


class Stopper:
    """Acts on SIGTERM and SIGINT for one tap run (see the module docstring).

    Args:
        writer: The tap's message writer.
        state_writer: The tap's STATE writer.
        state: The tap state (every stream's bookmarks), as it is at the moment of the stop.
        logger: The tap's logger.
    """

    def __init__(
        self,
        writer: Any,
        state_writer: StateWriting,
        state: Callable[[], Any],
        logger: logging.Logger,
    ) -> None:
        """Create the stopper."""
        self.writer, self.state_writer, self.state, self.logger = (
            writer,
            state_writer,
            state,
            logger,
        )
        self.stopping = False

    def on_signal(self, signum: int) -> None:
        """Stop now, or once the message being written is complete.

        Args:
            signum: The signal received.

        Raises:
            SystemExit: With status ``128 + signum``, after the final STATE.
        """
        if self.stopping:
            return
        if getattr(self.writer, "writing", False):
            self.writer.deferred = lambda: self.on_signal(signum)
            return
        self.stopping = True
        status = SIGNAL_EXIT_BASE + signum
        name = signal.Signals(signum).name
        if getattr(self.writer, "wrote", True):
            self.state_writer.write_state(self.state())
            saved = "state saved for every record emitted (the last STATE message)"
        else:
            saved = "nothing was emitted"
        self.logger.warning(
            "Received %s: stopped, %s; to resume, run again with the last STATE message as "
            "--state (exit status %d)",
            name,
            saved,
            status,
        )
        sys.exit(status)

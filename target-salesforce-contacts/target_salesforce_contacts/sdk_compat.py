"""Every use of a private singer-sdk member, in one place.

singer-sdk 0.54 offers no public hook for what follows. Each override below turns one private
SDK member into a public method of our own classes, so the rest of the target uses public
names only. ``tests/test_target_sdk_compat.py`` pins the signature of each member used here:
an SDK upgrade that renames or reshapes one fails there, loudly, in one place.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any

from singer_sdk import Target
from singer_sdk.sinks import BatchSink
from typing_extensions import override

if TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum

PRIVATE_MEMBERS = (
    ("singer_sdk.target_base.Target", "_process_state_message"),
    ("singer_sdk.target_base.Target", "_write_state_message"),
    ("singer_sdk.target_base.Target", "_handle_termination"),
    ("singer_sdk.sinks.core.Sink", "_parse_timestamps_in_record"),
)
"""``(class, member)`` of each private SDK member used (pinned by the tests)."""


class StateHooksTarget(Target):
    """A target whose STATE messages, final STATE and stop signals reach public methods."""

    @abc.abstractmethod
    def state_received(self, state: dict[str, Any]) -> None:
        """Handle the value of a STATE message (after the SDK recorded it as the latest).

        Args:
            state: The STATE message's value.
        """

    @abc.abstractmethod
    def sinks_drained(self, state: dict[str, Any]) -> None:
        """Handle the latest STATE after the SDK drained every sink.

        Args:
            state: The latest STATE received.
        """

    @abc.abstractmethod
    def stop_requested(self, signum: int) -> None:
        """Handle SIGTERM or SIGINT.

        Args:
            signum: The signal.
        """

    def write_state(self, state: dict[str, Any]) -> None:
        """Write a STATE message to stdout, as the SDK writes them.

        Args:
            state: The STATE value.
        """
        super()._write_state_message(state)

    @override
    def _process_state_message(self, message_dict: dict[str, Any]) -> None:
        """Record the STATE as the SDK does, then hand it to :meth:`state_received`.

        Private because the SDK reads each message type through a private handler and has no
        public hook for STATE messages. The SDK's handler is still called: ``drain_all``
        passes the latest STATE it recorded to ``_write_state_message``.

        Args:
            message_dict: The STATE message.
        """
        super()._process_state_message(message_dict)
        self.state_received(message_dict["value"])

    @override
    def _write_state_message(self, state: dict[str, Any]) -> None:
        """Hand the STATE ``drain_all`` would write to :meth:`sinks_drained` instead.

        Private because ``drain_all`` (public but final) ends by calling it with the latest
        STATE, and a STATE may be passed on only once the records before it are written.

        Args:
            state: The latest STATE received.
        """
        self.sinks_drained(state)

    @override
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Hand SIGTERM and SIGINT to :meth:`stop_requested`.

        Private because the SDK registers this method as the signal handler when the plugin
        is created, and offers no public hook. Its default drains every sink at once, which
        during a batch write could send a create in flight a second time.

        Args:
            signum: The signal.
            frame: The interrupted frame (unused).
        """
        self.stop_requested(signum)


class RawRecordsSink(BatchSink):
    """A batch sink that keeps date and time values as the tap sent them."""

    @override
    def _parse_timestamps_in_record(
        self,
        record: dict[str, Any],
        schema: dict[str, Any],
        treatment: DatetimeErrorTreatmentEnum,
    ) -> None:
        """Parse nothing: values are converted per Contact field, bad ones dead-lettered.

        Private because the SDK parses every date-like property before ``process_record``
        and offers no public switch; a value it cannot parse would stop the run (or be
        replaced) instead of being dead-lettered with its record.

        Args:
            record: The record (left as is).
            schema: The stream's schema.
            treatment: What the SDK would do with an unparseable value.
        """

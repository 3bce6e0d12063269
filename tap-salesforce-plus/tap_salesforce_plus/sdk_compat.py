"""Every use of a private singer-sdk member by the tap, each with the reason no public hook fits.

The rest of the tap uses public SDK hooks only. ``tests/test_tap_sdk_compat.py`` pins the
signature of each member used here, so an SDK upgrade that changes one fails there, in one
place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import singer_sdk.singerlib as singer
from singer_sdk import RESTStream, Tap
from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig, StorageTarget
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

from tap_salesforce_plus.termination import defer_in_lock_code

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator
    from types import FrameType

    from singer_sdk.helpers.types import Context

PRIVATE_MEMBERS = (
    ("singer_sdk.streams.core.Stream", "_increment_stream_state"),
    ("singer_sdk.streams.core.Stream", "_generate_record_messages"),
    ("singer_sdk.streams.core.Stream", "_write_activate_version_message"),
    ("singer_sdk.tap_base.Tap", "_handle_termination"),
    ("singer_sdk.streams.core.Stream", "_sync_records"),
)
"""``(class, member)`` of each private SDK member used (pinned by the tests)."""

__all__ = ["BaseBatchFileEncoding", "BatchConfig", "StorageTarget"]
"""The SDK's batch configuration types, from its private ``singer_sdk.helpers._batch`` module:
``Stream.get_batch_config`` and ``Stream.get_batches`` (public hooks) take and return them,
but the SDK exports them from nowhere public (pinned by ``tests/test_tap_batch.py``)."""


class BookmarkHook(RESTStream[Any]):
    """A REST stream that decides, per emitted record, whether the SDK advances its bookmark.

    Subclasses override :meth:`moves_bookmark`.
    """

    def stamp_table_version(self, version: int) -> None:
        """Stamp every RECORD message written from now on with a table version.

        Private SDK attribute ``Stream._stream_version``: the SDK's record messages carry it,
        but it sets it only at the start of a full-table sync, from the stream's creation
        time, together with an ACTIVATE_VERSION message; the tap needs its own version (kept
        in state, so a resumed read keeps it) and the message at the end of the read.

        Args:
            version: The version.
        """
        self._stream_version = version

    def activate_table_version(self, version: int) -> None:
        """Write ACTIVATE_VERSION for this stream (and each of its stream-map aliases).

        Private SDK member ``Stream._write_activate_version_message``, the SDK's writer of the
        message, called by its sync only at the start of a read (see
        :meth:`stamp_table_version`).

        Args:
            version: The version the target is to activate.
        """
        self._write_activate_version_message(version)

    def record_extras(self) -> frozenset[str] | None:
        """Top-level properties the records carry beyond the catalog's selection, or None.

        A stream whose records hold only selected properties (plus the ones returned here)
        lets the tap skip the SDK's walk of the selection mask over every property of every
        record; None (the default) keeps the SDK's walk.

        Returns:
            The properties to drop from each record before it is written, or None.
        """
        return None

    @override
    def _generate_record_messages(
        self, record: dict[str, Any]
    ) -> Generator[singer.RecordMessage, None, None]:
        """RECORD messages of a record, without the SDK's per-record selection walk if possible.

        Private SDK member ``Stream._generate_record_messages``: for each record the SDK walks
        the selection mask over every property (``pop_deselected_record_properties``, about a
        fifth of the tap's CPU on wide tables) and then conforms types. This tap queries only
        the selected fields and emits values already conformed (``TYPE_CONFORMANCE_LEVEL`` NONE),
        so, when :meth:`record_extras` names the few extra properties, it drops those and
        builds the messages as the SDK does (stream maps, version, extraction time).

        Args:
            record: The record.

        Yields:
            One RECORD message per stream map that keeps the record.
        """
        extras = self.record_extras()
        if extras is None or self.TYPE_CONFORMANCE_LEVEL is not TypeConformanceLevel.NONE:
            yield from super()._generate_record_messages(record)
            return
        for name in extras:
            record.pop(name, None)
        extracted = dt.datetime.now(dt.UTC)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=extracted,
                )

    def synced_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """The stream's records as the SDK's sync processes them, without writing messages.

        Private SDK member ``Stream._sync_records``: the SDK's default ``get_batches`` (a public
        hook, overridden by the tap to cut files at its resume points) reads records through
        it with ``write_messages=False``; it post-processes each record, moves the bookmark
        and finalizes the state at the end. There is no public equivalent.

        Args:
            context: Stream partition context.

        Returns:
            The records, each processed (bookmark moved) before it is handed out.
        """
        return self._sync_records(context, write_messages=False)

    def moves_bookmark(self, record: Mapping[str, Any]) -> bool:  # noqa: ARG002
        """Whether an emitted record advances the bookmark (default: every record).

        Args:
            record: The record just emitted.

        Returns:
            True to let the SDK advance the bookmark to its replication-key value.
        """
        return True

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        """Let the SDK advance the bookmark only for records :meth:`moves_bookmark` accepts.

        Private SDK member ``Stream._increment_stream_state``: the SDK's sync loop calls it
        after writing each record. singer-sdk has no public hook that keeps an emitted
        record from moving the bookmark: ``is_sorted`` and ``check_sorted`` are read once,
        when the stream's state manager is created, and ``post_process`` can only drop the
        record. The tap needs it for rows re-read in the lookback window (below the stored
        bookmark, which a sorted read must not move backwards), for Bulk API rows (unsorted:
        the Bulk read moves the bookmark itself once every job is read) and for reported
        hard deletes (they carry no replication key).

        Args:
            latest_record: The record just emitted.
            context: Stream partition context.
        """
        if self.moves_bookmark(latest_record):
            super()._increment_stream_state(latest_record, context=context)


class TerminationHook(Tap):
    """A tap that decides itself what SIGTERM and SIGINT do.

    Subclasses override :meth:`on_termination_signal`.
    """

    def on_termination_signal(self, signum: int) -> None:  # noqa: ARG002
        """Act on SIGTERM or SIGINT (default: exit 0, as the SDK does).

        Args:
            signum: The signal received.
        """
        raise SystemExit(0)

    @override
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Hand SIGTERM and SIGINT to :meth:`on_termination_signal`.

        Private SDK member ``Tap._handle_termination``: ``PluginBase.__init__`` registers it
        (through the private ``_setup_signal_handlers``) as the handler of SIGINT and SIGTERM;
        it writes the tap state and exits with status 0, which tells an orchestrator the
        run succeeded. singer-sdk has no public hook for these signals, and a handler the
        tap registered itself would be replaced by the SDK's whenever a tap object is
        created. The tap needs exit status 143 / 130 and a STATE written only between
        messages.

        Args:
            signum: The signal received.
            frame: The interrupted frame: inside lock-handling standard code, the signal is
                delivered again a moment later (:func:`.termination.defer_in_lock_code`).
        """
        if defer_in_lock_code(signum, frame):
            return
        self.on_termination_signal(signum)

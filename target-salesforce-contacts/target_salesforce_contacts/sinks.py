"""The batch sink: collects a stream's records and hands each batch to the run's sync."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from salesforce_common import SalesforceError
from singer_sdk.sinks import BatchSink
from typing_extensions import override

from target_salesforce_contacts.errors import TargetError

if TYPE_CHECKING:
    from singer_sdk import Target
    from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum

    from target_salesforce_contacts.target import TargetSalesforceContacts


class ContactsSink(BatchSink):
    """Writes any stream's records as Contacts, one batch at a time.

    Records are kept as the tap sent them: no JSON-schema validation and no timestamp
    parsing (values are checked and converted per Contact field, and Salesforce validates
    what it receives), so a malformed record is dead-lettered instead of stopping the run.
    """

    def __init__(
        self,
        target: Target,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: list[str] | None,
    ) -> None:
        """Set up the stream's mapping (or note that the stream is not selected).

        Args:
            target: The target.
            stream_name: The stream.
            schema: Its JSON schema.
            key_properties: Its key properties (not used: Contacts are matched by email).
        """
        super().__init__(target, stream_name, schema, key_properties)
        self.contacts_target = cast("TargetSalesforceContacts", target)
        self.sync = self.contacts_target.sync
        streams = self.sync.settings.streams
        self.selected = streams is None or stream_name in streams
        self.pending_since: int | None = None
        """Sequence number of the oldest record not yet written (None: none pending)."""
        if self.selected:
            self.mapper = self.sync.mapper(stream_name)
            self.mapper.observe((schema.get("properties") or {}).keys())
        else:
            self.logger.info("Stream '%s' is not in `streams`: ignoring its records", stream_name)

    @override
    def get_validator(self) -> None:
        """No JSON-schema validation: bad records are dead-lettered, not fatal."""
        return

    @override
    def _parse_timestamps_in_record(
        self,
        record: dict[str, Any],
        schema: dict[str, Any],
        treatment: DatetimeErrorTreatmentEnum,
    ) -> None:
        """Keep date and time values as sent (they are converted per Contact field)."""

    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Queue a record of a selected stream for the current batch.

        Args:
            record: The record.
            context: The batch context.
        """
        if not self.selected:
            return
        sequence = self.contacts_target.next_sequence()
        if self.pending_since is None:
            self.pending_since = sequence
        context.setdefault("records", []).append(record)

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        """Write the batch; then let the target pass on the STATE messages now safe.

        Args:
            context: The batch context.

        Raises:
            TargetError: The batch could not be written completely (one-line message).
        """
        records = list(context.get("records") or [])
        if records:
            self.contacts_target.batch_started()
            try:
                self.sync.write_batch(self.stream_name, records)
            except (SalesforceError, TargetError) as exc:
                raise self.sync.stop(exc, self.stream_name, len(records)) from exc
        self.pending_since = None
        self.contacts_target.emit_safe_state()
        self.contacts_target.batch_finished()

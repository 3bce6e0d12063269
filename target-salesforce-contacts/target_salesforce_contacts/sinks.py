"""The batch sink: collects a stream's records and hands each batch to the run's sync."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from typing_extensions import override

from target_salesforce_contacts.sdk_compat import RawRecordsSink

if TYPE_CHECKING:
    from singer_sdk import Target

    from target_salesforce_contacts.sync import ContactSync


@runtime_checkable
class HasContactSync(Protocol):
    """What a sink needs of its target: the run's :class:`ContactSync`."""

    sync: ContactSync


class ContactsSink(RawRecordsSink):
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
        """Check the mapping against the org (first sink only); set up the stream's mapping.

        Args:
            target: The target; it must hold the run's ``sync``.
            stream_name: The stream.
            schema: Its JSON schema.
            key_properties: Its key properties (written to the ledger as the source key).

        Raises:
            TypeError: The target holds no ``sync``.
            MappingError: A mapped field is missing or not writable, or ``email_field`` or a
                ``field_mapping`` source is not a property of the stream (before any write).
        """
        if not isinstance(target, HasContactSync):
            raise TypeError(f"{type(self).__name__} needs a target with a `sync` (ContactSync)")
        self.sync = target.sync
        self.owner = target
        self._keep_sdc: bool | None = None
        """``include_sdc_metadata_properties``, read once (the SDK asks it for every record)."""
        _ = self.sync.mapping
        super().__init__(target, stream_name, schema, key_properties)
        streams = self.sync.settings.streams
        self.selected = streams is None or stream_name in streams
        if self.selected:
            self.mapper = self.sync.mapper(stream_name)
            properties = (schema.get("properties") or {}).keys()
            self.mapper.check_schema(properties)
            self.mapper.observe(properties)
        else:
            self.logger.info("Stream '%s' is not in `streams`: ignoring its records", stream_name)

    @override
    def get_validator(self) -> None:
        """No JSON-schema validation: bad records are dead-lettered, not fatal."""
        return

    @override
    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Queue a record of a selected stream for the current batch.

        Args:
            record: The record.
            context: The batch context.
        """
        if not self.selected:
            return
        self.sync.state.record_received(self)
        context.setdefault("records", []).append(record)

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        """Write the batch; then pass on the STATE messages now safe.

        Args:
            context: The batch context.
        """
        self.sync.commit_batch(
            self,
            self.stream_name,
            list(context.get("records") or []),
            list(self.key_properties or []),
        )

    @property
    @override
    def include_sdc_metadata_properties(self) -> bool:
        """Keep ``_sdc_deleted_at`` and ``_sdc_table_version`` when ``sync_deletes`` is on.

        Returns:
            True with ``sync_deletes`` or ``add_record_metadata``.
        """
        keep = self._keep_sdc
        if keep is None:
            keep = self.sync.settings.sync_deletes or bool(super().include_sdc_metadata_properties)
            self._keep_sdc = keep
        return keep

    @override
    def activate_version(self, new_version: int) -> None:
        """With ``sync_deletes``: write pending records, then delete what the version dropped.

        Without it, ACTIVATE_VERSION is ignored (logged).

        Args:
            new_version: The version the tap activated.
        """
        if not self.selected:
            return
        if self.sync.settings.sync_deletes:
            self.owner.drain_one(self)
        self.sync.activate_version(self.stream_name, new_version)

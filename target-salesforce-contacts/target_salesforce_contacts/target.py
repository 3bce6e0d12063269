"""target-salesforce-contacts: any Singer stream in, Salesforce Contacts matched by email out."""

from __future__ import annotations

import copy
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from salesforce_common import ConfigError, SalesforceError
from singer_sdk import Target
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities
from typing_extensions import override

from target_salesforce_contacts.errors import TargetError
from target_salesforce_contacts.settings import CONFIG_JSONSCHEMA, TargetSettings, redact
from target_salesforce_contacts.sinks import ContactsSink
from target_salesforce_contacts.sync import ContactSync

if TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.helpers.capabilities import CapabilitiesEnum


class TargetSalesforceContacts(Target):
    """Upserts Salesforce Contacts matched by email from any Singer stream (reverse ETL)."""

    name = "target-salesforce-contacts"
    config_jsonschema = CONFIG_JSONSCHEMA
    default_sink_class = ContactsSink
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    @override
    def __init__(self, **kwargs: Any) -> None:
        """Validate the config and prepare the run; sends nothing to Salesforce.

        Args:
            **kwargs: As for :class:`singer_sdk.Target`.

        Raises:
            ConfigError: Invalid settings (one line naming the setting, no secret).
        """
        super().__init__(**kwargs)
        self.max_parallelism = 1
        self.settings = TargetSettings.from_config(self.config)
        self.sync = ContactSync(self.config, self.settings, self.logger)
        self._sequence = 0
        self._writing = False
        self._stop_signal: int | None = None
        self._state_queue: list[tuple[int, dict[str, Any]]] = []
        self._emitted_state: dict[str, Any] | None = None

    @classmethod
    @override
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Run the target; a Salesforce or target error exits 1 after one ERROR line.

        Args:
            *args: As for :meth:`singer_sdk.Target.invoke`.
            **kwargs: As for :meth:`singer_sdk.Target.invoke`.
        """
        try:
            super().invoke(*args, **kwargs)
        except (SalesforceError, TargetError) as error:
            cls.logger.error("%s", error)
            sys.exit(1)

    @classmethod
    @override
    def append_builtin_config(cls, config_jsonschema: dict[str, Any]) -> None:
        """Add the SDK's built-in settings, except ``load_method`` (``sync_mode`` decides).

        Args:
            config_jsonschema: The schema to extend in place.
        """
        super().append_builtin_config(config_jsonschema)
        config_jsonschema["properties"].pop("load_method", None)

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Validate the config; errors become one ``ConfigError`` line without secrets.

        Args:
            raise_errors: Raise on invalid config.

        Returns:
            Validation errors (when not raising).

        Raises:
            ConfigError: The config does not match the settings schema.
        """
        try:
            return super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            details = "; ".join(exc.errors) or str(exc)
            raise ConfigError(redact(f"invalid config: {details}", self._config)) from None

    # -- messages -------------------------------------------------------------------------

    @override
    def _process_schema_message(self, message_dict: dict[str, Any]) -> None:
        """Check the mapping against the org (first time only), then register the stream.

        Args:
            message_dict: The SCHEMA message.
        """
        _ = self.sync.mapping
        super()._process_schema_message(message_dict)

    @override
    def _process_state_message(self, message_dict: dict[str, Any]) -> None:
        """Queue the STATE; pass it on at once if every earlier record is done.

        A STATE is passed on only once every record received before it has been written or
        dead-lettered: after each batch the latest such STATE is emitted; a batch that fails
        emits nothing.

        Args:
            message_dict: The STATE message.
        """
        state = message_dict.get("value")
        changed = state != self._latest_state
        super()._process_state_message(message_dict)
        if changed and state is not None:
            self._state_queue.append((self._sequence, copy.deepcopy(state)))
            self.emit_safe_state()

    @override
    def _process_activate_version_message(self, message_dict: dict[str, Any]) -> None:
        """Ignore ACTIVATE_VERSION: this target never deletes Contacts.

        Args:
            message_dict: The message.
        """
        self.logger.debug("Ignoring ACTIVATE_VERSION for stream %s", message_dict.get("stream"))

    def next_sequence(self) -> int:
        """Number a record received for writing (for STATE bookkeeping).

        Returns:
            Its sequence number.
        """
        self._sequence += 1
        return self._sequence - 1

    def _oldest_pending(self) -> int | None:
        """Sequence number of the oldest record not yet written, in any sink."""
        sinks = [*self._sinks_active.values(), *self._sinks_to_clear]
        pending = [
            s.pending_since
            for s in sinks
            if isinstance(s, ContactsSink) and s.pending_since is not None
        ]
        return min(pending, default=None)

    def emit_safe_state(self) -> None:
        """Emit the latest queued STATE all of whose earlier records are written."""
        oldest = self._oldest_pending()
        ready = [entry for entry in self._state_queue if oldest is None or entry[0] <= oldest]
        if ready:
            self._state_queue = self._state_queue[len(ready) :]
            self._emit(ready[-1][1])

    @override
    def _write_state_message(self, state: dict[str, Any]) -> None:
        """Pass on the latest STATE after the SDK drained every sink (if nothing is pending).

        Args:
            state: The latest state received.
        """
        if self._oldest_pending() is not None:
            return
        self._state_queue = []
        self._emit(state)

    def _emit(self, state: dict[str, Any]) -> None:
        """Write a STATE to stdout unless it was the last one written."""
        if state == self._emitted_state:
            return
        self._emitted_state = copy.deepcopy(state)
        super()._write_state_message(state)

    # -- end of run -----------------------------------------------------------------------

    @override
    def process_endofpipe(self) -> None:
        """Write what is left, pass on the last STATE, log the summary."""
        super().process_endofpipe()
        self.sync.finish()

    def batch_started(self) -> None:
        """Note that a batch is being written (a signal then waits for it to finish)."""
        self._writing = True

    def batch_finished(self) -> None:
        """Note that the batch is written; exit now if a signal arrived meanwhile."""
        self._writing = False
        if self._stop_signal is not None:
            self.sync.finish(stopped=True)
            self.logger.info(
                "Stopped by signal %d after the batch being written", self._stop_signal
            )
            sys.exit(128 + self._stop_signal)

    @override
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """On SIGTERM/SIGINT write what was received, pass on the STATE, then exit.

        While a batch is being written the signal only asks to stop after it: writing the
        same records again from inside the handler could duplicate a create in flight.

        Args:
            signum: The signal.
            frame: The interrupted frame.
        """
        if self._writing:
            self.logger.info("Received signal %d: finishing the batch being written", signum)
            self._stop_signal = signum
            return
        self.logger.info("Received signal %d: writing pending records, then exiting", signum)
        try:
            self.drain_all(is_endofpipe=True)
        except (SalesforceError, TargetError) as error:
            self.logger.error("%s", error)
            sys.exit(1)
        self.sync.finish()
        sys.exit(0)

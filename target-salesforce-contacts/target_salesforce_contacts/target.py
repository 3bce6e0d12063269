"""target-salesforce-contacts: any Singer stream in, Salesforce Contacts matched by email out."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, ClassVar

from salesforce_common import SECRET_SETTINGS, ConfigError, SalesforceError, Secrets
from salesforce_common.cli import OneLineErrorCommand
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from typing_extensions import override

from target_salesforce_contacts.errors import TargetError
from target_salesforce_contacts.reader import CheckedSingerReader
from target_salesforce_contacts.sdk_compat import StateHooksTarget
from target_salesforce_contacts.settings import CONFIG_JSONSCHEMA, TargetSettings
from target_salesforce_contacts.sinks import ContactsSink
from target_salesforce_contacts.sync import ContactSync

if TYPE_CHECKING:
    import click
    from singer_sdk.helpers.capabilities import CapabilitiesEnum


class TargetSalesforceContacts(StateHooksTarget):
    """Upserts Salesforce Contacts matched by email from any Singer stream (reverse ETL)."""

    name = "target-salesforce-contacts"
    config_jsonschema = CONFIG_JSONSCHEMA
    default_sink_class = ContactsSink
    message_reader_class = CheckedSingerReader
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        TargetCapabilities.HARD_DELETE,
        TargetCapabilities.SOFT_DELETE,
        PluginCapabilities.ACTIVATE_VERSION,
    ]

    @override
    def __init__(self, **kwargs: Any) -> None:
        """Validate the config and prepare the run; sends nothing to Salesforce.

        Args:
            **kwargs: As for :class:`singer_sdk.Target`.

        Raises:
            ConfigError: Invalid settings (one line naming the setting, no secret).
        """
        try:
            super().__init__(**kwargs)
        except ConfigValidationError as exc:
            # The SDK reads the config before it validates it, so it can be redacted here.
            details = "; ".join(exc.errors) or str(exc)
            secrets = Secrets.from_config(self.config, SECRET_SETTINGS)
            raise ConfigError(secrets.redact(f"invalid config: {details}")) from None
        self.max_parallelism = 1
        if isinstance(self.message_reader, CheckedSingerReader):
            self.message_reader.known_streams = lambda: self.mapper.stream_maps
        self.settings = TargetSettings.from_config(self.config)
        self.sync = ContactSync(
            self.config, self.settings, self.logger, write_state=self.write_state
        )

    @classmethod
    @override
    def get_singer_command(cls) -> click.Command:
        """The SDK's command line; Salesforce and target errors exit 1 after one ERROR line.

        Returns:
            The click command.
        """
        return OneLineErrorCommand.from_command(
            super().get_singer_command(), cls.logger, handled=(SalesforceError, TargetError)
        )

    @classmethod
    @override
    def append_builtin_config(cls, config_jsonschema: dict[str, Any]) -> None:
        """Add the SDK's built-in settings, except ``load_method`` and ``hard_delete``.

        ``sync_mode`` decides how records load, and ``sync_deletes`` with ``delete_mode``
        (``delete``: hard, ``flag``: soft) how deletes do.

        Args:
            config_jsonschema: The schema to extend in place.
        """
        super().append_builtin_config(config_jsonschema)
        config_jsonschema["properties"].pop("load_method", None)
        config_jsonschema["properties"].pop("hard_delete", None)

    # -- STATE ----------------------------------------------------------------------------

    @override
    def state_received(self, state: dict[str, Any]) -> None:
        """Queue the STATE; it is passed on once every earlier record is written.

        Args:
            state: The STATE message's value.
        """
        self.sync.state.state_received(state)

    @override
    def sinks_drained(self, state: dict[str, Any]) -> None:
        """Pass on the latest STATE after every sink was drained (if nothing is pending).

        The batch whose writes are in flight is waited for first.

        Args:
            state: The latest STATE received.
        """
        self.sync.settle()
        self.sync.state.all_written(state)

    # -- end of run -----------------------------------------------------------------------

    @override
    def process_endofpipe(self) -> None:
        """Write what is left, pass on the last STATE, log the summary.

        Raises:
            InputError: Reading stopped at a bad input line (after the records before it
                were written and their STATE passed on).
        """
        super().process_endofpipe()
        self.sync.finish()
        if isinstance(self.message_reader, CheckedSingerReader) and self.message_reader.error:
            raise self.message_reader.error

    @override
    def stop_requested(self, signum: int) -> None:
        """On SIGTERM/SIGINT write what was received, pass on the STATE, then exit.

        While a batch is being written the signal only asks to stop after it: writing the
        same records again from inside the handler could duplicate a create in flight.

        Args:
            signum: The signal.
        """
        if self.sync.state.defer_stop(signum):
            self.logger.info("Received signal %d: finishing the batch being written", signum)
            return
        self.logger.info("Received signal %d: writing pending records, then exiting", signum)
        try:
            self.drain_all(is_endofpipe=True)
        except (SalesforceError, TargetError) as error:
            self.logger.error("%s", error)
            sys.exit(1)
        self.sync.finish()
        sys.exit(0)

"""The command line: the SDK's Singer command, with Salesforce errors as one line."""

from __future__ import annotations

import sys
from typing import Any

import click
from salesforce_common import SalesforceError
from singer_sdk.plugin_base import SingerCommand
from typing_extensions import override


class SalesforceCommand(SingerCommand):
    """The SDK's Singer command; a :class:`SalesforceError` ends the run with one line.

    The shared library's errors (bad settings, refused login, API failures, the quota
    guard) already read as one line naming the cause and fix, with secrets redacted. They
    can be raised while options are parsed (``--discover`` runs in a callback) or while the
    command runs, so they are caught around :meth:`main`: logged at ERROR without a
    traceback, exit status 1.
    """

    @classmethod
    def from_command(cls, command: click.Command, logger: Any) -> SalesforceCommand:
        """Rebuild a command built by the SDK as a :class:`SalesforceCommand`.

        Args:
            command: The SDK's command.
            logger: The plugin logger.

        Returns:
            The same command (name, callback, options, help) with one-line errors.
        """
        return cls(
            name=command.name,
            callback=command.callback,
            params=command.params,
            help=command.help,
            context_settings=command.context_settings,
            logger=logger,
        )

    @override
    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command; a Salesforce error exits with status 1 after one ERROR line.

        Args:
            *args: Passed to :meth:`click.Command.main`.
            **kwargs: Passed to :meth:`click.Command.main`.

        Returns:
            What the command returns (in standalone mode it exits instead).
        """
        try:
            return super().main(*args, **kwargs)
        except SalesforceError as error:
            self.logger.error("%s", error)
            sys.exit(1)

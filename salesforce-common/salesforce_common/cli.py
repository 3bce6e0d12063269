"""The plugins' command line: the SDK's Singer command, with known errors as one line.

Both plugins build their command with :meth:`OneLineErrorCommand.from_command`. The shared
library's errors (bad settings, refused login, API failures, the quota guard) and a plugin's
own run errors already read as one line naming the cause and the fix, with secrets redacted.
They can be raised while options are parsed (``--discover`` runs in a callback) or while the
command runs, so they are caught around :meth:`main`: logged at ERROR without a traceback,
exit status 1.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from singer_sdk.plugin_base import SingerCommand
from typing_extensions import override

from salesforce_common.errors import SalesforceError

EXIT_FAILURE = 1
"""Exit status of a run that ended with a one-line error."""


class OneLineErrorCommand(SingerCommand):
    """The SDK's Singer command; the errors in :attr:`handled` end the run with one line.

    Attributes:
        handled: Exception types reported as one ERROR line (no traceback), exit status 1.
    """

    handled: tuple[type[BaseException], ...] = (SalesforceError,)

    @classmethod
    def from_command(
        cls,
        command: click.Command,
        logger: Any,
        *,
        handled: tuple[type[BaseException], ...] = (SalesforceError,),
    ) -> OneLineErrorCommand:
        """Rebuild a command built by the SDK as a :class:`OneLineErrorCommand`.

        Args:
            command: The SDK's command.
            logger: The plugin logger.
            handled: The exception types to report as one line.

        Returns:
            The same command (name, callback, options, help) with one-line errors.
        """
        rebuilt = cls(
            name=command.name,
            callback=command.callback,
            params=command.params,
            help=command.help,
            context_settings=command.context_settings,
            logger=logger,
        )
        rebuilt.handled = handled
        return rebuilt

    @override
    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command; a handled error exits with status 1 after one ERROR line.

        Args:
            *args: Passed to :meth:`click.Command.main`.
            **kwargs: Passed to :meth:`click.Command.main`.

        Returns:
            What the command returns (in standalone mode it exits instead).
        """
        try:
            return super().main(*args, **kwargs)
        except self.handled as error:
            self.logger.error("%s", error)
            sys.exit(EXIT_FAILURE)

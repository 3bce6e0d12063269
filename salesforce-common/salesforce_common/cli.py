"""The plugins' command line: the SDK's Singer command, with known errors as one line.

Both plugins build their command with :meth:`OneLineErrorCommand.from_command`. The shared
library's errors (bad settings, refused login, API failures, the quota guard) and a plugin's
own run errors already read as one line naming the cause and the fix, with secrets redacted.
They can be raised while options are parsed (``--discover`` runs in a callback) or while the
command runs, so they are caught around :meth:`main`: logged at ERROR without a traceback,
exit status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from singer_sdk.plugin_base import SingerCommand
from typing_extensions import override

from salesforce_common.errors import ConfigError, SalesforceError

EXIT_FAILURE = 1
"""Exit status of a run that ended with a one-line error."""

JSON_FILE_OPTIONS = {"--config": "config", "--state": "state", "--catalog": "catalog"}
"""Options naming a JSON file that must hold an object (``--config ENV`` reads the env)."""


def _option_values(argv: list[str], option: str) -> list[str]:
    """Values given to ``option`` as ``--opt value`` or ``--opt=value``."""
    values = []
    for index, arg in enumerate(argv):
        if arg == option and index + 1 < len(argv):
            values.append(argv[index + 1])
        elif arg.startswith(option + "="):
            values.append(arg.split("=", 1)[1])
    return values


def check_json_files(argv: list[str]) -> None:
    """Fail in one line when a ``--config``, ``--state`` or ``--catalog`` file is unusable.

    The file's content is never quoted (a config holds secrets): only the position of a JSON
    syntax error.

    Args:
        argv: The command-line arguments.

    Raises:
        ConfigError: A file is missing, unreadable, not JSON, or not a JSON object.
    """
    for option, what in JSON_FILE_OPTIONS.items():
        for value in _option_values(argv, option):
            if option == "--config" and value == "ENV":
                continue
            path = Path(value)
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ConfigError(f"{what} file {value} does not exist") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(
                    f"{what} file {value} cannot be read ({type(exc).__name__})"
                ) from None
            try:
                content = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"{what} file {value} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                    f"column {exc.colno})"
                ) from None
            if not isinstance(content, dict):
                raise ConfigError(
                    f"{what} file {value} must hold a JSON object, not {type(content).__name__}"
                )


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
            check_json_files(list(args[0]) if args and args[0] is not None else sys.argv[1:])
            return super().main(*args, **kwargs)
        except self.handled as error:
            self.logger.error("%s", error)
            sys.exit(EXIT_FAILURE)

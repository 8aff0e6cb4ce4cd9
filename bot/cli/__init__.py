"""`loudao`: one CLI of subcommands; each command module adds its parsers and their functions.

Command modules import the database, PTB and the use cases inside their functions, so commands
that need none of them (`classify`, `duty`, `faq ask`, `--help`) start quickly.
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Sequence

from bot.cli import (
    audit,
    check,
    classify,
    corrections,
    db,
    duty,
    export,
    faq,
    households,
    init,
    load,
    points,
    report,
    serve,
    train,
)
from bot.cli.common import Command
from bot.config import SettingsError, load_settings
from bot.domain.errors import ConfigFileError, ConfigFileErrors, LoudaoError
from bot.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """Build the `loudao` parser: every subcommand names its function with set_defaults."""
    parser = argparse.ArgumentParser(
        prog="loudao",
        description="Loudao (楼道) – the service desk in your building group chats.",
    )
    parser.set_defaults(func=serve.run)  # `loudao` alone is `loudao run`
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        serve,
        init,
        check,
        load,
        db,
        classify,
        faq,
        corrections,
        train,
        duty,
        audit,
        export,
        households,
        report,
        points,
    ):  # order of --help
        module.add_commands(commands.add_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `loudao` command and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level,
        settings.log_format,
        secrets=(settings.bot_token, settings.webhook_secret),
    )
    command: Command = args.func
    try:
        return command(args, settings)
    except (ConfigFileError, ConfigFileErrors) as exc:
        print(exc, file=sys.stderr)
        return 1
    except LoudaoError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (ConnectionError, socket.gaierror, TimeoutError) as exc:  # one line, no traceback
        print(f"cannot connect: {exc} (is LOUDAO_DATABASE_URL's server up?)", file=sys.stderr)
        return 2
    except Exception as exc:
        # Imported only here: a command that never opened the database need not load it.
        from bot.bootstrap import DatabaseNotReady

        if not isinstance(exc, DatabaseNotReady):
            raise
        print(exc, file=sys.stderr)
        return 2

"""`loudao`: one CLI of subcommands; each command module adds its parsers and their functions.

Command modules import the database, PTB and the use cases inside their functions, so commands
that need none of them (`classify`, `duty`, `faq ask`, `--help`) start quickly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import check, classify, corrections, db, duty, faq, init, load, serve
from bot.cli.common import Command
from bot.config import SettingsError, load_settings
from bot.domain.errors import ConfigFileError, ConfigFileErrors, LoudaoError


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
        duty,
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
    _configure_logging(settings.log_level)
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
    except Exception as exc:
        # Imported only here: a command that never opened the database need not load it.
        from bot.bootstrap import DatabaseNotReady

        if not isinstance(exc, DatabaseNotReady):
            raise
        print(exc, file=sys.stderr)
        return 2


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "apscheduler", "aiohttp.access", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # With max_retries=0 PTB's limiter logs every 429 as an error with a traceback; the outbox
    # sender waits as Telegram asks and retries, so this is routine, not an error.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)

"""How log lines look – plain text, or one JSON object a line – and which libraries keep quiet.

Loudao's own log lines carry ids only (update, ticket number, chat, outbox item), never what
people wrote: texts hold rooms and phone numbers. In JSON the ids a line names are also fields
(`extra=` on the logging call), so a log store can find every line about one update.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose routine lines are noise at INFO.
QUIET = {
    "httpx": logging.WARNING,  # one line per Bot API call, with the token in the URL
    "apscheduler": logging.WARNING,
    "aiohttp.access": logging.WARNING,
    "alembic.runtime.plugins": logging.WARNING,
    # at INFO SQLAlchemy prints every statement with its parameters – message texts
    "sqlalchemy": logging.WARNING,
}
# Libraries whose DEBUG lines print whole updates, requests or SQL parameters – message texts:
# LOUDAO_LOG_LEVEL=DEBUG is for Loudao's own lines, these stay at INFO.
NO_DEBUG = ("telegram", "httpcore", "hpack", "aiosqlite", "asyncpg", "asyncio")


def formatter(fmt: LogFormat) -> logging.Formatter:
    """Return the formatter of one log format."""
    if fmt == "json":
        # level, logger, message, the line's extras (update_id, ticket, chat_id ...), time (UTC)
        return JsonFormatter(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,  # Chinese stays readable
        )
    return logging.Formatter(TEXT)


def configure_logging(level: str, fmt: LogFormat = "text", stream: TextIO | None = None) -> None:
    """Send every log line to `stream` (stderr) in `fmt`, at `level` for Loudao's own code."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    floor = max(logging.getLevelNamesMapping()[level], logging.INFO)
    for name in NO_DEBUG:
        logging.getLogger(name).setLevel(floor)

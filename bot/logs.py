"""How log lines look – plain text, or one JSON object a line – and which libraries keep quiet.

Loudao's own log lines carry ids only (update, ticket number, chat, outbox item), never what
people wrote: texts hold rooms and phone numbers. In JSON the ids a line names are also fields
(`extra=` on the logging call), so a log store can find every line about one update.

Whatever a line comes from – our code, a library at any level, a traceback – `Redact`, on every
handler, blanks the bot token, the webhook secret, phone numbers, rooms and people's words
before the line is written (bot/redaction.py says what it looks for).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.redaction import HIDDEN, Redactor

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


# Loudao's own loggers; a library's DEBUG line keeps only plain values of its arguments
OWN = ("bot", "handlers", "storage", "faq", "web", "sandbox", "__main__")
_PLAIN_ARG_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/:`<>[]"
)
# the attributes every LogRecord has; any other is an `extra=` field (JSON shows them)
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}
_TRACEBACKS = logging.Formatter()


class Redact(logging.Filter):
    """Blank secrets and personal data in a record: its message, extras and traceback.

    A library's DEBUG line (PTB prints whole updates and Bot API calls, aiosqlite every
    statement with its values, SQLAlchemy result rows) keeps its arguments only when they are
    numbers or short plain words (a method name, a URL – whose token is then blanked)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.levelno < logging.INFO and not _own(record.name):
            record.args = _plain_args(record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a call whose arguments do not fit its format
            message = f"{record.msg} {HIDDEN}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info:
            # formatted here, once, so text and JSON formatters both print the blanked copy
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def _own(name: str) -> bool:
    return name.split(".", 1)[0] in OWN


def _plain_args(
    args: tuple[object, ...] | Mapping[str, object],
) -> tuple[object, ...] | dict[str, object]:
    if isinstance(args, Mapping):
        return {key: _plain(value) for key, value in args.items()}
    return tuple(_plain(value) for value in args)


def _plain(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str) and len(value) <= 200 and set(value) <= _PLAIN_ARG_CHARS:
        return value
    return HIDDEN


def configure_logging(
    level: str,
    fmt: LogFormat = "text",
    stream: TextIO | None = None,
    secrets: Iterable[str | None] = (),
) -> None:
    """Send every log line to `stream` (stderr) in `fmt`, at `level` for Loudao's own code,
    with `secrets` (the bot token, the webhook secret) and personal data blanked."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(Redact(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    floor = max(logging.getLevelNamesMapping()[level], logging.INFO)
    for name in NO_DEBUG:
        logging.getLogger(name).setLevel(floor)

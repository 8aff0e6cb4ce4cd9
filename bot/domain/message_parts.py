"""Long messages in parts: Telegram takes at most 4096 characters of text per message.

Texts are Telegram HTML. A part is cut at a line break where there is one, otherwise between
characters outside any tag or `&…;` entity, so every part parses on its own as long as tags
open and close on one line (the catalogues' texts do).
"""

from __future__ import annotations

import html
import re

TELEGRAM_TEXT_LIMIT = 4096  # characters after entities are parsed
PART_LIMIT = 4000  # what we put in one message: a margin under Telegram's limit
_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str) -> int:
    """The length Telegram counts: the text without tags, entities decoded."""
    return len(html.unescape(_TAG.sub("", text)))


def split_message(text: str, limit: int = PART_LIMIT) -> list[str]:
    """The text in parts of at most `limit` visible characters, cut at line breaks."""
    if visible_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            if current and visible_length("\n".join([*current, piece])) > limit:
                parts.append("\n".join(current))
                current = []
            current.append(piece)
    if current:
        parts.append("\n".join(current))
    return [p for p in parts if p.strip()]


def shorten(text: str, limit: int = PART_LIMIT) -> str:
    """The text cut to `limit` visible characters with an ellipsis (an edit cannot split)."""
    if visible_length(text) <= limit:
        return text
    return split_message(text, limit - 1)[0] + "…"


def _cut_line(line: str, limit: int) -> list[str]:
    """A line longer than `limit` in pieces, each cut outside tags and entities."""
    pieces: list[str] = []
    while visible_length(line) > limit:
        at = _cut_point(line, limit)
        pieces.append(line[:at])
        line = line[at:]
    pieces.append(line)
    return pieces


def _cut_point(line: str, limit: int) -> int:
    """The index after the `limit`-th visible character, never inside a tag or an entity."""
    seen = 0
    i = 0
    while i < len(line) and seen < limit:
        if line[i] == "<":
            end = line.find(">", i)
            i = len(line) if end == -1 else end + 1
            continue
        if line[i] == "&":
            end = line.find(";", i, i + 12)
            i = i + 1 if end == -1 else end + 1
        else:
            i += 1
        seen += 1
    return i

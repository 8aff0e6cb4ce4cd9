"""Compute message entities the way Telegram does, with offsets in UTF-16 code units."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

Entity = dict[str, Any]

_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}(?!\w)")


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def utf16_offset(text: str, index: int) -> int:
    """Convert a Python string index into a UTF-16 offset."""
    return utf16_len(text[:index])


def utf16_slice(text: str, offset: int, length: int) -> str:
    """Return the substring at a UTF-16 offset and length."""
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le")


def user_entities(text: str, known_usernames: Iterable[str]) -> list[Entity]:
    """Find `bot_command` and `mention` entities in a message a user typed."""
    known = {name.lower() for name in known_usernames if name}
    found: list[tuple[int, int, str]] = []
    for match in _COMMAND_RE.finditer(text):
        found.append((match.start(), match.end(), "bot_command"))
    for match in _MENTION_RE.finditer(text):
        if match.group()[1:].lower() in known:
            found.append((match.start(), match.end(), "mention"))
    found.sort()
    return [
        {
            "type": kind,
            "offset": utf16_offset(text, start),
            "length": utf16_len(text[start:end]),
        }
        for start, end, kind in found
    ]


def text_mentions(text: str, people: Iterable[tuple[str, Entity]]) -> list[Entity]:
    """`text_mention` entities for people picked from the member list: each (name, Bot API
    User) marks the first place the name stands in the text (Telegram's mention by id, "for
    users without usernames"). ValueError names a person whose name is not in the text."""
    found: list[Entity] = []
    for name, user in people:
        start = text.find(name)
        if not name or start < 0:
            raise ValueError(f"the name {name!r} of user {user['id']} is not in the text")
        found.append(
            {
                "type": "text_mention",
                "offset": utf16_offset(text, start),
                "length": utf16_len(name),
                "user": user,
            }
        )
    return found


def command_of(text: str, entities: list[Entity]) -> tuple[str, str | None] | None:
    """Return (command, addressed bot username) when the text starts with a command."""
    for entity in entities:
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            word = utf16_slice(text, 0, entity["length"])[1:]
            name, _, target = word.partition("@")
            return name, target or None
    return None

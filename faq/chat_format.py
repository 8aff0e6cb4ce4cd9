"""The one-line entry format admins type in chat: `<id> | 问法1；问法2 | 答案`."""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATOR = "|"
# Phrasings are separated by a semicolon (full- or half-width) or a new line.
_QUESTION_SPLIT = re.compile(r"[；;\n]+")
_FULLWIDTH_BAR = "｜"


@dataclass(frozen=True)
class EntryLine:
    """What an admin typed: an id, phrasings and an answer (empty parts mean "keep" on edit)."""

    entry_id: str
    questions: tuple[str, ...]
    answer: str


class EntryLineError(ValueError):
    """The text is not `<id> | 问法1；问法2 | 答案`."""


def parse_entry_line(text: str, *, need_all: bool) -> EntryLine:
    """Split admin text into id, phrasings and answer; `need_all` for adding a new entry."""
    parts = text.replace(_FULLWIDTH_BAR, SEPARATOR).split(SEPARATOR, 2)
    entry_id = parts[0].strip()
    if not entry_id or len(entry_id.split()) != 1:
        raise EntryLineError("id")
    questions = (
        tuple(q.strip() for q in _QUESTION_SPLIT.split(parts[1]) if q.strip())
        if len(parts) > 1
        else ()
    )
    answer = parts[2].strip() if len(parts) > 2 else ""
    if need_all and (not questions or not answer):
        raise EntryLineError("parts")
    return EntryLine(entry_id, questions, answer)

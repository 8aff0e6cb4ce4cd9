"""Reading a staff correction of a ticket's level or category (/level, /kind)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.errors import InvalidInput

#: words for the three levels, as staff write them
LEVEL_WORDS: Mapping[str, int] = {
    "1": 1, "一": 1, "一级": 1, "紧急": 1, "急": 1, "emergency": 1, "urgent": 1,
    "2": 2, "二": 2, "二级": 2, "日常": 2, "普通": 2, "everyday": 2, "routine": 2,
    "3": 3, "三": 3, "三级": 3, "复杂": 3, "complex": 3,
}  # fmt: skip


@dataclass(frozen=True)
class Correction:
    level: int | None = None
    category: str | None = None


def read_correction(words: Sequence[str], labels: Mapping[str, Sequence[str]]) -> Correction:
    """Read levels and categories from `words`; `labels` maps each category code to its names.

    A category may be written as its code, its full name (漏水渗水) or a part of exactly one
    name (漏水). Anything else is refused with the word that was not understood.
    """
    level: int | None = None
    category: str | None = None
    for raw in words:
        word = raw.strip().lower()
        if not word:
            continue
        if word in LEVEL_WORDS:
            level = LEVEL_WORDS[word]
            continue
        exact = [code for code, names in labels.items() if word == code or word in names]
        partial = [
            code
            for code, names in labels.items()
            if len(word) >= 2 and any(word in name for name in names)
        ]
        found = exact or partial
        if len(set(found)) != 1:
            raise InvalidInput("tickets.fix.unknown", word=raw[:20])
        category = found[0]
    if level is None and category is None:
        raise InvalidInput("tickets.fix.usage")
    return Correction(level, category)

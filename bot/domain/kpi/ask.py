"""What an admin asks for after /stats: a period and at most one slice, in any order.

`/stats 上月 3号楼`, `/stats G1`, `/stats 2026-11 张师傅`, `/stats 一级`, `/stats 漏水`.
Words are tried as a period first (a range may hold spaces: 2026-11-03 至 2026-11-09), then
one at a time as a grid, a building, a level, a category or a staff member's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.domain.kpi.facts import EVERYTHING, Slice
from bot.domain.kpi.period import Period, month, parse_period

_LEVELS = {
    "一级": 1, "二级": 2, "三级": 3, "l1": 1, "l2": 2, "l3": 3,
    "紧急": 1, "一般": 2, "复杂": 3, "emergency": 1, "routine": 2, "complex": 3,
}  # fmt: skip
_BUILDING = re.compile(r"^(.+?)(?:号楼|号|栋|幢|座)$")


@dataclass(frozen=True)
class StatsAsk:
    """A period, a slice, and who the slice names (for the title)."""

    period: Period
    where: Slice = EVERYTHING
    scope: tuple[str, str] | None = None  # (grid|building|category|level|staff, its name)


@dataclass(frozen=True)
class Vocabulary:
    """What the words may name in one community."""

    grids: Sequence[str]
    buildings: Sequence[str]
    categories: Mapping[str, str]  # a word (code or label, lower case) → category code
    staff: Mapping[str, int]  # a staff member's name → Telegram id


def read_stats_words(words: str, today: date, tz: str, vocabulary: Vocabulary) -> StatsAsk | str:
    """The request in `words` (this month by default), or the first word not understood."""
    period = parse_period(words, today, tz) if words.strip() else None
    if period is not None:
        return StatsAsk(period)
    ask = StatsAsk(month(today, tz))
    chosen_period: Period | None = None
    for word in words.split():
        found = parse_period(word, today, tz)
        if found is not None and chosen_period is None:
            chosen_period = found
            ask = replace(ask, period=found)
            continue
        sliced = _slice_of(word, vocabulary)
        if sliced is None or ask.scope is not None:
            return word
        ask = replace(ask, where=sliced[0], scope=sliced[1])
    return ask


def _slice_of(word: str, v: Vocabulary) -> tuple[Slice, tuple[str, str]] | None:
    low = word.lower()
    if word in v.grids:
        return Slice(grid=word), ("grid", word)
    building = _building(word, v.buildings)
    if building is not None:
        return Slice(building=building), ("building", building)
    if low in _LEVELS:
        level = _LEVELS[low]
        return Slice(level=level), ("level", str(level))
    if low in v.categories:
        code = v.categories[low]
        return Slice(category=code), ("category", code)
    if word in v.staff:
        return Slice(assignee_id=v.staff[word]), ("staff", word)
    return None


def _building(word: str, buildings: Sequence[str]) -> str | None:
    if word in buildings:
        return word
    m = _BUILDING.match(word)
    return m.group(1) if m and m.group(1) in buildings else None

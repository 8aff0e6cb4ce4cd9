"""A complex matter's plan (level 3, 「2 周内给出方案」): staff reply 「方案：…」 naming who does
what by when; each dated line is a milestone the holder is reminded of on its day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PLAN_PREFIX = re.compile(r"^\s*(?:方案|处理方案|计划|plan)\s*[:：]\s*", re.IGNORECASE)
_DATE = re.compile(r"(?:(\d{4})\s*[年/-]\s*)?(\d{1,2})\s*[月/-]\s*(\d{1,2})\s*[日号]?")
MAX_MILESTONES = 10


@dataclass(frozen=True)
class Milestone:
    """One step of the plan: by `day`, `what` (the line as staff wrote it)."""

    day: date
    what: str


def plan_text(text: str) -> str | None:
    """The plan, when a staff reply is one (「方案：…」), else None."""
    match = PLAN_PREFIX.match(text)
    if match is None:
        return None
    body = text[match.end() :].strip()
    return body or None


def milestones(plan: str, today: date) -> list[Milestone]:
    """The dated steps of a plan, in date order; a date without a year is the next such day.
    A line is a step; a line with several dates (newlines lost on the way) splits at each."""
    found: list[Milestone] = []
    for line in re.split(r"[\n；;。]", plan):
        dates = list(_DATE.finditer(line))
        for n, match in enumerate(dates):
            start = 0 if n == 0 else match.start()
            end = dates[n + 1].start() if n + 1 < len(dates) else len(line)
            when = _day(match, today)
            if when is not None:
                found.append(Milestone(when, line[start:end].strip(" ，,")[:80]))
    return sorted(found, key=lambda m: m.day)[:MAX_MILESTONES]


def _day(match: re.Match[str], today: date) -> date | None:
    year, month, day = match.groups()
    try:
        when = date(int(year) if year else today.year, int(month), int(day))
    except ValueError:
        return None  # 2月30日: not a date
    if year is None and when < today:
        when = date(today.year + 1, when.month, when.day)
    return when

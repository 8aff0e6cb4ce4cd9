"""The period a figure covers: this week, last month, a month, a date range – in local time.

A period is a half-open range of local days [first, last + 1 day) in the community's timezone,
turned into UTC instants for the queries. Its `previous` period is the one just before it of
the same kind (the month before a month, the week before a week, else as many days before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    DAYS = "days"


@dataclass(frozen=True)
class Period:
    """Local days `first`..`last` (both included) of timezone `tz`."""

    first: date
    last: date
    tz: str
    kind: PeriodKind = PeriodKind.DAYS

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after the day it starts")

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return _midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return _midnight(self.last + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def until(self, now: datetime) -> datetime:
        """Where counting stops: the period's end, or `now` while it is still running."""
        return min(self.end, now)

    def previous(self) -> Period:
        """The period just before this one, of the same kind."""
        if self.kind is PeriodKind.MONTH:
            return month(_month_before(self.first), self.tz)
        if self.kind is PeriodKind.YEAR:
            return year(self.first.year - 1, self.tz)
        before = self.first - timedelta(days=1)
        return Period(before - timedelta(days=self.days - 1), before, self.tz, self.kind)

    def label(self) -> str:
        """The period in plain digits: 2026-11, 2026, 2026-11-23~2026-11-29."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind is PeriodKind.YEAR:
            return f"{self.first:%Y}"
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}~{self.last.isoformat()}"


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def week_of(day: date, tz: str) -> Period:
    """The week (Monday to Sunday) holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), tz, PeriodKind.WEEK)


def month(day: date, tz: str) -> Period:
    """The calendar month holding `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1), tz, PeriodKind.MONTH)


def year(number: int, tz: str) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31), tz, PeriodKind.YEAR)


# words people type after /stats, and what they mean relative to today
_RELATIVE = {
    "本周": "this_week",
    "这周": "this_week",
    "this week": "this_week",
    "上周": "last_week",
    "last week": "last_week",
    "本月": "this_month",
    "这个月": "this_month",
    "this month": "this_month",
    "上月": "last_month",
    "上个月": "last_month",
    "last month": "last_month",
    "今年": "this_year",
    "this year": "this_year",
    "去年": "last_year",
    "last year": "last_year",
}
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_YEAR = re.compile(r"^(\d{4})年?$")
_DAY = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_ONE_DAY = re.compile(rf"^{_DAY}$")
_RANGE = re.compile(rf"^{_DAY}\s*(?:~|～|至|到|\.\.|—|–|-{{1,2}}|to)\s*{_DAY}$")


def relative(word: str, today: date, tz: str) -> Period | None:
    """本周 · 上周 · 本月 · 上月 · 今年 · 去年 (and the English words) as of `today`."""
    meaning = _RELATIVE.get(" ".join(word.lower().split()))
    if meaning is None:
        return None
    if meaning == "this_week":
        return week_of(today, tz)
    if meaning == "last_week":
        return week_of(today - timedelta(days=7), tz)
    if meaning == "this_month":
        return month(today, tz)
    if meaning == "last_month":
        return month(_month_before(today), tz)
    return year(today.year if meaning == "this_year" else today.year - 1, tz)


def parse_period(text: str, today: date, tz: str) -> Period | None:
    """A period from what an admin typed; None when it is not one (or not a real date)."""
    word = text.strip()
    found = relative(word, today, tz)
    if found is not None:
        return found
    try:
        return _absolute(word, tz)
    except ValueError:  # 2026-13, 2026-02-30, a range that ends before it starts
        return None


def _absolute(word: str, tz: str) -> Period | None:
    if m := _MONTH.match(word):
        return month(date(int(m.group(1)), int(m.group(2)), 1), tz)
    if m := _YEAR.match(word):
        return year(int(m.group(1)), tz)
    if m := _ONE_DAY.match(word):
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return Period(day, day, tz)
    if m := _RANGE.match(word):
        first = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        last = date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        return Period(first, last, tz)
    return None

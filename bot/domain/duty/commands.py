"""Reading what supervisors type in chat: dates and periods for /cover, /leave and /workday."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput
from bot.domain.records import PersonInfo

MAX_PERIOD = timedelta(days=92)
_RELATIVE = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}
_DATE = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$")
_DATETIME = re.compile(r"^(.+?)[T ](\d{1,2}):(\d{2})$")
_ON = {"on", "work", "working", "上班", "工作日", "1", "true"}
_OFF = {"off", "rest", "休息", "休息日", "0", "false"}
_AUTO = {"auto", "clear", "reset", "默认", "恢复"}


def parse_day(text: str, today: date) -> date:
    """Read "2026-12-05", "12-05", "12/5", "今天", "明天" (a date without a year is this year)."""
    word = text.strip().lower()
    if word in _RELATIVE:
        return today + timedelta(days=_RELATIVE[word])
    match = _DATE.match(word)
    if match is None:
        raise InvalidInput("duty.error.bad_date", text=text[:20])
    year = int(match.group(1)) if match.group(1) else today.year
    try:
        return date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidInput("duty.error.bad_date", text=text[:20]) from None


def parse_moment(text: str, today: date, tz: ZoneInfo, end: bool) -> datetime:
    """A date means the whole day (its start, or the next midnight for an end); "12-05T08:00"
    is that moment. Returns UTC."""
    match = _DATETIME.match(text.strip())
    if match is not None:
        day = parse_day(match.group(1), today)
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise InvalidInput("duty.error.bad_date", text=text[:20])
        return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
    day = parse_day(text, today) + (timedelta(days=1) if end else timedelta(0))
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def parse_period(start: str, end: str, today: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Read a period [start, end) from two words; whole days include the end day."""
    a = parse_moment(start, today, tz, end=False)
    b = parse_moment(end, today, tz, end=True)
    if b <= a:
        raise InvalidInput("duty.error.end_before_start")
    if b - a > MAX_PERIOD:
        raise InvalidInput("duty.error.too_long", days=MAX_PERIOD.days)
    return a, b


def parse_switch(text: str) -> bool | None:
    """on → True (a working day), off → False, auto → None (the calendar decides)."""
    word = text.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    if word in _AUTO:
        return None
    raise InvalidInput("duty.error.bad_switch", text=text[:20])


def find_person(people: Sequence[PersonInfo], text: str) -> PersonInfo:
    """A person by roster key ("zhou"), name ("周师傅") or Telegram id – never by @name."""
    word = text.strip().lstrip("@")
    for p in people:
        if word.lower() == p.key.lower() or word == p.name or word == str(p.telegram_id):
            return p
    raise InvalidInput("duty.error.unknown_person", name=text[:30])

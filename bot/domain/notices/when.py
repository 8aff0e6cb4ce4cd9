"""Understand when staff want a notice sent: "现在", "明天 9:00", "12月5日 18:30", a rule."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput
from bot.domain.notices.schedule import Once, Recurring, Schedule, parse_friendly_rule

__all__ = ["parse_when"]

_NOW = {"现在", "马上", "立即", "立刻", "now"}
_CLOCK = r"(?P<hour>\d{1,2})(?:[:：](?P<minute>\d{2})|点(?:(?P<half>半)|(?P<minute2>\d{1,2})分?)?)"
_DAY = (
    r"(?P<day>今天|今日|今晚|明天|明日|明晚|明早|后天|"
    r"(?:(?P<year>\d{4})[-/年])?(?P<month>\d{1,2})[-/月](?P<mday>\d{1,2})[日号]?)"
)
_ONCE = re.compile(rf"^{_DAY}?\s*(?P<pm>下午|晚上)?\s*{_CLOCK}$")


def _clock(m: re.Match[str], text: str) -> time:
    hour = int(m.group("hour"))
    minute = int(m.group("minute") or m.group("minute2") or (30 if m.group("half") else 0))
    evening = m.group("pm") is not None or (m.group("day") or "").endswith("晚")
    if evening and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise InvalidInput("notice.bad_when", text=text)
    return time(hour, minute)


def _day(m: re.Match[str], today: date, text: str) -> date | None:
    word = m.group("day")
    if word is None:
        return None
    if word in ("今天", "今日", "今晚"):
        return today
    if word in ("明天", "明日", "明晚", "明早"):
        return today + timedelta(days=1)
    if word == "后天":
        return today + timedelta(days=2)
    year = int(m.group("year")) if m.group("year") else today.year
    try:
        found = date(year, int(m.group("month")), int(m.group("mday")))
    except ValueError:
        raise InvalidInput("notice.bad_when", text=text) from None
    if m.group("year") is None and found < today:
        found = found.replace(year=today.year + 1)  # "1月3日" written in December
    return found


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> Schedule:
    """Turn what staff typed into a schedule; a time already past today means tomorrow.

    A one-time `at` is stored as naive community-local time; a friendly rule such as
    "每周一 09:00" (or five-field cron) gives a recurring schedule.
    """
    raw = " ".join(text.strip().replace("\u3000", " ").split())
    if raw.lower() in _NOW:
        return Once(at=now.astimezone(tz).replace(tzinfo=None, microsecond=0))
    if raw.startswith("每") or raw.startswith("工作日"):
        parse_friendly_rule(raw)  # raises a clear error for a rule it cannot read
        return Recurring(rule=raw)
    if len(raw.split(" ")) == 5 and all(re.fullmatch(r"[\d*/,\-]+", p) for p in raw.split(" ")):
        try:
            return Recurring(cron=raw)
        except ValueError:
            raise InvalidInput("notice.bad_when", text=text) from None
    m = _ONCE.match(raw)
    if m is None:
        raise InvalidInput("notice.bad_when", text=text)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    clock = _clock(m, text)
    day = _day(m, local_now.date(), text)
    at = datetime.combine(day or local_now.date(), clock)
    if day is None and at <= local_now:
        at += timedelta(days=1)
    if at <= local_now - timedelta(minutes=1):
        raise InvalidInput("notice.when_past", text=text)
    return Once(at=at)

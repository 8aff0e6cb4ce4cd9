"""How long something has waited, in words that fit the span: minutes within the hour, the
clock time since earlier today, last night or yesterday, else the date – never 「1021 分钟」."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

EVENING_FROM = 18  # a start from this hour on the day before reads 「昨晚」


@dataclass(frozen=True)
class Waited:
    """A text key (minutes, today, last_night, yesterday, date) and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


def waited_since(start: datetime, now: datetime, tz: ZoneInfo) -> Waited:
    """Say how long since `start`, in the community's own time."""
    minutes = int((now - start).total_seconds() // 60)
    if minutes < 60:
        return Waited("minutes", {"minutes": max(1, minutes)})
    began, today = start.astimezone(tz), now.astimezone(tz).date()
    clock = began.strftime("%H:%M")
    if began.date() == today:
        return Waited("today", {"time": clock})
    if began.date() == today - timedelta(days=1):
        return Waited("last_night" if began.hour >= EVENING_FROM else "yesterday", {"time": clock})
    return Waited("date", {"month": began.month, "day": began.day, "time": clock})

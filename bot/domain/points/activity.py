"""A volunteer activity as an admin writes it: `/activity 周六9:00 清理绿地 10人 5分 [3号楼]`.

The time is the community's local time: 周一…周日 (the next such day; today if the hour is still
to come), 今天 / 明天 / 后天, or 12-05 / 12月5日, each followed by H:MM (with or without a
space). Places (N人) and points (M分) are required; N号楼 limits it to a building's groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput

_WEEKDAYS = "一二三四五六日"
_DAY = re.compile(
    r"^(?:周(?P<wd>[一二三四五六日天])|(?P<rel>今天|明天|后天)"
    r"|(?P<m>\d{1,2})(?:-|月)(?P<d>\d{1,2})日?)\s*(?P<h>\d{1,2})[:：](?P<min>\d{2})$"
)
_PLACES = re.compile(r"^(\d{1,4})人$")
_POINTS = re.compile(r"^(\d{1,4})分$")
_BUILDING = re.compile(r"^(\w{1,16})号楼$")
MOST_PLACES = 500
MOST_POINTS = 100


@dataclass(frozen=True)
class ActivityAsk:
    title: str
    starts_at: datetime  # UTC
    places: int
    points: int
    building: str | None


def _day(match: re.Match[str], today: date) -> date:
    if match["wd"]:
        wanted = _WEEKDAYS.index(match["wd"].replace("天", "日"))
        return today + timedelta(days=(wanted - today.weekday()) % 7)
    if match["rel"]:
        return today + timedelta(days=("今天", "明天", "后天").index(match["rel"]))
    day = date(today.year, int(match["m"]), int(match["d"]))
    return day if day >= today else day.replace(year=today.year + 1)


def _when(words: list[str], now: datetime, tz: str) -> tuple[datetime, list[str]]:
    """The start read from the first word (or two); the words left."""
    for used in (1, 2):
        match = _DAY.match("".join(words[:used]))
        if match is None:
            continue
        local_now = now.astimezone(ZoneInfo(tz))
        try:
            day = _day(match, local_now.date())
            at = time(int(match["h"]), int(match["min"]))
        except ValueError as exc:
            raise InvalidInput("points.activity.bad_time") from exc
        start = datetime.combine(day, at, tzinfo=ZoneInfo(tz))
        if start <= local_now and match["wd"]:
            start += timedelta(days=7)  # this weekday's hour has passed: next week's
        if start <= local_now:
            raise InvalidInput("points.activity.past")
        return start.astimezone(UTC), words[used:]
    raise InvalidInput("points.activity.how")


def parse_activity(text: str, now: datetime, tz: str) -> ActivityAsk:
    """Read /activity's words; InvalidInput (with the how-to) if something is missing."""
    starts_at, words = _when(text.split(), now, tz)
    places = points = None
    building = None
    title: list[str] = []
    for word in words:
        if (m := _PLACES.match(word)) is not None:
            places = int(m[1])
        elif (m := _POINTS.match(word)) is not None:
            points = int(m[1])
        elif (m := _BUILDING.match(word)) is not None:
            building = m[1]
        else:
            title.append(word)
    if places is None or points is None or not title:
        raise InvalidInput("points.activity.how")
    if not 1 <= places <= MOST_PLACES or not 1 <= points <= MOST_POINTS:
        raise InvalidInput("points.activity.bad_numbers", places=MOST_PLACES, points=MOST_POINTS)
    return ActivityAsk(" ".join(title)[:60], starts_at, places, points, building)

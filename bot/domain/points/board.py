"""The monthly leaderboard of a building: when it is due, which month it covers, and who is
named – only those who opted in (/points name on); the others are counted, never named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

POST_AT = time(9, 0)  # local time on the 1st of the month
TOP = 10  # names shown at most


@dataclass(frozen=True)
class Month:
    """A local calendar month as UTC instants: [start, end)."""

    first: date
    start: datetime
    end: datetime


def _start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def due_board(now: datetime, timezone: str) -> Month | None:
    """The month a board posted now covers (the last one), once the 1st's 09:00 has come."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    first = local.date().replace(day=1)
    if local.date() == first and local.time() < POST_AT:
        return None
    previous = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return Month(previous, _start(previous, tz), _start(first, tz))


@dataclass(frozen=True)
class Standing:
    name: str
    points: int


@dataclass(frozen=True)
class Board:
    named: tuple[Standing, ...]  # the opted-in, best first
    others: int  # how many more earned points this month, not named


def board(totals: dict[tuple[str, int], int], names: dict[tuple[str, int], str]) -> Board:
    """Rank the holders who earned points; name the opted-in (at most TOP), count the rest."""
    earned = sorted(
        ((points, key) for key, points in totals.items() if points > 0),
        key=lambda pair: (-pair[0], pair[1]),
    )
    named = [Standing(names[key], points) for points, key in earned if key in names][:TOP]
    return Board(tuple(named), len(earned) - len(named))

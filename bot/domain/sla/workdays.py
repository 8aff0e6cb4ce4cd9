"""Working-time arithmetic on the Chinese State Council calendar (with make-up working days)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from holidays.countries.china import China as _HolidaysChina

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A deadline further away than this is a configuration mistake, not a promise.
_MAX_DAYS_SEARCHED = 3 * 366


@lru_cache(maxsize=64)
def _holidays_china(year: int) -> Any:
    return _HolidaysChina(years=year)  # type: ignore[no-untyped-call]


@lru_cache(maxsize=1)
def _holidays_official_years() -> frozenset[int]:
    # holidays' China computes statutory dates for any year, but it only knows the make-up
    # working days (调休) for the years whose State Council schedule it lists.
    official: Any = _HolidaysChina()  # type: ignore[no-untyped-call]
    return frozenset(official.special_public_holidays)


@dataclass(frozen=True)
class YearSchedule:
    """One year's State Council holiday schedule: the days off and the make-up working days
    (调休), for a year the calendar packages do not know yet."""

    year: int
    days_off: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def says(self, d: date) -> bool | None:
        if d in self.workdays:
            return True
        if d in self.days_off:
            return False
        return None


def _chinese_calendar_says(d: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


def _holidays_says(d: date) -> bool | None:
    if d.year not in _holidays_official_years():
        return None
    return bool(_holidays_china(d.year).is_working_day(d))


def _statutory_day_off(d: date) -> bool:
    """The statutory holidays (法定节假日) of any year, as the law fixes them – without the
    make-up working days, which only the State Council's yearly notice gives."""
    return d in _holidays_china(d.year)


class WorkCalendar:
    """Working days and hours of one community, in its own timezone."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        work_start: time = time(8, 30),
        work_end: time = time(17, 30),
        tz: ZoneInfo = SHANGHAI,
        on_unknown_year: Callable[[int], None] | None = None,
        schedules: Iterable[YearSchedule] = (),
    ) -> None:
        if work_start >= work_end:
            raise ValueError("working hours must start before they end on the same day")
        self.overrides: dict[date, bool] = dict(overrides or {})
        self.work_start = work_start
        self.work_end = work_end
        self.tz = tz
        self._on_unknown_year = on_unknown_year
        self._warned_years: set[int] = set()
        self._cache: dict[date, bool] = {}
        self._hours: dict[date, tuple[datetime, datetime]] = {}  # a working day's hours, UTC
        self.schedules: dict[int, YearSchedule] = {s.year: s for s in schedules}

    def is_workday(self, d: date) -> bool:
        """Say whether `d` is a working day: the admins' table, chinese_calendar, holidays'
        published schedules, a year's schedule given as data, else the statutory holidays and
        weekends (and the admins are told once that the make-up working days are unknown)."""
        if d in self.overrides:
            return self.overrides[d]
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        answer = _chinese_calendar_says(d)
        if answer is None:
            answer = _holidays_says(d)
        if answer is None:
            answer = self._scheduled_or_statutory(d)
        self._cache[d] = answer
        return answer

    def make_up_days_known(self, year: int) -> bool:
        """Say whether the year's make-up working days are known: from a calendar package, a
        schedule given as data, or a weekend the admins have marked as a working day."""
        if year in self.schedules or year in _holidays_official_years():
            return True
        if _chinese_calendar_says(date(year, 6, 1)) is not None:
            return True
        return any(on and d.year == year and d.weekday() >= 5 for d, on in self.overrides.items())

    def _scheduled_or_statutory(self, d: date) -> bool:
        schedule = self.schedules.get(d.year)
        said = schedule.says(d) if schedule is not None else None
        if said is not None:
            return said
        if schedule is None and d.year not in self._warned_years:
            self._warned_years.add(d.year)
            if self._on_unknown_year is not None and not self.make_up_days_known(d.year):
                self._on_unknown_year(d.year)
        return d.weekday() < 5 and not _statutory_day_off(d)

    def working_hours_of(self, d: date) -> tuple[datetime, datetime] | None:
        """Return the working interval of day `d` in UTC, or None on a day off."""
        if not self.is_workday(d):
            return None
        hours = self._hours.get(d)  # the figures ask for the same days thousands of times
        if hours is None:
            start = datetime.combine(d, self.work_start, tzinfo=self.tz).astimezone(UTC)
            end = datetime.combine(d, self.work_end, tzinfo=self.tz).astimezone(UTC)
            hours = self._hours[d] = (start, end)
        return hours

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """Return the instant `delta` of working time after `start` (UTC, aware)."""
        cursor = _utc(start)
        remaining = delta
        if remaining <= timedelta(0):
            return cursor
        day = cursor.astimezone(self.tz).date()
        for _ in range(_MAX_DAYS_SEARCHED):
            hours = self.working_hours_of(day)
            if hours is not None and cursor < hours[1]:
                begin = max(cursor, hours[0])
                available = hours[1] - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no working time found within {_MAX_DAYS_SEARCHED} days of {start}")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return how much working time lies between two instants (zero if end <= start)."""
        a, b = _utc(start), _utc(end)
        total = timedelta(0)
        if b <= a:
            return total
        day = a.astimezone(self.tz).date()
        last = b.astimezone(self.tz).date()
        while day <= last:
            hours = self.working_hours_of(day)
            if hours is not None:
                lo, hi = max(a, hours[0]), min(b, hours[1])
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def next_workday(self, d: date) -> date:
        """Return the first working day strictly after `d`."""
        for _ in range(_MAX_DAYS_SEARCHED):
            d += timedelta(days=1)
            if self.is_workday(d):
                return d
        raise ValueError(f"no working day found within {_MAX_DAYS_SEARCHED} days of {d}")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the end of the `days`-th working day after the day of `start` (UTC, aware).

        As in Chinese administrative practice, the day a matter is received is not counted:
        a request received on Monday with 5 working days is due at the end of the 5th working
        day after Monday. Zero or fewer days returns `start` itself.
        """
        cursor = _utc(start)
        if days <= 0:
            return cursor
        day = cursor.astimezone(self.tz).date()
        for _ in range(days):
            day = self.next_workday(day)
        return datetime.combine(day, self.work_end, tzinfo=self.tz).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")
    return moment.astimezone(UTC)

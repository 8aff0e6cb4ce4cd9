"""The weekly digest's schedule: when it is due, and which week it covers.

Set in the community file (Monday 09:00 by default):

    reports:
      digest:
        weekday: monday        # monday … sunday
        at: "09:00"
        to: [admins, supervisors]   # in private; or chat: -1001234567890 (a staff group)
        enabled: true

The digest of a slot covers the seven local days before the slot's day (Monday's: last week,
Monday to Sunday). A digest more than `MAX_LATE` late (the bot was down) is skipped: the next
week's comes as usual. Each slot is claimed once in the database, so a restart never sends it
twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from bot.domain.kpi.period import Period, PeriodKind
from bot.domain.sla.deadlines import ClockTime
from bot.yamlio import StrictModel

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Audience = Literal["admins", "supervisors"]
#: a digest later than this after its slot is skipped
MAX_LATE = timedelta(hours=12)


class DigestSpec(StrictModel):
    enabled: bool = True
    weekday: Weekday = "monday"
    at: ClockTime = time(9, 0)
    to: tuple[Audience, ...] = Field(default=("admins", "supervisors"), min_length=1)
    chat: int | None = None  # a staff group's chat id instead of private messages


class ReportsSpec(StrictModel):
    digest: DigestSpec = DigestSpec()


def last_slot(spec: DigestSpec, now: datetime, tz: str) -> datetime:
    """The latest scheduled moment at or before `now`, in UTC."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    back = (local.weekday() - WEEKDAYS.index(spec.weekday)) % 7
    slot = datetime.combine(local.date() - timedelta(days=back), spec.at, tzinfo=zone)
    if slot > local:
        slot -= timedelta(days=7)
    return slot.astimezone(UTC)


def due_slot(spec: DigestSpec, now: datetime, tz: str) -> date | None:
    """The local day of the slot a digest is due for now, or None (off, or too late)."""
    if not spec.enabled:
        return None
    slot = last_slot(spec, now, tz)
    if now - slot > MAX_LATE:
        return None
    return slot.astimezone(ZoneInfo(tz)).date()


def next_slot(spec: DigestSpec, now: datetime, tz: str) -> datetime:
    """The next scheduled moment after `now`."""
    return last_slot(spec, now, tz) + timedelta(days=7)


def covered_week(slot_day: date, tz: str) -> Period:
    """The seven local days before the slot's day."""
    return Period(slot_day - timedelta(days=7), slot_day - timedelta(days=1), tz, PeriodKind.WEEK)

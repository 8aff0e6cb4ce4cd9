"""The duty roster as admin-written data: shifts, duties, rotations, overrides, routing rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, field_serializer, model_validator

from bot.domain.sla.deadlines import ClockTime
from bot.yamlio import StrictModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: Final[tuple[Weekday, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ChainRole = Literal["backup", "supervisor", "admin"]

COMMITTEE_CATEGORIES: Final = frozenset({"noise", "neighbour_dispute", "group_rental"})


def _date_or_datetime(value: Any) -> Any:
    # "2026-12-01" means the whole day; pydantic alone would read it as midnight.
    if isinstance(value, str) and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    return value


DateOrDateTime = Annotated[date | datetime, BeforeValidator(_date_or_datetime)]


class ShiftSpec(StrictModel):
    """Shift hours; an end at or before the start means the shift ends the next day."""

    start: ClockTime
    end: ClockTime

    def occurrence(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return the shift starting on `day` as aware datetimes in `tz`."""
        start = datetime.combine(day, self.start, tzinfo=tz)
        end_day = day if self.end > self.start else day + timedelta(days=1)
        return start, datetime.combine(end_day, self.end, tzinfo=tz)


class RotationSpec(StrictModel):
    """People taking turns: each serves `every` days or weeks, counted from `start`."""

    staff: list[str] = Field(min_length=1)
    every: int = Field(default=1, ge=1)
    unit: Literal["days", "weeks"] = "weeks"
    start: date

    def who_on(self, day: date) -> str:
        """Return the key of the person whose turn covers `day`."""
        period = self.every * (7 if self.unit == "weeks" else 1)
        turn = (day - self.start).days // period
        return self.staff[turn % len(self.staff)]


class DutySpec(StrictModel):
    """One recurring duty: who (a person or a rotation), when, where and for what."""

    name: str
    shift: str
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    staff: str | None = None
    rotation: RotationSpec | None = None
    # categories this duty takes; empty means the on-duty person's own skills
    skills: list[str] = Field(default_factory=list)
    # scope: neither buildings nor grids means the whole community
    buildings: list[str] = Field(default_factory=list)
    grids: list[str] = Field(default_factory=list)
    role: Literal["primary", "backup"] = "primary"

    @model_validator(mode="after")
    def _one_assignee(self) -> DutySpec:
        if (self.staff is None) == (self.rotation is None):
            raise ValueError("give either staff or rotation (exactly one)")
        return self

    def assignee_on(self, day: date) -> str | None:
        """Return who holds this duty's shift starting on `day` (before overrides)."""
        if WEEKDAYS[day.weekday()] not in self.days:
            return None
        if self.rotation is not None:
            return self.rotation.who_on(day)
        return self.staff

    def covers(self, building: str | None, grid: str | None) -> bool:
        """Say whether this duty's scope includes `building` (in `grid`)."""
        if not self.buildings and not self.grids:
            return True
        if building is None:
            return False
        return building in self.buildings or (grid is not None and grid in self.grids)


class Override(StrictModel):
    """A one-off change: `by` covers for `staff`, `staff` and `by` swap, or `staff` is on leave.

    `start`/`end` are dates (whole days, both included) or datetimes (end excluded). A cover
    or swap applies to shifts that start inside the period; leave also to any moment in it.
    """

    kind: Literal["cover", "swap", "leave"]
    staff: str
    by: str | None = None
    start: DateOrDateTime
    end: DateOrDateTime
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Override:
        if self.kind in ("cover", "swap") and not self.by:
            raise ValueError(f"a {self.kind} needs `by` (the other person)")
        if self.kind == "leave" and self.by is not None:
            raise ValueError("leave takes no `by`; add a cover for the replacement")
        if self.by == self.staff:
            raise ValueError("`by` must be someone else")
        return self

    def period(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return the period as aware datetimes [start, end)."""
        return _as_start(self.start, tz), _as_end(self.end, tz)

    def active_at(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Say whether `moment` (aware) falls in the period."""
        start, end = self.period(tz)
        return start.astimezone(UTC) <= moment.astimezone(UTC) < end.astimezone(UTC)


def _as_start(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tzinfo=tz)


def _as_end(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime.combine(value + timedelta(days=1), time(0), tzinfo=tz)


class RoutingRules(StrictModel):
    """Routing beyond the roster: categories that belong to the residents' committee."""

    # go to the grid worker of the building's grid, never to property staff
    committee_categories: frozenset[str] = COMMITTEE_CATEGORIES
    committee_role: str = "grid_worker"

    @field_serializer("committee_categories")
    def _sorted(self, value: frozenset[str]) -> list[str]:
        # stored as JSON: a set's order changes between processes, a sorted list does not,
        # so loading the same file again changes nothing
        return sorted(value)


def _default_page_after() -> dict[int, dict[ChainRole, int]]:
    return {1: {"backup": 5, "supervisor": 5, "admin": 30}}


class RosterSpec(StrictModel):
    """A community's roster (`roster:` in the community file)."""

    shifts: dict[str, ShiftSpec] = Field(default_factory=dict)
    duties: list[DutySpec] = Field(default_factory=list)
    # fallbacks in order of preference; empty means everyone with that role
    supervisors: list[str] = Field(default_factory=list)
    admins: list[str] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    routing: RoutingRules = RoutingRules()
    # level → chain role → minutes after opening at which that person is paged if nobody
    # has accepted the ticket; levels not listed page the chain only when a deadline passes
    page_after_minutes: dict[int, dict[ChainRole, int]] = Field(
        default_factory=_default_page_after
    )
    # local time of the morning handoff: each staff member on duty that day gets a summary
    handoff_at: ClockTime = time(8, 0)

    @model_validator(mode="after")
    def _shifts_exist(self) -> RosterSpec:
        for duty in self.duties:
            if duty.shift not in self.shifts:
                known = ", ".join(sorted(self.shifts)) or "none defined"
                raise ValueError(f"duty {duty.name!r}: unknown shift {duty.shift!r} ({known})")
        return self

    def staff_keys_used(self) -> list[tuple[str, str]]:
        """Return (where, key) for every staff key the roster mentions."""
        used: list[tuple[str, str]] = []
        for i, duty in enumerate(self.duties):
            if duty.staff is not None:
                used.append((f"duties[{i}].staff", duty.staff))
            if duty.rotation is not None:
                used.extend((f"duties[{i}].rotation.staff", key) for key in duty.rotation.staff)
        used.extend((f"supervisors[{i}]", key) for i, key in enumerate(self.supervisors))
        used.extend((f"admins[{i}]", key) for i, key in enumerate(self.admins))
        for i, ov in enumerate(self.overrides):
            used.append((f"overrides[{i}].staff", ov.staff))
            if ov.by is not None:
                used.append((f"overrides[{i}].by", ov.by))
        return used

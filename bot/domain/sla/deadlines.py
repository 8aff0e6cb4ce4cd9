"""Service-level deadlines per ticket level (三级响应), configurable per community."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from bot.domain.sla.workdays import SHANGHAI, WorkCalendar, YearSchedule
from bot.yamlio import StrictModel


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_MINUTES = "working_minutes"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


_UNIT_WORDS: Final[dict[str, Unit]] = {
    "m": Unit.MINUTES,
    "min": Unit.MINUTES,
    "mins": Unit.MINUTES,
    "minute": Unit.MINUTES,
    "minutes": Unit.MINUTES,
    "h": Unit.HOURS,
    "hour": Unit.HOURS,
    "hours": Unit.HOURS,
    "d": Unit.DAYS,
    "day": Unit.DAYS,
    "days": Unit.DAYS,
    "wm": Unit.WORKING_MINUTES,
    "working minute": Unit.WORKING_MINUTES,
    "working minutes": Unit.WORKING_MINUTES,
    "wh": Unit.WORKING_HOURS,
    "working hour": Unit.WORKING_HOURS,
    "working hours": Unit.WORKING_HOURS,
    "wd": Unit.WORKING_DAYS,
    "working day": Unit.WORKING_DAYS,
    "working days": Unit.WORKING_DAYS,
}
_DURATION = re.compile(r"^\s*(\d+)\s*([a-z ]+?)\s*$")


@dataclass(frozen=True)
class SlaDuration:
    """An amount of calendar time, working time or working days: "30m", "2wh", "5wd", "14d"."""

    amount: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> SlaDuration:
        """Parse "5m", "2 working hours", "5wd", "14 days" and the like."""
        match = _DURATION.match(text.lower())
        unit = _UNIT_WORDS.get(" ".join(match.group(2).split())) if match else None
        if match is None or unit is None:
            raise ValueError(
                f"not a duration: {text!r}; write e.g. 5m, 2h, 14d, 2wh (working hours), "
                "5wd (working days)"
            )
        return cls(int(match.group(1)), unit)

    @property
    def is_working(self) -> bool:
        return self.unit in (Unit.WORKING_MINUTES, Unit.WORKING_HOURS, Unit.WORKING_DAYS)

    def after(self, start: datetime, cal: WorkCalendar) -> datetime:
        """Return the deadline this duration sets from `start`, in UTC."""
        if self.unit is Unit.WORKING_DAYS:
            return cal.add_working_days(start, self.amount)
        if self.unit is Unit.WORKING_MINUTES:
            return cal.add_working_time(start, timedelta(minutes=self.amount))
        if self.unit is Unit.WORKING_HOURS:
            return cal.add_working_time(start, timedelta(hours=self.amount))
        step = {Unit.MINUTES: 60, Unit.HOURS: 3600, Unit.DAYS: 86400}[self.unit]
        return start.astimezone(UTC) + timedelta(seconds=step * self.amount)

    def __str__(self) -> str:
        short = {
            Unit.MINUTES: "m",
            Unit.HOURS: "h",
            Unit.DAYS: "d",
            Unit.WORKING_MINUTES: "wm",
            Unit.WORKING_HOURS: "wh",
            Unit.WORKING_DAYS: "wd",
        }
        return f"{self.amount}{short[self.unit]}"


def _to_duration(value: Any) -> Any:
    if isinstance(value, SlaDuration):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write a unit after {value}, e.g. {value}m or {value}wd")
    if isinstance(value, str):
        return SlaDuration.parse(value)
    raise ValueError("expected a duration such as 30m, 2wh or 5wd")


Duration = Annotated[
    SlaDuration, BeforeValidator(_to_duration), PlainSerializer(str, return_type=str)
]


def yaml_clock_time(value: Any) -> Any:
    """Accept "17:30", and also 1050 – what YAML 1.1 makes of an unquoted 17:30."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < 24 * 60:
            return time(value // 60, value % 60)
        raise ValueError('write times in quotes, e.g. "17:30"')
    if isinstance(value, str) and value.strip() == "24:00":
        return time(0, 0)
    return value


ClockTime = Annotated[time, BeforeValidator(yaml_clock_time)]


class LevelPolicy(StrictModel):
    """Deadlines of one level; a missing field keeps the default, `null` switches it off."""

    acknowledge: Duration | None = None
    respond: Duration | None = None
    control: Duration | None = None
    resolve: Duration | None = None
    plan: Duration | None = None
    follow_up: Duration | None = None

    def merged_over(self, base: LevelPolicy) -> LevelPolicy:
        """Return `base` with the fields this policy sets explicitly."""
        values = base.model_dump()
        values.update({name: getattr(self, name) for name in self.model_fields_set})
        return LevelPolicy.model_validate(values)


DEFAULT_LEVELS: Final[dict[int, LevelPolicy]] = {
    1: LevelPolicy.model_validate(
        {"acknowledge": "5m", "respond": "30m", "control": "2h", "follow_up": "24h"}
    ),
    2: LevelPolicy.model_validate({"acknowledge": "2wh", "resolve": "5wd"}),
    3: LevelPolicy.model_validate({"acknowledge": "1wd", "plan": "14d"}),
}


class WorkingHours(StrictModel):
    start: ClockTime = time(8, 30)
    end: ClockTime = time(17, 30)

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end, e.g. 08:30–17:30")
        return self


class HolidaySchedule(StrictModel):
    """A year's State Council schedule as published: the days off and the make-up working
    days (调休上班), for a year the calendar packages do not know yet."""

    days_off: list[date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)

    def of_year(self, year: int) -> YearSchedule:
        stray = sorted(d for d in [*self.days_off, *self.workdays] if d.year != year)
        if stray:
            raise ValueError(f"{stray[0]} is not in {year}")
        both = sorted(set(self.days_off) & set(self.workdays))
        if both:
            raise ValueError(f"{both[0]} is both a day off and a working day")
        return YearSchedule(year, frozenset(self.days_off), frozenset(self.workdays))


def _check_holidays(holidays: dict[int, HolidaySchedule]) -> dict[int, HolidaySchedule]:
    for year, schedule in holidays.items():
        schedule.of_year(year)  # raises on a date of another year or a day given twice
    return holidays


#: year → that year's schedule (the community file's sla.holidays, bot/domain/sla/holidays.yaml)
Holidays = Annotated[dict[int, HolidaySchedule], AfterValidator(_check_holidays)]


class SlaPolicy(StrictModel):
    """A community's deadlines, working hours, reminder point and working-day corrections."""

    levels: dict[int, LevelPolicy] = Field(default_factory=lambda: dict(DEFAULT_LEVELS))
    working_hours: WorkingHours = WorkingHours()
    remind_at: float = Field(default=0.8, gt=0, lt=1)
    # date → true (working day) / false (day off); wins over every calendar source
    calendar_overrides: dict[date, bool] = Field(default_factory=dict)
    # year → the State Council's holiday schedule, for a year the calendar packages lack
    holidays: Holidays = Field(default_factory=dict)
    # when a deadline passes and the chain is paged, say so on the group's status card
    # ("已超时，已升级至…"); off by default – some communities prefer to keep it internal
    show_escalation: bool = False

    @field_validator("levels", mode="after")
    @classmethod
    def _fill_levels(cls, levels: dict[int, LevelPolicy]) -> dict[int, LevelPolicy]:
        unknown = sorted(set(levels) - set(DEFAULT_LEVELS))
        if unknown:
            raise ValueError(f"levels are 1, 2 and 3; unknown level {unknown[0]}")
        merged = {
            level: (levels[level].merged_over(base) if level in levels else base)
            for level, base in DEFAULT_LEVELS.items()
        }
        for level, policy in merged.items():
            if policy.acknowledge is None:
                raise ValueError(f"level {level} needs an acknowledge deadline")
        return merged

    def level(self, level: int) -> LevelPolicy:
        """Return the policy of `level` (1, 2 or 3)."""
        try:
            return self.levels[level]
        except KeyError:
            raise ValueError(f"unknown ticket level {level}") from None

    def calendar(
        self,
        tz: ZoneInfo = SHANGHAI,
        on_unknown_year: Callable[[int], None] | None = None,
        national: Iterable[YearSchedule] = (),
    ) -> WorkCalendar:
        """Build the WorkCalendar this policy describes; `national` are the schedules shipped
        with Loudao, and a year the community file gives wins over them."""
        own = [schedule.of_year(year) for year, schedule in self.holidays.items()]
        return WorkCalendar(
            self.calendar_overrides,
            work_start=self.working_hours.start,
            work_end=self.working_hours.end,
            tz=tz,
            on_unknown_year=on_unknown_year,
            schedules=[*national, *own],
        )


@dataclass(frozen=True)
class Deadlines:
    """When each promise of a ticket falls due, as aware UTC datetimes."""

    acknowledge_by: datetime
    respond_by: datetime
    control_by: datetime | None = None
    resolve_by: datetime | None = None
    plan_by: datetime | None = None
    follow_up_by: datetime | None = None

    def items(self) -> list[tuple[str, datetime]]:
        """Return (field name, deadline) of the deadlines that are set, earliest first."""
        pairs = [
            ("acknowledge_by", self.acknowledge_by),
            ("respond_by", self.respond_by),
            ("control_by", self.control_by),
            ("resolve_by", self.resolve_by),
            ("plan_by", self.plan_by),
            ("follow_up_by", self.follow_up_by),
        ]
        present = [(name, at) for name, at in pairs if at is not None]
        return sorted(present, key=lambda pair: pair[1])

    def as_dict(self) -> dict[str, str]:
        """Return the set deadlines as ISO 8601 strings, for JSON output."""
        return {name: at.isoformat() for name, at in self.items()}


def compute_deadlines(
    level: int, opened_at: datetime, policy: SlaPolicy, cal: WorkCalendar
) -> Deadlines:
    """Compute the deadlines of a ticket of `level` opened at `opened_at`."""
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    rules = policy.level(level)

    def due(duration: SlaDuration | None) -> datetime | None:
        return None if duration is None else duration.after(opened_at, cal)

    acknowledge_by = due(rules.acknowledge)
    assert acknowledge_by is not None  # guaranteed by SlaPolicy validation
    respond_by = due(rules.respond) or acknowledge_by
    return Deadlines(
        acknowledge_by=acknowledge_by,
        respond_by=respond_by,
        control_by=due(rules.control),
        resolve_by=due(rules.resolve),
        plan_by=due(rules.plan),
        follow_up_by=due(rules.follow_up),
    )

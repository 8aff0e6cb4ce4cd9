"""Read the holiday schedules shipped with Loudao (bot/domain/sla/holidays.yaml)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from bot.domain.sla.deadlines import Holidays
from bot.domain.sla.workdays import YearSchedule
from bot.yamlio import parse_yaml, validate

#: year → schedule, for the years after the calendar packages' last one
BUILTIN_HOLIDAYS = files("bot.domain.sla").joinpath("holidays.yaml")


def parse_holidays(text: str, file: str = "<text>") -> tuple[YearSchedule, ...]:
    """Parse and check a holidays file; a problem names the file, the line and the field."""
    doc = parse_yaml(text, file)
    spec = validate(doc, Holidays)  # year → {days_off: [...], workdays: [...]}
    return tuple(schedule.of_year(year) for year, schedule in sorted(spec.items()))


@cache
def national_schedules() -> tuple[YearSchedule, ...]:
    """The schedules shipped in the package, read once."""
    return parse_holidays(BUILTIN_HOLIDAYS.read_text(encoding="utf-8"), "holidays.yaml")

"""The committee's figures (KPIs): pure counting over plain ticket records (issue 18)."""

from bot.domain.kpi.facts import EVERYTHING, FaqTally, GapCount, NoticeTally, Slice, TicketFacts
from bot.domain.kpi.figures import (
    DeadlineFigures,
    HotSpot,
    Inputs,
    KpiFigures,
    Ratio,
    Timer,
    calendar_time,
    compute,
)
from bot.domain.kpi.period import Period, PeriodKind, month, parse_period, week_of
from bot.domain.kpi.promises import DEADLINE_NAMES, Kept, is_overdue, judge

__all__ = [
    "DEADLINE_NAMES",
    "EVERYTHING",
    "DeadlineFigures",
    "FaqTally",
    "GapCount",
    "HotSpot",
    "Inputs",
    "Kept",
    "KpiFigures",
    "NoticeTally",
    "Period",
    "PeriodKind",
    "Ratio",
    "Slice",
    "TicketFacts",
    "Timer",
    "calendar_time",
    "compute",
    "is_overdue",
    "judge",
    "month",
    "parse_period",
    "week_of",
]

"""`loudao report`: one community's figures for a period, whole and broken down, for a file.

The facts are read once (`read_inputs`) and every breakdown row is counted from them in memory
with its own slice: a report by building costs one read, however many buildings there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.kpi import Inputs, KpiFigures, Period, Slice, compute
from bot.domain.records import CommunityInfo
from bot.intake_files import ticket_categories
from bot.services.kpi.counting import read_inputs, working_timer
from bot.services.kpi.desk import working_pairs
from bot.services.ports import KpiUnitOfWork

Dimension = Literal["building", "grid", "category", "level", "staff"]
#: what a report can be broken down by, in the order its sheets come
DIMENSIONS: tuple[Dimension, ...] = ("building", "grid", "category", "level", "staff")
LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class BreakdownRow:
    """One building, grid, category, level or staff member, and its figures."""

    value: str  # the building's number, the grid, the category code, the level, the staff id
    label: str | None  # a staff member's name (the others are labelled when written)
    figures: KpiFigures


@dataclass(frozen=True)
class Breakdown:
    by: Dimension
    rows: tuple[BreakdownRow, ...]


@dataclass(frozen=True)
class Report:
    """Everything a report file holds (no resident's data: see KpiFigures)."""

    community: CommunityInfo
    period: Period
    now: datetime
    whole: KpiFigures
    working: frozenset[tuple[int, str]]  # (level, deadline) pairs timed in working time
    breakdowns: tuple[Breakdown, ...]


async def build_report(
    tx: KpiUnitOfWork,
    community: CommunityInfo,
    period: Period,
    now: datetime,
    by: Sequence[Dimension] = (),
) -> Report:
    """Count the community's figures for `period` as of `now`, and one breakdown per `by`."""
    inputs, setup = await read_inputs(tx, community, period, now)
    timer = working_timer(setup)
    whole = compute(inputs, timer=timer)
    staff = {
        p.telegram_id: p.name
        for p in await tx.people.of_community(community.id)
        if p.telegram_id is not None
    }
    breakdowns = []
    for dimension in dict.fromkeys(by):  # each once, in the order asked
        rows = tuple(
            BreakdownRow(value, staff.get(int(value)) if dimension == "staff" else None,
                         compute(inputs, where, timer))
            for value, where in _slices(dimension, community, inputs)
        )  # fmt: skip
        breakdowns.append(Breakdown(dimension, rows))
    return Report(
        community=community,
        period=period,
        now=now,
        whole=whole,
        working=working_pairs(setup, whole),
        breakdowns=tuple(breakdowns),
    )


def _slices(
    dimension: Dimension, community: CommunityInfo, inputs: Inputs
) -> list[tuple[str, Slice]]:
    """The values of `dimension`: those the community file names (with no tickets too), then
    any others the tickets hold (a building since removed, a category since renamed)."""
    facts = [*inputs.tickets, *inputs.open_now]
    if dimension == "level":
        seen = sorted({*LEVELS, *(t.level for t in facts)})
        return [(str(level), Slice(level=level)) for level in seen]
    if dimension == "staff":
        ids = sorted({t.assignee_id for t in facts if t.assignee_id is not None})
        return [(str(i), Slice(assignee_id=i)) for i in ids]
    if dimension == "building":
        named = [b.number for b in community.buildings]
        found = [t.building for t in facts if t.building is not None]
        return [(b, Slice(building=b)) for b in _ordered(named, found)]
    if dimension == "grid":
        found = [t.grid for t in facts if t.grid is not None]
        return [(g, Slice(grid=g)) for g in _ordered(community.grids, found)]
    found = [t.category for t in facts]
    return [(c, Slice(category=c)) for c in _ordered(ticket_categories(), found)]


def _ordered(named: Sequence[str], found: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*named, *sorted(set(found) - set(named))]))

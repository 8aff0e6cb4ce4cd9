"""Count one community's figures for a period and a slice, from what storage holds.

Deadlines are those each ticket was given when opened (its stored promises). Tickets opened
before promises were stored get the ones their level's policy gives today. Time taken is
counted in working time where the standard is in working units (5 working days), on the
community's calendar.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.kpi import EVERYTHING, Inputs, KpiFigures, Period, Slice, TicketFacts, compute
from bot.domain.kpi.figures import Timer
from bot.domain.records import CommunityInfo
from bot.services.duty.setup import DutySetup, load_setup
from bot.services.ports import KpiUnitOfWork

#: how many unanswered questions a report lists
TOP_GAPS = 5


def working_timer(setup: DutySetup) -> Timer:
    """Time taken in working time where the level's standard is in working units."""

    working: dict[tuple[int, str], bool] = {}

    def taken(level: int, name: str, start: datetime, end: datetime) -> timedelta:
        if (level, name) not in working:  # asked once per (level, deadline), not per ticket
            rule = getattr(setup.policy.level(level), name.removesuffix("_by"), None)
            working[level, name] = rule is not None and rule.is_working
        if working[level, name]:
            return setup.calendar.working_time_between(start, end)
        return end - start

    return taken


def with_promises(facts: list[TicketFacts], setup: DutySetup) -> list[TicketFacts]:
    """Tickets stored before promises were: the deadlines their level's policy gives. A
    respond deadline that only mirrors the acknowledge one (a level with no respond standard
    of its own, e.g. routine repairs) is one promise, counted once."""
    out = []
    for t in facts:
        promised = t.promised
        if not any(name != "follow_up_by" for name in promised):
            given = dict(setup.deadlines(t.level, t.created_at).items())
            given.pop("follow_up_by", None)  # planned from the fix, read from the call itself
            promised = {**given, **promised}
        if "respond_by" in promised and promised["respond_by"] == promised.get("acknowledge_by"):
            promised = {k: v for k, v in promised.items() if k != "respond_by"}
        out.append(t if promised is t.promised else replace(t, promised=promised))
    return out


def grids_of(community: CommunityInfo) -> dict[str, str | None]:
    return {b.number: b.grid for b in community.buildings}


async def read_inputs(
    tx: KpiUnitOfWork, community: CommunityInfo, period: Period, now: datetime
) -> tuple[Inputs, DutySetup]:
    """What `period`'s figures in `community` are counted from, once for any number of slices,
    and the community's duty set-up (its calendar: working time)."""
    setup = await load_setup(tx, community, now)
    grids = grids_of(community)
    before = period.previous()
    tickets = await tx.kpi.reported(community.id, period.start, period.end, grids)
    previous = await tx.kpi.reported_brief(community.id, before.start, before.end, grids)
    open_now = await tx.kpi.open_now(community.id, grids)
    inputs = Inputs(
        period=period,
        now=now,
        tickets=with_promises(tickets, setup),
        previous=previous,
        open_now=with_promises(open_now, setup),
        faq=await tx.kpi.faq_tally(community.id, period.start, period.end),
        gaps=await tx.kpi.gaps(community.id, period.start, period.end, TOP_GAPS),
        notices=await tx.kpi.notice_tally(community.id, period.start, period.end),
    )
    return inputs, setup


async def count_figures(
    tx: KpiUnitOfWork,
    community: CommunityInfo,
    period: Period,
    now: datetime,
    where: Slice = EVERYTHING,
) -> KpiFigures:
    """Every figure of `where` in `community` for `period`, as of `now`."""
    inputs, setup = await read_inputs(tx, community, period, now)
    return compute(inputs, where, working_timer(setup))

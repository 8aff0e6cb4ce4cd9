"""The committee's figures for one community (or one slice of it) over one period.

Every definition is written once here and in the README (“How Loudao counts”); tests compute
each figure by hand on a small fixed set of tickets. The tickets *of a period* are those
reported in it (created in [start, end)), followed to where they are now: a ticket reported on
30 November and fixed on 2 December counts in November's figures as fixed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.kpi.facts import (
    EVERYTHING,
    FaqTally,
    GapCount,
    NoticeTally,
    Slice,
    TicketFacts,
)
from bot.domain.kpi.period import Period
from bot.domain.kpi.promises import DEADLINE_NAMES, Kept, is_overdue, percentile, promises_of
from bot.domain.tickets.states import Status

#: how many hot spots (categories, buildings) a report names
HOT_SPOTS = 5
#: (level, deadline name) → time taken between two instants (working time where the standard is
#: in working units)
Timer = Callable[[int, str, datetime, datetime], timedelta]


def calendar_time(_level: int, _name: str, start: datetime, end: datetime) -> timedelta:
    """Time taken as the clock runs (the default timer)."""
    return end - start


@dataclass(frozen=True)
class Ratio:
    """`part` of `whole`; its share is None when there is nothing to divide."""

    part: int
    whole: int

    @property
    def share(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class DeadlineFigures:
    """How one level kept one kind of deadline."""

    level: int
    name: str  # acknowledge_by|respond_by|control_by|resolve_by|plan_by|follow_up_by
    met: int
    missed: int
    pending: int
    p50: timedelta | None  # time taken to the milestone, of the tickets that reached it
    p90: timedelta | None

    @property
    def on_time(self) -> Ratio:
        return Ratio(self.met, self.met + self.missed)


@dataclass(frozen=True)
class HotSpot:
    """A category or building, with its count this period and the one before."""

    name: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class KpiFigures:
    period: Period
    slice: Slice
    opened: int  # reported in the period, duplicates merged into another ticket aside
    handled: int  # opened, less those withdrawn or referred elsewhere
    resolved_waiting: int  # fixed, the resident's verdict still awaited
    closed: int  # closed: confirmed by the resident, or no answer in time
    confirmed: int  # closed with the resident's own word that it is fixed
    withdrawn: int
    referred: int
    reopened: int  # reopened at least once
    reopenings: int  # reopenings in all
    merged: int  # duplicates merged into another ticket
    me_too: int  # residents who joined these tickets as followers ("我也是")
    verdicts: dict[str, int]  # satisfied|mostly|not_solved → tickets
    open_now: int  # open at the moment of counting, whenever reported
    overdue_now: list[str]  # numbers of open tickets with a deadline passed and not met
    deadlines: list[DeadlineFigures]
    top_categories: list[HotSpot]
    top_buildings: list[HotSpot]
    faq: FaqTally = field(default_factory=FaqTally)
    gaps: list[GapCount] = field(default_factory=list)
    notices: NoticeTally = field(default_factory=NoticeTally)

    @property
    def closure_rate(self) -> Ratio:
        """办结率: closed ÷ handled."""
        return Ratio(self.closed, self.handled)

    @property
    def confirmed_rate(self) -> Ratio:
        """Confirmed fixed ÷ closed: what the resident said, apart from what was closed."""
        return Ratio(self.confirmed, self.closed)

    @property
    def satisfaction(self) -> Ratio:
        """满意率: (满意 + 基本满意) ÷ verdicts given by residents."""
        good = self.verdicts.get("satisfied", 0) + self.verdicts.get("mostly", 0)
        return Ratio(good, sum(self.verdicts.values()))


@dataclass(frozen=True)
class Inputs:
    """What one report is counted from (storage reads it; nothing here touches a database)."""

    period: Period
    now: datetime
    tickets: Sequence[TicketFacts]  # reported in the period (the slice applied or not)
    previous: Sequence[TicketFacts]  # reported in the period before
    open_now: Sequence[TicketFacts]  # open at `now`, whenever reported
    faq: FaqTally = field(default_factory=FaqTally)
    gaps: Sequence[GapCount] = ()
    notices: NoticeTally = field(default_factory=NoticeTally)


def compute(inputs: Inputs, where: Slice = EVERYTHING, timer: Timer = calendar_time) -> KpiFigures:
    """Count every figure of one slice of a community over one period."""
    mine = [t for t in inputs.tickets if where.holds(t)]
    kept = [t for t in mine if not t.merged]
    before = [t for t in inputs.previous if where.holds(t) and not t.merged]
    open_now = [t for t in inputs.open_now if where.holds(t)]
    withdrawn = sum(1 for t in kept if t.withdrawn)
    referred = sum(1 for t in kept if t.status is Status.REFERRED)
    closed = [t for t in kept if t.status is Status.CLOSED]
    return KpiFigures(
        period=inputs.period,
        slice=where,
        opened=len(kept),
        handled=len(kept) - withdrawn - referred,
        resolved_waiting=sum(1 for t in kept if t.status is Status.RESOLVED),
        closed=len(closed),
        confirmed=sum(1 for t in closed if t.closure == "confirmed"),
        withdrawn=withdrawn,
        referred=referred,
        reopened=sum(1 for t in kept if t.reopen_count > 0),
        reopenings=sum(t.reopen_count for t in kept),
        merged=len(mine) - len(kept),
        me_too=sum(t.me_too for t in kept),
        verdicts=dict(Counter(t.verdict for t in kept if t.verdict is not None)),
        open_now=len(open_now),
        overdue_now=[t.number for t in open_now if is_overdue(t, inputs.now)],
        deadlines=deadline_figures(kept, inputs.now, timer),
        top_categories=hot_spots(kept, before, lambda t: t.category),
        top_buildings=hot_spots(kept, before, lambda t: t.building),
        faq=inputs.faq,
        gaps=list(inputs.gaps),
        notices=inputs.notices,
    )


def deadline_figures(
    tickets: Iterable[TicketFacts], now: datetime, timer: Timer = calendar_time
) -> list[DeadlineFigures]:
    """Per level and kind of deadline: met, missed, pending, and p50/p90 time taken."""
    counts: dict[tuple[int, str], Counter[Kept]] = {}
    taken: dict[tuple[int, str], list[timedelta]] = {}
    for t in tickets:
        for name, verdict, reached in promises_of(t, now):
            if verdict is Kept.MOOT:
                continue
            key = (t.level, name)
            if key not in counts:
                counts[key] = Counter()
            counts[key][verdict] += 1
            if reached is not None:
                taken.setdefault(key, []).append(timer(t.level, name, t.created_at, reached))
    order = {name: n for n, name in enumerate(DEADLINE_NAMES)}
    return [
        DeadlineFigures(
            level=level,
            name=name,
            met=c[Kept.MET],
            missed=c[Kept.MISSED],
            pending=c[Kept.PENDING],
            p50=percentile(taken.get((level, name), []), 0.5),
            p90=percentile(taken.get((level, name), []), 0.9),
        )
        for (level, name), c in sorted(counts.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))
    ]


def hot_spots(
    tickets: Sequence[TicketFacts],
    previous: Sequence[TicketFacts],
    key: Callable[[TicketFacts], str | None],
    limit: int = HOT_SPOTS,
) -> list[HotSpot]:
    """The most reported categories or buildings, with the period before's count beside them."""
    now_counts = Counter(k for k in map(key, tickets) if k is not None)
    before_counts = Counter(k for k in map(key, previous) if k is not None)
    ranked = sorted(now_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [HotSpot(name, count, before_counts.get(name, 0)) for name, count in ranked]

"""Was each promise kept? The figures' view of one ticket's deadlines.

The rule itself is one function for exports and figures alike
(bot/domain/tickets/promises.py):

- acknowledge_by, respond_by: met by the ticket being accepted (接单), or by the first
  progress note or the fix if those came first;
- control_by: by the first progress note, or the fix;
- resolve_by: by the fix – a ticket reopened since is not fixed until it is fixed again;
- plan_by: by the complex matter's plan (「方案：…」), or by the fix;
- follow_up_by: by the follow-up call (回访完成).

A deadline is *met* when its milestone came by it, *missed* when it came later, or has not
come and the deadline has passed (also when the ticket was withdrawn, referred or merged only
after it passed), *pending* while it may still be met, and *moot* when the ticket was
withdrawn, referred elsewhere or merged before it fell due (it is not counted).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.kpi.facts import TicketFacts
from bot.domain.tickets import promises as rule
from bot.domain.tickets.states import Status


class Kept(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"
    MOOT = "moot"


#: the order deadlines are shown in
DEADLINE_NAMES = (
    "acknowledge_by",
    "respond_by",
    "control_by",
    "resolve_by",
    "plan_by",
    "follow_up_by",
)
_FIXED = frozenset({Status.RESOLVED, Status.CLOSED})
_ENDED = frozenset({Status.CANCELLED, Status.REFERRED})


def _milestones(facts: TicketFacts) -> dict[str, datetime | None]:
    return {
        "accepted_at": facts.accepted_at,
        "controlled_at": facts.controlled_at,
        "planned_at": facts.planned_at,
        "resolved_at": facts.resolved_at if facts.status in _FIXED else None,
        "followed_up_at": facts.follow_up_done_at,
    }


def ended_at(facts: TicketFacts) -> datetime | None:
    """When it ended without the work being done (withdrawn, referred, merged)."""
    if facts.status not in _ENDED and not facts.merged:
        return None
    return facts.closed_at or facts.updated_at


def reached_at(facts: TicketFacts, name: str) -> datetime | None:
    """When the milestone that meets deadline `name` came, or None if it has not."""
    if name not in rule.KEPT_BY:
        raise ValueError(f"not a deadline: {name}")
    return rule.kept_at(name, _milestones(facts))


def judge(facts: TicketFacts, name: str, now: datetime) -> Kept | None:
    """Whether the ticket kept its deadline `name` as of `now`; None if it had none."""
    due = facts.promised.get(name)
    if due is None:
        return None
    kept = rule.promise_kept(due, reached_at(facts, name), ended_at(facts), now)
    return Kept.MOOT if kept is None else Kept(kept.value)


_AS_KEPT = {kept: Kept(kept.value) for kept in rule.Kept}


def promises_of(facts: TicketFacts, now: datetime) -> Iterator[tuple[str, Kept, datetime | None]]:
    """Each deadline the ticket was given: how it was kept as of `now` (as `judge` says) and
    when its milestone came – the milestones and the end read once for all of them (a
    district's month judges some 200,000 deadlines)."""
    milestones = _milestones(facts)
    ended = ended_at(facts)
    for name, due in facts.promised.items():
        if name not in rule.KEPT_BY:
            raise ValueError(f"not a deadline: {name}")
        reached = rule.kept_at(name, milestones)
        kept = rule.promise_kept(due, reached, ended, now)
        yield name, Kept.MOOT if kept is None else _AS_KEPT[kept], reached


def is_overdue(facts: TicketFacts, now: datetime) -> bool:
    """An open ticket with a deadline passed and not met (the follow-up call aside)."""
    return facts.is_open and any(
        kept is Kept.MISSED and reached is None
        for name, kept, reached in promises_of(facts, now)
        if name != "follow_up_by"
    )


def percentile(values: Sequence[timedelta], share: float) -> timedelta | None:
    """The nearest-rank percentile (p50: share 0.5) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]

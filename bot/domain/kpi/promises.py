"""Was each promise kept? One ticket's deadline judged against the milestone that meets it.

- acknowledge_by, respond_by: met by the ticket being accepted (接单);
- control_by: by the first progress note (the situation under control);
- resolve_by: by the fix – a ticket reopened since is not fixed until it is fixed again;
- plan_by: by the complex matter's plan (「方案：…」), or by the fix;
- follow_up_by: by the follow-up call (回访完成).

A deadline is *met* when its milestone came by it, *missed* when it came later or has not come
and the deadline has passed, *pending* while it may still be met, and *moot* when the ticket was
withdrawn, referred elsewhere or merged before the milestone came (it is not counted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.kpi.facts import TicketFacts
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


def reached_at(facts: TicketFacts, name: str) -> datetime | None:
    """When the milestone that meets deadline `name` came, or None if it has not."""
    fixed_at = facts.resolved_at if facts.status in _FIXED else None
    if name in ("acknowledge_by", "respond_by"):
        return facts.accepted_at
    if name == "control_by":
        return facts.controlled_at
    if name == "resolve_by":
        return fixed_at
    if name == "plan_by":
        return facts.planned_at or fixed_at
    if name == "follow_up_by":
        return facts.follow_up_done_at
    raise ValueError(f"not a deadline: {name}")


def judge(facts: TicketFacts, name: str, now: datetime) -> Kept | None:
    """Whether the ticket kept its deadline `name` as of `now`; None if it had none."""
    due = facts.promised.get(name)
    if due is None:
        return None
    reached = reached_at(facts, name)
    if reached is not None:
        return Kept.MET if reached <= due else Kept.MISSED
    if facts.status in _ENDED or facts.merged:
        return Kept.MOOT
    return Kept.MISSED if now > due else Kept.PENDING


def is_overdue(facts: TicketFacts, now: datetime) -> bool:
    """An open ticket with a deadline passed and not met (the follow-up call aside)."""
    return facts.is_open and any(
        judge(facts, name, now) is Kept.MISSED and reached_at(facts, name) is None
        for name in facts.promised
        if name != "follow_up_by"
    )


def percentile(values: Sequence[timedelta], share: float) -> timedelta | None:
    """The nearest-rank percentile (p50: share 0.5) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]

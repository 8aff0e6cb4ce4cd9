"""Whether a ticket kept each promise it was given: met, missed, or still pending.

A promise is one deadline of `tickets.promised` ("acknowledge_by", "resolve_by" …). It is kept
by the first of the milestones that settle it (the same states settle its escalation steps,
see bot.domain.duty.records): accepting answers the acknowledge and respond deadlines, the
first progress note the control deadline, the plan (or the fix) the plan deadline, the fix the
resolve deadline, and the follow-up call its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum


class Kept(StrEnum):
    MET = "met"  # kept by the deadline
    MISSED = "missed"  # kept late, or not kept and the deadline has passed
    PENDING = "pending"  # not kept yet, and the deadline is still ahead


#: the promises, in the order of the standard, and the milestones that keep each one
KEPT_BY: dict[str, tuple[str, ...]] = {
    "acknowledge_by": ("accepted_at", "controlled_at", "resolved_at"),
    "respond_by": ("accepted_at", "controlled_at", "resolved_at"),
    "control_by": ("controlled_at", "resolved_at"),
    "plan_by": ("planned_at", "resolved_at"),
    "resolve_by": ("resolved_at",),
    "follow_up_by": ("followed_up_at",),
}
PROMISES = tuple(KEPT_BY)


def kept_at(promise: str, milestones: Mapping[str, datetime | None]) -> datetime | None:
    """When `promise` was kept: the earliest of the milestones that keep it, None if none."""
    reached = [at for name in KEPT_BY[promise] if (at := milestones.get(name)) is not None]
    return min(reached, default=None)


def promise_kept(
    due: datetime, kept: datetime | None, ended_at: datetime | None, now: datetime
) -> Kept | None:
    """Met, missed or pending for a promise due at `due`, kept at `kept` (None: not yet).

    `ended_at` is when the ticket ended without the work being done (cancelled, referred,
    merged): a promise it ended before is no longer owed (None); one it ended after was missed.
    """
    if kept is not None:
        return Kept.MET if kept <= due else Kept.MISSED
    if ended_at is not None:
        return Kept.MISSED if ended_at > due else None
    return Kept.PENDING if now <= due else Kept.MISSED

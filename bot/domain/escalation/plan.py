"""The escalation plan of a ticket: reminders before deadlines and pages up the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.domain.duty.roster import DutyAnswer, StaffRef
from bot.domain.sla.deadlines import Deadlines, SlaPolicy
from bot.domain.sla.workdays import WorkCalendar

StepKind = Literal["remind", "page"]

# Reasons a step carries; a step is moot once its condition is met:
#   "accept"          nobody has accepted the ticket yet (the chain's after_minutes pager)
#   "acknowledge_by", "respond_by", "control_by", "resolve_by", "plan_by", "follow_up_by"
#                     that deadline (a Deadlines field) has not been met
ACCEPT = "accept"
FOLLOW_UP_BY = "follow_up_by"

#: A step whose firing fails is tried again after each of these delays, then given up: the
#: admins are told which ticket could not be escalated (about two minutes after the first try).
RETRY_DELAYS = (timedelta(seconds=10), timedelta(seconds=30), timedelta(seconds=90))


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait before the next try after `attempts` failed ones; None: give up."""
    if attempts < 1:
        raise ValueError("attempts counts failed tries, from 1")
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


@dataclass(frozen=True)
class EscalationStep:
    """One durable timer row: at `at`, remind or page `target` unless `reason` is settled."""

    at: datetime
    kind: StepKind
    target: StaffRef
    reason: str
    step_no: int


def plan_escalation(
    level: int,
    opened_at: datetime,
    deadlines: Deadlines,
    duty: DutyAnswer,
    policy: SlaPolicy,
    cal: WorkCalendar | None = None,
) -> list[EscalationStep]:
    """Plan every reminder and page of a ticket, in time order, numbered from 1.

    - Each chain step with `after_minutes` is paged that long after opening if nobody has
      accepted (level 1 by default: backup and supervisor together at 5 min, admin at 30).
    - Before each deadline of the level, the primary is reminded at `policy.remind_at` of the
      way (measured in working time when the deadline is in working units and `cal` is given).
    - At the k-th deadline the k-th person of the chain is paged (the last one repeats);
      with no chain the primary is paged.
    """
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    primary = duty.primary
    if primary is None:
        return []
    rules = policy.level(level)
    drafts: list[tuple[datetime, StepKind, StaffRef, str]] = []

    for step in duty.chain:
        if step.after_minutes is not None:
            drafts.append((_after(opened_at, step.after_minutes), "page", step.staff, ACCEPT))

    page_count = 0
    for name, due in deadlines.items():
        if name == FOLLOW_UP_BY:
            continue  # the call follows the fix, not the report: planned when it is resolved
        duration = getattr(rules, name.removesuffix("_by"))
        if duration is None:
            # e.g. level 2 has no separate respond deadline: respond_by mirrors acknowledge_by
            continue
        if cal is not None and duration.is_working:
            worked = cal.working_time_between(opened_at, due)
            remind_at = cal.add_working_time(opened_at, worked * policy.remind_at)
        else:
            remind_at = opened_at.astimezone(UTC) + (due - opened_at) * policy.remind_at
        if opened_at < remind_at < due:
            drafts.append((remind_at, "remind", primary, name))
        chain = duty.chain
        target = chain[min(page_count, len(chain) - 1)].staff if chain else primary
        drafts.append((due, "page", target, name))
        page_count += 1

    seen: set[tuple[datetime, StepKind, str]] = set()
    unique: list[tuple[datetime, StepKind, StaffRef, str]] = []
    for draft in sorted(drafts, key=lambda d: (d[0], d[1] == "page")):
        key = (draft[0], draft[1], draft[2].key)
        if key not in seen:
            seen.add(key)
            unique.append(draft)
    return [
        EscalationStep(at.astimezone(UTC), kind, target, reason, number)
        for number, (at, kind, target, reason) in enumerate(unique, start=1)
    ]


def plan_follow_up(
    resolved_at: datetime, due: datetime, duty: DutyAnswer, policy: SlaPolicy, first_step_no: int
) -> list[EscalationStep]:
    """The follow-up call after a fix: the holder reminded at `remind_at` of the way to `due`,
    and the last person of the chain (the admin, by default) paged at `due` if it is not made."""
    primary = duty.primary
    if primary is None:
        return []
    target = duty.chain[-1].staff if duty.chain else primary
    remind_at = resolved_at.astimezone(UTC) + (due - resolved_at) * policy.remind_at
    return [
        EscalationStep(remind_at, "remind", primary, FOLLOW_UP_BY, first_step_no),
        EscalationStep(due.astimezone(UTC), "page", target, FOLLOW_UP_BY, first_step_no + 1),
    ]


def _after(moment: datetime, minutes: int) -> datetime:
    return moment.astimezone(UTC) + timedelta(minutes=minutes)

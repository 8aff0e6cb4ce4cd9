"""Keep a ticket's stored escalation steps in line with its state.

`after_transition` runs inside every ticket state change (tickets_core.change): the first
assignment plans the steps (and fills respond_by/due_at when the router left them empty), a
reopen or unmerge plans them again from that moment, and any change cancels the pending steps
whose reason the new state has settled – so an accepted page stops the chain. A reassignment
keeps the ticket's deadlines but re-aims what is still to come at the new holder: reminders go to
them and pages go to the people above them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

from bot.domain.duty.records import (
    FOLLOW_UP,
    MILESTONE,
    REMIND,
    NewStep,
    is_settled,
    settled_reasons,
)
from bot.domain.duty.roster import DutyAnswer
from bot.domain.escalation.plan import EscalationStep, plan_escalation, plan_follow_up
from bot.domain.records import CommunityInfo
from bot.domain.tickets import Action, Status, Ticket
from bot.domain.tickets.changes import deadlines as promised
from bot.domain.tickets.plan import milestones
from bot.services.duty.setup import DutySetup, load_setup, main_due, staff_ref
from bot.services.escalation.followup import cancel_followup, ensure_followup
from bot.services.ports import TicketUnitOfWork

_PLAN_ON = frozenset({Action.ASSIGN, Action.REOPEN, Action.UNMERGE})
MILESTONE_AT = time(9, 0)  # a plan's step is reminded of at 09:00 on its day


def plan_steps(
    setup: DutySetup, ticket: Ticket, at: datetime, first_step_no: int
) -> list[NewStep]:
    """The reminders and pages of `ticket` counted from `at`, for its current assignee."""
    answer = setup.roster.who(ticket.building, ticket.category, at, ticket.level)
    assignee = setup.person(ticket.assignee_id)
    primary = staff_ref(assignee) if assignee is not None else answer.primary
    if primary is None:
        return []
    # escalation goes up: when the holder is in the chain (e.g. the supervisor took the ticket
    # over), only the people above them are paged; people without Telegram cannot be paged
    keys = [s.staff.key for s in answer.chain]
    above = answer.chain[keys.index(primary.key) + 1 :] if primary.key in keys else answer.chain
    chain = tuple(s for s in above if s.staff.telegram_id is not None)
    duty = DutyAnswer(primary, chain, answer.primary_role)
    deadlines = setup.deadlines(ticket.level, at)
    steps = plan_escalation(ticket.level, at, deadlines, duty, setup.policy, setup.calendar)
    return _stored(steps, first_step_no - 1)


def _stored(steps: list[EscalationStep], offset: int = 0) -> list[NewStep]:
    """Planned steps as rows to store, their numbers moved on by `offset`."""
    return [
        NewStep(
            step_no=offset + s.step_no,
            kind=s.kind,
            target_key=s.target.key,
            target_id=s.target.telegram_id,
            target_name=s.target.name,
            reason=s.reason,
            due_at=s.at,
        )
        for s in steps
    ]


async def after_transition(
    tx: TicketUnitOfWork, before: Ticket, action: Action, after: Ticket, now: datetime
) -> Ticket:
    """Settle what the new state answers; plan steps on assignment, reopen and unmerge."""
    reasons = settled_reasons(after.status)
    reassigned = action is Action.REASSIGN and before.assignee_id != after.assignee_id
    if action in (Action.REOPEN, Action.UNMERGE) or reassigned:
        await tx.duty.cancel_pending(after.id, None, now)  # the old plan is void
    if action is Action.REOPEN:
        community = await tx.registry.community(after.community_id)
        if community is not None:
            await cancel_followup(tx, after, community, now)
    elif reasons:
        await tx.duty.cancel_pending(after.id, reasons, now)
    replan = action in (Action.REOPEN, Action.UNMERGE)
    first = action is Action.ASSIGN and before.status is Status.NEW
    resolved = action is Action.RESOLVE
    if not (replan or first or resolved or reassigned) or after.assignee_id is None:
        return after
    community = await tx.registry.community(after.community_id)
    if community is None:
        return after
    setup = await load_setup(tx, community, now)
    if resolved:
        # an emergency is followed by a call to the resident, counted from the fix: the
        # assignee gets the task now, is reminded before it is due and the chain paged after
        call = setup.policy.level(after.level).follow_up
        if call is not None:
            due = call.after(now, setup.calendar)
            await ensure_followup(tx, after, community, due, now)
            await _plan_follow_up(tx, setup, after, due, now)
        return after
    if reassigned:
        await replan_ahead(tx, setup, after, now)
        return after
    at = after.created_at if first else now
    last = await tx.duty.last_step_no(after.id)
    await tx.duty.add_steps(
        after.id, after.community_id, plan_steps(setup, after, at, last + 1), now
    )
    if replan or after.respond_by is None or after.due_at is None:
        deadlines = setup.deadlines(after.level, at)
        after = await tx.tickets.update(
            after.id,
            promised(
                (after.respond_by if first else None) or deadlines.respond_by,
                (after.due_at if first else None) or main_due(deadlines),
                deadlines.as_dict() if first else None,
            ),
            now,
        )
    await setup.warn_unknown_years(tx, now)
    return after


async def replan_ahead(
    tx: TicketUnitOfWork,
    setup: DutySetup,
    ticket: Ticket,
    now: datetime,
    *,
    catch_up: bool = False,
) -> None:
    """Plan the steps still to come for the ticket's holder, level and deadlines.

    The plan is counted from when the ticket was opened (the promise to the resident does not
    move with a handover or a correction); steps answered by the ticket's state are left out,
    and so are steps already past – unless `catch_up`, when the pages that are overdue under
    the new plan go out now (once per person): a ticket found to be an emergency ten minutes
    late pages the backup and the supervisor at once. The caller cancelled the pending steps.
    """
    last = await tx.duty.last_step_no(ticket.id)
    ahead: list[NewStep] = []
    caught: set[str] = set()
    for step in plan_steps(setup, ticket, ticket.created_at, 1):
        if is_settled(step.reason, ticket.status):
            continue
        if step.due_at > now:
            ahead.append(step)
        elif catch_up and step.kind == "page" and step.target_key not in caught:
            caught.add(step.target_key)
            ahead.append(replace(step, due_at=now))
    numbered = [replace(s, step_no=last + n) for n, s in enumerate(ahead, start=1)]
    await tx.duty.add_steps(ticket.id, ticket.community_id, numbered, now)


async def plan_given(
    tx: TicketUnitOfWork, ticket: Ticket, community: CommunityInfo, plan: str, now: datetime
) -> int:
    """A complex matter's plan is in: its deadline is met, and each dated step of it gets a
    reminder to the holder on its day (settled when the ticket is resolved). Returns how many."""
    await tx.duty.cancel_pending(ticket.id, ["plan_by", MILESTONE], now)
    setup = await load_setup(tx, community, now)
    holder = setup.person(ticket.assignee_id)
    if holder is None or holder.telegram_id is None:
        return 0
    last = await tx.duty.last_step_no(ticket.id)
    due = [
        datetime.combine(m.day, MILESTONE_AT, tzinfo=setup.tz).astimezone(UTC)
        for m in milestones(plan, now.astimezone(setup.tz).date())
    ]
    steps = [
        NewStep(
            step_no=last + n,
            kind=REMIND,
            target_key=holder.key,
            target_id=holder.telegram_id,
            target_name=holder.name,
            reason=MILESTONE,
            due_at=at,
        )
        for n, at in enumerate((at for at in due if at > now), start=1)
    ]
    await tx.duty.add_steps(ticket.id, ticket.community_id, steps, now)
    return len(steps)


async def _plan_follow_up(
    tx: TicketUnitOfWork, setup: DutySetup, ticket: Ticket, due: datetime, now: datetime
) -> None:
    await tx.duty.cancel_pending(ticket.id, [FOLLOW_UP], now)
    answer = setup.roster.who(ticket.building, ticket.category, ticket.created_at, ticket.level)
    holder = setup.person(ticket.assignee_id)
    primary = staff_ref(holder) if holder is not None else answer.primary
    chain = tuple(s for s in answer.chain if s.staff.telegram_id is not None)
    duty = DutyAnswer(primary, chain, answer.primary_role)
    last = await tx.duty.last_step_no(ticket.id)
    steps = plan_follow_up(now, due, duty, setup.policy, last + 1)
    await tx.duty.add_steps(ticket.id, ticket.community_id, _stored(steps), now)

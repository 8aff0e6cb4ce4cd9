"""Typed changes to a stored ticket: what a use case sets, built by one named function each.

A change names only the columns it sets; every other column is kept. The repository applies
it as one UPDATE. The state itself moves only through the transition table (`states.py`):
`core.change` adds the new status to the change a transition comes with.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Final

from bot.domain.tickets.model import Closure, Ticket, Verdict
from bot.domain.tickets.states import Action, Status


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP  # this column stays as it is


@dataclass(frozen=True)
class TicketChange:
    """Columns to set on a ticket; a field left at KEEP is not touched."""

    status: Status | _Keep = KEEP
    category: str | _Keep = KEEP
    level: int | _Keep = KEEP
    assignee_id: int | _Keep | None = KEEP
    assignee_name: str | _Keep | None = KEEP
    card_outbox_id: int | _Keep | None = KEEP
    card_version: int | _Keep = KEEP
    verdict_outbox_id: int | _Keep | None = KEEP
    respond_by: datetime | _Keep | None = KEEP
    due_at: datetime | _Keep | None = KEEP
    verdict_due_at: datetime | _Keep | None = KEEP
    resolved_at: datetime | _Keep | None = KEEP
    closed_at: datetime | _Keep | None = KEEP
    closure: Closure | _Keep | None = KEEP
    verdict: Verdict | _Keep | None = KEEP
    referred_to: str | _Keep | None = KEEP
    cancel_reason: str | _Keep | None = KEEP
    merged_into_id: int | _Keep | None = KEEP
    last_note: str | _Keep | None = KEEP
    phone: str | _Keep | None = KEEP  # private: never in a group
    promised: dict[str, str] | _Keep = KEEP
    accepted_at: datetime | _Keep | None = KEEP
    controlled_at: datetime | _Keep | None = KEEP
    planned_at: datetime | _Keep | None = KEEP
    reopen_count: int | _Keep = KEEP

    def columns(self) -> dict[str, object]:
        """The columns this change sets, by name (enums as their stored values)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is KEEP:
                continue
            out[f.name] = value.value if isinstance(value, Enum) else value
        return out

    def with_status(self, status: Status) -> TicketChange:
        return replace(self, status=status)

    def __or__(self, other: TicketChange) -> TicketChange:
        """Both changes at once; where both set a column, `other` wins."""
        kept = {f.name: getattr(other, f.name) for f in fields(other)}
        return replace(self, **{k: v for k, v in kept.items() if v is not KEEP})


NO_CHANGE = TicketChange()


def handed_to(telegram_id: int, name: str) -> TicketChange:
    """Someone now holds the ticket (assigned, reassigned, taken over from a page)."""
    return TicketChange(assignee_id=telegram_id, assignee_name=name)


def referred(where: str, now: datetime) -> TicketChange:
    """Not ours: the resident was told where to go (12345, the gas company …)."""
    return TicketChange(referred_to=where, closed_at=now)


def phone_given(phone: str) -> TicketChange:
    """The resident wrote a phone number later (in a reply): staff can call."""
    return TicketChange(phone=phone)


def noted(text: str) -> TicketChange:
    """A progress note from staff; the card shows the latest."""
    return TicketChange(last_note=text)


def resolved(
    note: str, previous_note: str | None, now: datetime, window: timedelta
) -> TicketChange:
    """Staff say it is fixed; the resident has `window` to give a verdict."""
    return TicketChange(
        resolved_at=now, last_note=note or previous_note, verdict_due_at=now + window
    )


def reopened(verdict: Verdict) -> TicketChange:
    """The resident says it is not fixed: the verdict is kept, no verdict is awaited."""
    return TicketChange(verdict=verdict, verdict_due_at=None)


def reopened_by_follower() -> TicketChange:
    """A follower says it is not fixed for them: reopened, but the reporter's verdict is theirs
    to give – nothing is stored as the ticket's verdict."""
    return TicketChange(verdict_due_at=None)


def confirmed(verdict: Verdict, now: datetime) -> TicketChange:
    """The resident says it is fixed (satisfied or mostly): closed, confirmed."""
    return TicketChange(
        verdict=verdict, closure=Closure.CONFIRMED, closed_at=now, verdict_due_at=None
    )


def expired(now: datetime) -> TicketChange:
    """Nobody gave a verdict in time: closed as handled, not confirmed."""
    return TicketChange(closure=Closure.UNCONFIRMED, closed_at=now, verdict_due_at=None)


def cancelled(reason: str, now: datetime) -> TicketChange:
    """Withdrawn by the reporter or staff, with the reason the group sees."""
    return TicketChange(cancel_reason=reason, closed_at=now)


def merged_into(ticket_id: int) -> TicketChange:
    """The same problem as another ticket: folded into it."""
    return TicketChange(merged_into_id=ticket_id, cancel_reason="merged")


def unmerged() -> TicketChange:
    """A merge undone: the ticket lives again."""
    return TicketChange(merged_into_id=None, cancel_reason=None)


def card_posted(outbox_id: int | None) -> TicketChange:
    """The group status card was queued: its outbox row, first version."""
    return TicketChange(card_outbox_id=outbox_id, card_version=1)


def card_moved(outbox_id: int | None, version: int) -> TicketChange:
    """The group status card was posted anew (its group became a supergroup), at this version."""
    return TicketChange(card_outbox_id=outbox_id, card_version=version)


def card_version(version: int) -> TicketChange:
    """The group status card is shown anew at this version."""
    return TicketChange(card_version=version)


def verdict_asked(outbox_id: int | None) -> TicketChange:
    """The verdict question was queued in the group."""
    return TicketChange(verdict_outbox_id=outbox_id)


def deadlines(
    respond_by: datetime | None, due_at: datetime | None, promised: dict[str, str] | None = None
) -> TicketChange:
    """The ticket's promised times (from the SLA of its level); `promised`: all of them, as
    first given (None keeps them: a reopened ticket's new times drive its escalation, while the
    figures judge it by what it was promised when reported)."""
    return TicketChange(
        respond_by=respond_by, due_at=due_at, promised=KEEP if promised is None else promised
    )


def reclassified(
    level: int,
    category: str,
    respond_by: datetime | None,
    due_at: datetime | None,
    promised: dict[str, str],
) -> TicketChange:
    """Staff corrected what intake misread; the deadlines are those of the new level."""
    return TicketChange(
        level=level, category=category, respond_by=respond_by, due_at=due_at, promised=promised
    )


def plan_stated(now: datetime) -> TicketChange:
    """A complex matter's plan was given (the first time counts for the plan deadline)."""
    return TicketChange(planned_at=now)


def milestones_reached(ticket: Ticket, action: Action, now: datetime) -> TicketChange:
    """The milestones `action` reaches for the first time, and one more reopening."""
    if action is Action.ACCEPT and ticket.accepted_at is None:
        return TicketChange(accepted_at=now)
    if action is Action.PROGRESS and ticket.controlled_at is None:
        return TicketChange(controlled_at=now)
    if action is Action.REOPEN:
        return TicketChange(reopen_count=ticket.reopen_count + 1)
    return NO_CHANGE

"""What a group may see of a ticket: the status card's fields, with no private detail at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.tickets.model import Closure, Ticket
from bot.domain.tickets.states import Status


class PromiseKind(StrEnum):
    """The promise a group card names, by the community's published standard (三级响应)."""

    RESPOND = "respond"  # level 1: someone there within 30 minutes
    CONTROL = "control"  # level 1, once someone is on it: the danger under control
    RESOLVE = "resolve"  # level 2: done within 5 working days
    PLAN = "plan"  # level 3: a plan within 2 weeks
    VERDICT = "verdict"  # handled: the reporter is asked to confirm by then


@dataclass(frozen=True)
class Promise:
    """What the group was promised, by when, and whether that time has passed."""

    kind: PromiseKind
    at: datetime
    within: timedelta | None = None  # from the report, for 「30 分钟内到场」
    missed: bool = False


#: the deadline (a Deadlines field) each promise is kept by
PROMISE_DEADLINE = {
    PromiseKind.RESPOND: "respond_by",
    PromiseKind.CONTROL: "control_by",
    PromiseKind.RESOLVE: "resolve_by",
    PromiseKind.PLAN: "plan_by",
}
_BEFORE_WORK = (Status.NEW, Status.ASSIGNED, Status.REOPENED)  # accepted: someone is on it


def promise_of(ticket: Ticket, now: datetime | None = None) -> Promise | None:
    """The promise the card shows as the ticket stands: level 1 to be there (until someone
    accepts), then to have it under control; level 2 to have it fixed; level 3 to have a plan;
    handled, to confirm."""
    if ticket.status is Status.RESOLVED:
        if ticket.verdict_due_at is None:
            return None
        return Promise(PromiseKind.VERDICT, ticket.verdict_due_at)
    if not ticket.is_open:
        return None
    if ticket.level == 1 and ticket.status in _BEFORE_WORK and ticket.respond_by is not None:
        kind, at = PromiseKind.RESPOND, ticket.respond_by
    elif ticket.due_at is not None:
        kind = {1: PromiseKind.CONTROL, 3: PromiseKind.PLAN}.get(ticket.level, PromiseKind.RESOLVE)
        at = ticket.due_at
    else:
        return None
    within = at - ticket.created_at if kind is PromiseKind.RESPOND else None
    return Promise(kind, at, within, missed=now is not None and now > at)


@dataclass(frozen=True)
class PublicCard:
    """The status card: number, category, place (building/unit only), state, handler, promise.

    By construction it holds no room, phone, text or reporter: a group message is built only
    from this record.
    """

    number: str
    category: str
    level: int
    building: str | None
    unit: str | None
    status: Status
    closure: Closure | None
    handler: str | None
    referred_to: str | None
    merged_into: str | None
    promise: Promise | None = None

    @property
    def label(self) -> str:
        return f"#{self.number}"


CardView = PublicCard


def public_card(
    ticket: Ticket, merged_into: str | None = None, now: datetime | None = None
) -> PublicCard:
    """Project a ticket to what its group status card shows (at `now`: a promise whose time
    has passed says so)."""
    return PublicCard(
        number=ticket.number,
        category=ticket.category,
        level=ticket.level,
        building=ticket.building,
        unit=ticket.unit,
        status=ticket.status,
        closure=ticket.closure,
        handler=ticket.assignee_name,
        referred_to=ticket.referred_to,
        merged_into=merged_into,
        promise=promise_of(ticket, now),
    )

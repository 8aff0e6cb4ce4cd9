"""What a group may see of a ticket: the status card's fields, with no private detail at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.tickets.model import Closure, Ticket
from bot.domain.tickets.states import Status


@dataclass(frozen=True)
class PublicCard:
    """The status card: number, category, place (building/unit only), state, handler, next time.

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
    next_at: datetime | None
    referred_to: str | None
    merged_into: str | None

    @property
    def label(self) -> str:
        return f"#{self.number}"


CardView = PublicCard


def public_card(ticket: Ticket, merged_into: str | None = None) -> PublicCard:
    """Project a ticket to what its group status card shows."""
    next_at = None
    if ticket.status in (Status.NEW, Status.ASSIGNED, Status.REOPENED):
        next_at = ticket.respond_by or ticket.due_at
    elif ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS):
        next_at = ticket.due_at
    elif ticket.status is Status.RESOLVED:
        next_at = ticket.verdict_due_at
    return PublicCard(
        number=ticket.number,
        category=ticket.category,
        level=ticket.level,
        building=ticket.building,
        unit=ticket.unit,
        status=ticket.status,
        closure=ticket.closure,
        handler=ticket.assignee_name,
        next_at=next_at,
        referred_to=ticket.referred_to,
        merged_into=merged_into,
    )

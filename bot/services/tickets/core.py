"""What every ticket use case shares: settings, the one way to change state, and lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidTransition, NotAllowed, NotFound
from bot.domain.intake import BuildingRef, IntakeRules
from bot.domain.records import AuditRecord, CommunityInfo, PersonInfo
from bot.domain.tickets import (
    NO_CHANGE,
    Action,
    DuplicatePolicy,
    Ticket,
    TicketChange,
    format_number,
    parse_number,
    transition,
)
from bot.domain.tickets.changes import milestones_reached
from bot.domain.tickets.flood import FloodPolicy
from bot.intake_files import load_rules
from bot.services.escalation.plan import after_transition
from bot.services.ports import QuestionDesk, TicketUnitOfWork, TicketUnitOfWorkFactory
from bot.services.tickets.cards import MANAGER_ROLES, STAFF_ROLES, Looks
from bot.services.tickets.routing import Router


@dataclass(frozen=True)
class TicketPolicy:
    """The tunable numbers of the ticket flow."""

    verdict_window: timedelta = timedelta(hours=48)
    duplicates: DuplicatePolicy = field(default_factory=DuplicatePolicy)
    prompt_window: timedelta = timedelta(minutes=30)  # a plain private text answers a prompt
    draft_window: timedelta = timedelta(minutes=30)  # an abandoned /report expires
    max_chars: int = 2000  # a longer message is registered by its first max_chars characters
    offer_window: timedelta = timedelta(hours=2)  # one offer per person and kind within it
    note_chars: int = 300
    flood: FloodPolicy = field(default_factory=FloodPolicy)  # reports one resident may open


@dataclass
class TicketEnv:
    uow: TicketUnitOfWorkFactory
    clock: Clock
    router: Router
    looks: Looks = field(default_factory=Looks)
    policy: TicketPolicy = field(default_factory=TicketPolicy)
    questions: QuestionDesk | None = None


@cache
def rules_for(override: str | None) -> IntakeRules:
    """The intake rules of a community (its override file on top of the defaults), cached."""
    return load_rules(override)


def community_rules(community: CommunityInfo) -> IntakeRules:
    override = community.extra.get("intake_rules")
    return rules_for(str(override) if override else None)


def building_refs(community: CommunityInfo) -> list[BuildingRef]:
    return [BuildingRef(b.number, b.aliases, b.units) for b in community.buildings]


def refuse_transition(locale: str, exc: InvalidTransition) -> InvalidTransition:
    """The same refusal with the state and action in words people read."""
    state = str(exc.params.get("state", ""))
    action = str(exc.params.get("action", ""))
    return InvalidTransition(
        "tickets.error.invalid_transition",
        state=i18n.t(locale, f"tickets.status.{state}"),
        action=i18n.t(locale, f"tickets.action.{action}"),
    )


async def change(
    tx: TicketUnitOfWork,
    ticket: Ticket,
    action: Action,
    now: datetime,
    *,
    actor: int | None,
    update_id: int | None,
    locale: str,
    changes: TicketChange = NO_CHANGE,
    note: str = "",
) -> Ticket:
    """Apply one transition from the table, with its other column changes and an audit event."""
    try:
        after = transition(ticket.status, action)
    except InvalidTransition as exc:
        raise refuse_transition(locale, exc) from exc
    reached = milestones_reached(ticket, Action(action), now)
    updated = await tx.tickets.update(ticket.id, (reached | changes).with_status(after), now)
    await tx.audit.record(
        AuditRecord(
            action=f"ticket.{action.value}",
            subject=f"ticket:{ticket.number}",
            actor_telegram_id=actor,
            community_id=ticket.community_id,
            update_id=update_id,
            # whether a note came with it, not the note: audit rows hold no personal data (the
            # note itself is a ticket note, which retention scrubs; the audit log is append-only)
            details={"from": ticket.status.value, "to": after.value, "noted": bool(note)},
        ),
        now,
    )
    # duty: settle or plan the ticket's escalation steps in the same transaction
    return await after_transition(tx, ticket, Action(action), updated, now)


async def person_in(
    tx: TicketUnitOfWork, telegram_id: int, community_id: int
) -> PersonInfo | None:
    people = await tx.people.by_telegram_id(telegram_id)
    return next((p for p in people if p.community_id == community_id), None)


async def require_handler(
    tx: TicketUnitOfWork, ticket: Ticket, telegram_id: int
) -> PersonInfo | None:
    """Only the assignee, a supervisor or an admin of the community may act on a ticket."""
    person = await person_in(tx, telegram_id, ticket.community_id)
    if ticket.assignee_id == telegram_id:
        return person
    if person is not None and person.has_role(*MANAGER_ROLES):
        return person
    raise NotAllowed("tickets.error.not_assignee")


async def community_of(tx: TicketUnitOfWork, ticket: Ticket) -> CommunityInfo:
    community = await tx.registry.community(ticket.community_id)
    assert community is not None, "a ticket always belongs to a community"
    return community


async def locked_ticket(tx: TicketUnitOfWork, ticket_id: int) -> tuple[Ticket, CommunityInfo]:
    """A ticket locked for this transaction, with its community; NotFound if there is none."""
    ticket = await tx.tickets.get(ticket_id, lock=True)
    if ticket is None:
        raise NotFound()
    return ticket, await community_of(tx, ticket)


async def find_ticket(tx: TicketUnitOfWork, text: str, user_id: int) -> Ticket:
    """A ticket by the number someone typed (#A-0042, A-42, or 42 in their community)."""
    parsed = parse_number(text)
    if parsed is None:
        raise NotFound("tickets.error.not_found", number=text[:20])
    codes = [parsed.code] if parsed.code else []
    if not codes:
        for p in await tx.people.by_telegram_id(user_id):
            community = await tx.registry.community(p.community_id)
            if community is not None:
                codes.append(community.code)
        if not codes:
            codes = [c.code for c in await tx.registry.communities()]
    for code in codes:
        ticket = await tx.tickets.by_number(format_number(code, parsed.seq))
        if ticket is not None:
            return ticket
    raise NotFound("tickets.error.not_found", number=text[:20])


async def is_staff(tx: TicketUnitOfWork, ticket: Ticket, user_id: int) -> bool:
    """Whether the person works for the ticket's community (any staff role)."""
    person = await person_in(tx, user_id, ticket.community_id)
    return person is not None and person.has_role(*STAFF_ROLES)

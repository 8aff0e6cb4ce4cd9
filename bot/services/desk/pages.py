"""What the desk's pages show and do: the week's figures and what is late, the ticket list, one
ticket's story and promises, and handing a ticket over – through the chat's own services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.desk.filters import PAGE_SIZE, TicketFilter
from bot.domain.desk.timeline import TimelineEvent, merged
from bot.domain.errors import InvalidTransition, NotFound
from bot.domain.kpi import KpiFigures, TicketFacts, week_of
from bot.domain.kpi.ask import StatsAsk
from bot.domain.kpi.promises import DEADLINE_NAMES, Kept, is_overdue, judge, reached_at
from bot.domain.records import AuditRecord, PersonInfo
from bot.domain.tickets import Action, Ticket, transition
from bot.services.desk.sign_in import DeskUser
from bot.services.duty.setup import load_setup
from bot.services.kpi.counting import with_promises
from bot.services.kpi.desk import figures_message
from bot.services.ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from bot.services.renders import bar_chart, render_bar_chart
from bot.services.tickets.cards import Looks
from bot.services.tickets.staff_actions import StaffActions, reassign_choices

#: the most open tickets the overdue filter judges at once (a community's open tickets)
MAX_OPEN = 5000


@dataclass(frozen=True)
class Late:
    """An open ticket past a deadline it has not met: which one, and by how much."""

    facts: TicketFacts
    deadline: str
    late_by: timedelta


def lateness(facts: TicketFacts, now: datetime) -> Late | None:
    """The earliest deadline `facts` has missed and still not met, if any."""
    missed = [
        (due, name)
        for name, due in facts.promised.items()
        if name != "follow_up_by"
        and judge(facts, name, now) is Kept.MISSED
        and reached_at(facts, name) is None
    ]
    if not facts.is_open or not missed:
        return None
    due, name = min(missed)
    return Late(facts, name, now - due)


@dataclass(frozen=True)
class Overview:
    figures_html: str  # the /stats message of this week, the same words and numbers
    kpi: KpiFigures
    late: list[Late]  # the most late first
    names: dict[int, str]  # staff by Telegram user id


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketFacts]
    late: dict[int, Late]
    where: TicketFilter
    next_before: int | None  # the keyset of the next page, None on the last
    staff: list[PersonInfo]


@dataclass(frozen=True)
class Promise:
    name: str
    due: datetime
    kept: Kept
    reached: datetime | None


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    facts: TicketFacts
    promises: list[Promise]
    timeline: list[TimelineEvent]
    choices: list[PersonInfo]  # whom it may be handed to; empty when it cannot be
    names: dict[int, str]  # staff by Telegram user id (who did what)
    personal: bool  # room and phone are shown (admins; the view is audited)


async def _names(tx: DeskUnitOfWork, user: DeskUser) -> dict[int, str]:
    people = await tx.people.of_community(user.community.id)
    return {p.telegram_id: p.name for p in people if p.telegram_id is not None}


class DeskPages:
    def __init__(self, uow: DeskUnitOfWorkFactory, clock: Clock, staff: StaffActions) -> None:
        self.uow = uow
        self.clock = clock
        self.staff = staff

    def _week(self, user: DeskUser) -> StatsAsk:
        today = self.clock.now().astimezone(ZoneInfo(user.community.timezone)).date()
        return StatsAsk(week_of(today, user.community.timezone))

    async def overview(self, user: DeskUser) -> Overview:
        """This week's figures (as /stats counts them) and the late tickets, most late first."""
        now = self.clock.now()
        async with self.uow() as tx:
            text, kpi = await figures_message(
                tx, user.community, self._week(user), now, user.locale, admin=user.admin
            )
            late = await self._late(tx, user, now)
            names = await _names(tx, user)
        return Overview(text, kpi, sorted(late, key=lambda x: -x.late_by), names)

    async def _late(self, tx: DeskUnitOfWork, user: DeskUser, now: datetime) -> list[Late]:
        open_now = await tx.desk.tickets(user.community.id, TicketFilter(overdue=True), MAX_OPEN)
        setup = await load_setup(tx, user.community, now)
        return [x for f in with_promises(open_now, setup) if (x := lateness(f, now))]

    async def chart(self, user: DeskUser) -> bytes:
        """This week's tickets per category against last week's, as a PNG."""
        now = self.clock.now()
        async with self.uow() as tx:
            _, kpi = await figures_message(
                tx, user.community, self._week(user), now, user.locale, admin=False
            )
        locale, label = user.locale, kpi.period.label()
        spec = bar_chart(
            i18n.t(locale, "kpi.chart_title", period=label),
            [(Looks.category(locale, h.name), h.count) for h in kpi.top_categories],
            compare=[h.previous for h in kpi.top_categories],
            locale=locale,
        )
        # some 50 ms of drawing: in a thread, so the bot's loop goes on meanwhile
        return await asyncio.to_thread(render_bar_chart, spec.data)

    async def tickets(self, user: DeskUser, where: TicketFilter) -> TicketPage:
        """One page of the list, newest first; `overdue` keeps only tickets late now."""
        now = self.clock.now()
        async with self.uow() as tx:
            limit = MAX_OPEN if where.overdue else PAGE_SIZE + 1
            rows = await tx.desk.tickets(user.community.id, where, limit)
            setup = await load_setup(tx, user.community, now)
            rows = with_promises(rows, setup)
            staff = [
                p
                for p in await tx.people.of_community(user.community.id)
                if p.telegram_id is not None and p.has_role("staff", "grid_worker", "supervisor")
            ]
        late = {f.id: x for f in rows if (x := lateness(f, now))}
        if where.overdue:
            rows = [f for f in rows if is_overdue(f, now)]
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        return TicketPage(rows, late, where, rows[-1].id if more else None, staff)

    async def ticket(self, user: DeskUser, number: str) -> TicketView:
        """One ticket of the user's community with its promises and its story."""
        now = self.clock.now()
        async with self.uow() as tx:
            ticket = await tx.tickets.by_number(number, user.community.id)
            if ticket is None:
                raise NotFound("desk.ticket.not_found", number=number[:20])
            facts = await self._facts(tx, user, ticket, now)
            timeline = await self._timeline(tx, user, ticket)
            names = await _names(tx, user)
            choices: list[PersonInfo] = []
            try:
                transition(ticket.status, Action.REASSIGN)
                choices = reassign_choices(
                    ticket, await tx.people.of_community(ticket.community_id)
                )
            except InvalidTransition:
                pass
            if user.admin:
                await tx.audit.record(
                    AuditRecord(
                        "desk.personal_viewed",
                        f"ticket:{ticket.number}",
                        user.telegram_id,
                        ticket.community_id,
                        details={"fields": ["room", "phone"]},
                    ),
                    now,
                )
                await tx.commit()
        promises = [
            Promise(name, facts.promised[name], kept, reached_at(facts, name))
            for name in DEADLINE_NAMES
            if (kept := judge(facts, name, now)) is not None
        ]
        if not user.admin:  # never handed to a page that is not to show them
            ticket = replace(ticket, room=None, phone=None, reporter_name="", text="")
        return TicketView(ticket, facts, promises, timeline, choices, names, user.admin)

    async def _facts(
        self, tx: DeskUnitOfWork, user: DeskUser, ticket: Ticket, now: datetime
    ) -> TicketFacts:
        rows = await tx.desk.tickets(ticket.community_id, TicketFilter(before=ticket.id + 1), 1)
        setup = await load_setup(tx, user.community, now)
        return with_promises(rows, setup)[0]

    async def _timeline(
        self, tx: DeskUnitOfWork, user: DeskUser, ticket: Ticket
    ) -> list[TimelineEvent]:
        audit = await tx.desk.timeline(ticket.community_id, f"ticket:{ticket.number}")
        opened = [
            TimelineEvent(ticket.created_at, "ticket.opened", None, {"source": ticket.source})
        ]
        if any(e.kind == "ticket.opened" for e in audit):
            opened = []  # the audit has it (tickets from before it was audited do not)
        notes = [
            TimelineEvent(
                at,
                f"note.{kind}",
                None,
                {"text": text if kind != "resident" or user.admin else ""},
            )
            for kind, text, at in await tx.tickets.notes(ticket.id)
        ]
        pages = [
            TimelineEvent(
                s.fired_at,
                f"page.{s.outcome or 'sent'}",
                s.target_id,
                {"reason": s.reason, "to": s.target_name},
            )
            for s in await tx.duty.steps(ticket.id)
            if s.fired_at is not None
        ]
        return merged(opened, audit, notes, pages)

    async def reassign(self, user: DeskUser, number: str, to: int) -> str:
        """Hand a ticket over as the chat's reassign menu does, the desk user as the actor."""
        async with self.uow() as tx:
            ticket = await tx.tickets.by_number(number, user.community.id)
        if ticket is None:
            raise NotFound("desk.ticket.not_found", number=number[:20])
        return await self.staff.reassign(ticket.id, user.telegram_id, to)

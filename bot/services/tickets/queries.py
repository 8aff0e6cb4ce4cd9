"""Reading tickets: /mine for staff, /my for residents, /ticket <no> for one ticket."""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.domain.errors import NotFound
from bot.domain.records import CommunityInfo
from bot.domain.tickets import Ticket, public_card
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import STAFF_ROLES
from bot.services.tickets.core import TicketEnv, community_of, find_ticket, person_in


class TicketQueries:
    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    def _line(self, locale: str, ticket: Ticket) -> str:
        looks = self.env.looks
        return i18n.t(
            locale,
            "tickets.lists.line",
            number=ticket.label,
            category=looks.category(locale, ticket.category),
            place=looks.place(locale, ticket.building, ticket.unit),
            status=looks.status(locale, ticket.status, ticket.closure),
        )

    async def mine(self, user_id: int, locale: str) -> str:
        """The open tickets assigned to me (staff)."""
        async with self.env.uow() as tx:
            if not await is_staff_member(tx, user_id):
                raise NotFound("tickets.command.staff_only")
            return await self.mine_in(tx, user_id, locale)

    async def mine_in(self, tx: TicketUnitOfWork, user_id: int, locale: str) -> str:
        """The same, inside a transaction that is already open."""
        tickets = await tx.tickets.assigned_to(user_id)
        if not tickets:
            return i18n.t(locale, "tickets.lists.mine_empty")
        lines = [i18n.t(locale, "tickets.lists.mine_title", count=len(tickets))]
        return "\n".join(lines + [self._line(locale, t) for t in tickets])

    async def my(self, user_id: int, locale: str) -> str:
        """The tickets I reported, reported for someone, or follow."""
        async with self.env.uow() as tx:
            return await self.my_in(tx, user_id, locale)

    async def my_in(self, tx: TicketUnitOfWork, user_id: int, locale: str) -> str:
        """The same, inside a transaction that is already open."""
        tickets = await tx.tickets.of_resident(user_id)
        if not tickets:
            return i18n.t(locale, "tickets.lists.my_empty")
        lines = [i18n.t(locale, "tickets.lists.my_title", count=len(tickets))]
        return "\n".join(lines + [self._line(locale, t) for t in tickets])

    async def show(
        self, user_id: int, number: str, private: bool, chat_community: int | None, locale: str
    ) -> str:
        """One ticket: staff see everything (in private), residents only their own tickets."""
        async with self.env.uow() as tx:
            ticket = await find_ticket(tx, number, user_id)
            community = await community_of(tx, ticket)
            person = await person_in(tx, user_id, ticket.community_id)
            is_staff = person is not None and person.has_role(*STAFF_ROLES)
            notes = await tx.tickets.notes(ticket.id)
            merged = None
            if ticket.merged_into_id is not None:
                target = await tx.tickets.get(ticket.merged_into_id)
                merged = target.label if target else None
        looks = self.env.looks
        public = looks.group_card(locale, community, public_card(ticket, merged))
        if not private:
            if chat_community != ticket.community_id:
                raise NotFound("tickets.error.not_yours")
            return public  # in a group only what the card shows anyway
        if is_staff:
            body = looks.private_card(locale, ticket)
        elif user_id in (ticket.reporter_id, ticket.on_behalf_by):
            body = public + "\n" + i18n.t(locale, "tickets.private.text", text=ticket.text)
        elif user_id in ticket.followers:
            body = public
        else:
            raise NotFound("tickets.error.not_yours")
        return body + self._history(locale, community, ticket, notes)

    def _history(
        self,
        locale: str,
        community: CommunityInfo,
        ticket: Ticket,
        notes: list[tuple[str, str, datetime]],
    ) -> str:
        when = self.env.looks.when
        lines = [
            "",
            i18n.t(
                locale, "tickets.detail.created", when=when(locale, community, ticket.created_at)
            ),
        ]
        shown = [(t, w) for _, t, w in notes if t]
        if shown:
            lines.append(i18n.t(locale, "tickets.detail.notes"))
            lines += [
                i18n.t(locale, "tickets.detail.note", when=when(locale, community, w), text=t)
                for t, w in shown[-10:]
            ]
        return "\n".join(lines)


async def is_staff_member(tx: TicketUnitOfWork, user_id: int) -> bool:
    """Whether the person works for any community (a staff role)."""
    return any(p.has_role(*STAFF_ROLES) for p in await tx.people.by_telegram_id(user_id))

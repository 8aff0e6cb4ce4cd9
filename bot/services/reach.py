"""Nobody unreachable: whom the bot can write to in private, and what happens when it cannot.

Telegram refuses a private message to someone who never pressed Start (403 "bot can't
initiate conversation") or who blocked the bot. The bot learns it only by trying: the outbox
sender reports the refusal here. Then, at once, the ticket that card was for moves to the next
reachable person in its chain (the group card names the new holder, or "being arranged"), a
refused page brings the chain's next page forward, and the admins are told once – with the
link the person must open – until that person writes to the bot and is reachable again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidTransition
from bot.domain.records import (
    PRIVATE_CLOSED as CLOSED,
)
from bot.domain.records import (
    PRIVATE_OPEN as OPEN,
)
from bot.domain.records import (
    AuditRecord,
    CommunityInfo,
    OutboxItem,
    PersonInfo,
)
from bot.domain.tickets import Action, Ticket
from bot.domain.tickets.changes import TicketChange, handed_to
from bot.services.duty.setup import DutySetup, load_setup
from bot.services.outgoing import tell_admins
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory
from bot.services.tickets.cards import (
    MANAGER_ROLES,
    PAGE_PROMPT,
    Looks,
    notify_assignee,
    refresh_card,
)
from bot.services.tickets.core import change, locked_ticket

log = logging.getLogger(__name__)

UNREACHED = "unreachable"  # the audit note of a handover because the holder was not reached
NOBODY = TicketChange(assignee_id=None, assignee_name=None)


def start_link(bot_username: str) -> str:
    """The link a staff member opens to start the private chat (Telegram's deep link)."""
    return f"https://t.me/{bot_username}?start=staff" if bot_username else ""


async def reachable_next(
    tx: TicketUnitOfWork, setup: DutySetup, ticket: Ticket, now: datetime, exclude: int
) -> PersonInfo | None:
    """The first person of the ticket's chain (then supervisors, then admins) not known to be
    unreachable in private, other than `exclude`."""
    answer = setup.roster.who(ticket.building, ticket.category, now, ticket.level)
    chain = [setup.person_by_key(ref.key) for ref in answer.everyone()]
    managers = [p for p in setup.people if p.has_role(*MANAGER_ROLES)]
    candidates = [
        p for p in [*chain, *managers] if p is not None and p.telegram_id not in (None, exclude)
    ]
    states = await tx.people.private_states([p.telegram_id for p in candidates if p.telegram_id])
    return next((p for p in candidates if states.get(p.telegram_id or 0) != CLOSED), None)


class PrivateReach:
    """Remembers who can be written to in private and acts when someone cannot."""

    def __init__(self, uow: TicketUnitOfWorkFactory, clock: Clock, looks: Looks) -> None:
        self.uow = uow
        self.clock = clock
        self.looks = looks
        self.bot_username = ""  # set once Telegram has told the bot its name (getMe)

    async def seen(self, telegram_id: int) -> None:
        """Someone wrote to the bot in private: the bot can write to them from now on."""
        now = self.clock.now()
        async with self.uow() as tx:
            states = await tx.people.private_states([telegram_id])
            if states.get(telegram_id) == OPEN:
                return
            await tx.people.set_private_state(telegram_id, OPEN, now)
            for person in await tx.people.by_telegram_id(telegram_id):
                await self._take_up_unassigned(tx, person, now)
            await tx.commit()

    async def refused(self, item: OutboxItem, reason: str) -> None:
        """Telegram refused a private message: remember it, hand the work on, tell admins once.

        Safe to repeat (the sender may report the same refusal again after a crash).
        """
        now = self.clock.now()
        person_id = item.chat_id
        async with self.uow() as tx:
            newly = await tx.people.set_private_state(person_id, CLOSED, now, reason[:200])
            people = await tx.people.by_telegram_id(person_id)
            if newly and people:
                log.warning("staff %s cannot be written to in private: %s", person_id, reason)
                await self._tell_admins(tx, people, now)
            prompt = await tx.tickets.prompt_of_outbox(item.id)
            if prompt is not None:
                await tx.tickets.retire_card(item.id)  # never shown: nothing to take back later
            if prompt is not None and prompt.kind == "card":
                await self._hand_on(tx, prompt.ticket_id, person_id, now)
            elif prompt is not None and prompt.kind.startswith(PAGE_PROMPT):
                await tx.duty.bring_forward_page(prompt.ticket_id, now)
            await tx.commit()

    async def _hand_on(
        self, tx: TicketUnitOfWork, ticket_id: int, gone: int, now: datetime
    ) -> None:
        """The holder was not reached: the next reachable person in the chain takes it."""
        ticket, community = await locked_ticket(tx, ticket_id)
        if not ticket.is_open or ticket.assignee_id != gone:
            return  # already moved on (a repeat, or someone acted meanwhile)
        setup = await load_setup(tx, community, now)
        person = await reachable_next(tx, setup, ticket, now, exclude=gone)
        await self._give(tx, ticket, community, person, now)

    async def _give(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        person: PersonInfo | None,
        now: datetime,
    ) -> None:
        changes = NOBODY if person is None else handed_to(person.telegram_id or 0, person.name)
        try:
            ticket = await change(
                tx,
                ticket,
                Action.REASSIGN,
                now,
                actor=None,
                update_id=None,
                locale=community.locale,
                note=UNREACHED,
                changes=changes,
            )
        except InvalidTransition:
            return  # a state nobody is handed (it closed meanwhile)
        if person is None:
            log.error("ticket %s: nobody in its chain can be written to in private", ticket.number)
        ticket = await refresh_card(tx, self.looks, ticket, community, now)
        await notify_assignee(tx, self.looks, ticket, community, now, again=True)

    async def _take_up_unassigned(
        self, tx: TicketUnitOfWork, person: PersonInfo, now: datetime
    ) -> None:
        """Open tickets that nobody could be reached for go to whom the chain now reaches."""
        community = await tx.registry.community(person.community_id)
        if community is None or not person.has_role("staff", "grid_worker", *MANAGER_ROLES):
            return
        waiting = [t for t in await tx.duty.open_tickets(community.id) if t.assignee_id is None]
        if not waiting:
            return
        setup = await load_setup(tx, community, now)
        for view in waiting:
            ticket, _ = await locked_ticket(tx, view.id)
            if ticket.assignee_id is not None:
                continue
            chosen = await reachable_next(tx, setup, ticket, now, exclude=0)
            if chosen is not None:
                await self._give(tx, ticket, community, chosen, now)

    async def _tell_admins(
        self, tx: TicketUnitOfWork, people: Sequence[PersonInfo], now: datetime
    ) -> None:
        """Once per person and refusal: which staff member must press Start, with the link."""
        for person in people:
            community = await tx.registry.community(person.community_id)
            if community is None:
                continue
            text = i18n.t(
                community.locale,
                "reach.admin_unreachable",
                name=person.name,
                link=start_link(self.bot_username) or "—",
            )
            told = await tell_admins(
                tx,
                community.id,
                text,
                now,
                f"reach:{person.telegram_id}:{int(now.timestamp())}",
                purpose="reach.admin",
                leave_out=person.telegram_id,
            )
            await tx.audit.record(
                AuditRecord(
                    action="staff.unreachable",
                    subject=f"person:{person.key}",
                    community_id=community.id,
                    details={"admins_told": told},
                ),
                now,
            )

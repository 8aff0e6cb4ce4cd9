"""Tickets follow the roster: when a shift begins, or a cover or leave starts, a ticket nobody
has accepted moves from someone now off duty to the person on duty for it – audited, and both
are told. An accepted ticket stays with its holder."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.records import AuditRecord, CommunityInfo
from bot.domain.tickets import Action, Ticket
from bot.domain.tickets.changes import handed_to
from bot.services.duty.setup import DutySetup, load_setup
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory
from bot.services.tickets.cards import Looks, notify_assignee, refresh_card
from bot.services.tickets.core import change, community_of

log = logging.getLogger(__name__)


class ShiftHandover:
    """The periodic job: move unaccepted tickets of people off duty to those on duty."""

    def __init__(self, uow: TicketUnitOfWorkFactory, clock: Clock, looks: Looks) -> None:
        self.uow = uow
        self.clock = clock
        self.looks = looks

    async def tick(self) -> int:
        """Hand over what needs it now; return how many tickets moved."""
        now = self.clock.now()
        moved = 0
        async with self.uow() as tx:
            setups: dict[int, DutySetup] = {}
            for ticket in await tx.tickets.unaccepted():
                community = await community_of(tx, ticket)
                if community.id not in setups:
                    setups[community.id] = await load_setup(tx, community, now)
                if await self._hand_over(tx, ticket, community, setups[community.id], now):
                    moved += 1
            await tx.commit()
        return moved

    async def _hand_over(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        setup: DutySetup,
        now: datetime,
    ) -> bool:
        holder = setup.person(ticket.assignee_id)
        on_shift = {staff.key for staff, _duty, _s, _e in setup.roster.on_shift(now)}
        if holder is not None and holder.key in on_shift:
            return False  # the holder is at work: theirs, whoever routed it
        answer = setup.roster.who(ticket.building, ticket.category, now, ticket.level)
        if answer.primary is None or answer.primary_role != "on_duty":
            return False  # nobody on duty for it either: it stays where the fallback put it
        person = setup.person_by_key(answer.primary.key)
        if (
            person is None
            or person.telegram_id is None
            or person.telegram_id == ticket.assignee_id
        ):
            return False
        assert person.telegram_id is not None
        locale = community.locale
        old_id = ticket.assignee_id
        ticket = await change(
            tx,
            ticket,
            Action.REASSIGN,
            now,
            actor=None,
            update_id=None,
            locale=locale,
            note=person.name,
            changes=handed_to(person.telegram_id, person.name),
        )
        await tx.audit.record(
            AuditRecord(
                action="duty.handover",
                subject=f"ticket:{ticket.number}",
                community_id=ticket.community_id,
                details={"from": holder.key if holder else None, "to": person.key},
            ),
            now,
        )
        ticket = await refresh_card(tx, self.looks, ticket, community, now)
        await notify_assignee(tx, self.looks, ticket, community, now, again=True)
        if old_id is not None:
            text = i18n.t(locale, "duty.handover.told_old", number=ticket.label, name=person.name)
            await send(
                tx,
                old_id,
                text,
                now,
                f"duty:handover:{ticket.id}:v{ticket.card_version}",
                purpose="ticket.private",
            )
        log.info(
            "ticket %s handed over to the person on duty",
            ticket.number,
            extra={"ticket": ticket.number},
        )
        return True

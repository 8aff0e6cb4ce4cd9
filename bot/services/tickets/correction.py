"""Staff correct what intake understood: `/level A-0042 紧急`, `/kind A-0042 漏水`.

Intake reads most messages right, not all. A corrected level gets the deadlines that level
promises, counted from when the ticket was opened, and the escalation plan follows; raised to
an emergency, the group also gets the safety advice at once. The holder stays (转派 moves it).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import i18n
from bot.domain.errors import NotAllowed
from bot.domain.records import AuditRecord, CommunityInfo
from bot.domain.tickets import Ticket, promise_of
from bot.domain.tickets.changes import reclassified
from bot.domain.tickets.correction import read_correction
from bot.intake_files import ticket_categories
from bot.services.duty.setup import load_setup, main_due
from bot.services.escalation.plan import replan_ahead
from bot.services.tickets.cards import notify_assignee, refresh_card, reply_to_card
from bot.services.tickets.core import TicketEnv, community_of, find_ticket, is_staff


def _category_names() -> dict[str, list[str]]:
    return {
        code: [i18n.t(locale, f"categories.{code}").lower() for locale in i18n.LOCALES]
        for code in ticket_categories()
    }


class TicketCorrections:
    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    async def correct(
        self, user_id: int, number: str, words: Sequence[str], update_id: int
    ) -> str:
        """Set a ticket's level and/or category; return the answer for the staff member."""
        correction = read_correction(words, _category_names())
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket = await find_ticket(tx, number, user_id)
            community = await community_of(tx, ticket)
            locale = community.locale
            if not await is_staff(tx, ticket, user_id):
                raise NotAllowed("tickets.command.staff_only")
            if not ticket.is_open:
                raise NotAllowed("tickets.fix.closed", number=ticket.label)
            level = correction.level or ticket.level
            category = correction.category or ticket.category
            if (level, category) == (ticket.level, ticket.category):
                return i18n.t(locale, "tickets.fix.unchanged", number=ticket.label)
            setup = await load_setup(tx, community, now)
            deadlines = setup.deadlines(level, ticket.created_at)
            before = ticket
            ticket = await tx.tickets.update(
                ticket.id,
                reclassified(
                    level,
                    category,
                    deadlines.respond_by,
                    main_due(deadlines),
                    deadlines.as_dict(),
                ),
                now,
            )
            await tx.duty.cancel_pending(ticket.id, None, now)
            await replan_ahead(tx, setup, ticket, now, catch_up=True)
            await tx.audit.record(
                AuditRecord(
                    action="ticket.corrected",
                    subject=f"ticket:{ticket.number}",
                    actor_telegram_id=user_id,
                    community_id=ticket.community_id,
                    update_id=update_id,
                    details={
                        "from": {"level": before.level, "category": before.category},
                        "to": {"level": level, "category": category},
                    },
                ),
                now,
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            if level == 1 and before.level != 1:
                # the same message (and key) an emergency gets at intake: sent once per ticket
                safety = self.env.looks.safety(locale, category)
                await reply_to_card(tx, ticket, safety, now, "safety")
            if ticket.assignee_id is not None and ticket.assignee_id != user_id:
                await notify_assignee(tx, self.env.looks, ticket, community, now, again=True)
            await tx.commit()
        label = i18n.t(locale, f"tickets.private.level_{level}")
        name = self.env.looks.category(locale, category)
        return i18n.t(
            locale,
            "tickets.fix.done",
            number=ticket.label,
            level=label,
            category=name,
            when=self._next(locale, community, ticket),
        )

    def _next(self, locale: str, community: CommunityInfo, ticket: Ticket) -> str:
        """The same promise the group card shows."""
        promise = promise_of(ticket)
        return self.env.looks.promise(locale, community, promise) if promise else "—"

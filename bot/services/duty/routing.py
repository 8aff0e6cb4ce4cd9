"""The Router the tickets feature asks: whoever the roster has on duty, with the SLA's times."""

from __future__ import annotations

from datetime import datetime

from bot.domain.duty.roster import DutyAnswer
from bot.domain.records import PRIVATE_CLOSED, CommunityInfo, PersonInfo
from bot.services.duty.setup import DutySetup, load_setup, main_due
from bot.services.ports import TicketUnitOfWorkFactory
from bot.services.tickets.routing import Assignment

# DutyAnswer.primary_role → Assignment.reason
_REASONS = {"on_duty": "on_duty", "backup": "backup", "supervisor": "supervisor", "admin": "admin"}


class RosterRouter:
    """Primary on duty → backup → supervisor → admin, and the deadlines of the ticket's level."""

    def __init__(self, uow: TicketUnitOfWorkFactory) -> None:
        self.uow = uow

    async def route(
        self,
        community: CommunityInfo,
        building: str | None,
        category: str,
        level: int,
        at: datetime,
    ) -> Assignment:
        async with self.uow() as tx:
            setup = await load_setup(tx, community, at)
            answer = setup.roster.who(building, category, at, level)
            deadlines = setup.deadlines(level, at)
            chain = [
                (person, role)
                for person, role in _chain(setup, answer)
                if person is not None and person.telegram_id is not None
            ]
            refused = await tx.people.private_states([p.telegram_id or 0 for p, _ in chain])
            # read only: the caller's transaction plans the steps and warns about the calendar
        # the first in the chain Telegram lets the bot write to (nobody is handed work in vain)
        reachable = [(p, r) for p, r in chain if refused.get(p.telegram_id or 0) != PRIVATE_CLOSED]
        if not reachable:
            return Assignment(
                None,
                "nobody",
                deadlines.respond_by,
                main_due(deadlines),
                promised=deadlines.as_dict(),
            )
        person, role = reachable[0]
        return Assignment(
            person,
            _REASONS.get(role, role),
            respond_by=deadlines.respond_by,
            due_at=main_due(deadlines),
            promised=deadlines.as_dict(),
        )


def _chain(setup: DutySetup, answer: DutyAnswer) -> list[tuple[PersonInfo | None, str]]:
    """The roster's answer as people with their roles: primary first, then the chain."""
    head = [] if answer.primary is None else [(answer.primary, answer.primary_role)]
    refs = head + [(step.staff, step.role) for step in answer.chain]
    return [(setup.person_by_key(ref.key), role) for ref, role in refs]

"""The Router the tickets feature asks: whoever the roster has on duty, with the SLA's times."""

from __future__ import annotations

from datetime import datetime

from bot.domain.records import CommunityInfo
from bot.services.duty.setup import load_setup, main_due
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
            # read only: the caller's transaction plans the steps and warns about the calendar
        person = None
        if answer.primary is not None:
            person = setup.person_by_key(answer.primary.key)
        if person is None:
            return Assignment(None, "nobody", deadlines.respond_by, main_due(deadlines))
        return Assignment(
            person,
            _REASONS.get(answer.primary_role, answer.primary_role),
            respond_by=deadlines.respond_by,
            due_at=main_due(deadlines),
        )

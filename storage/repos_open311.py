"""Reads for Open311 (GeoReport v2): one community's tickets as public service requests.

Only columns that are not personal are selected (never text, room, phone, unit or the
reporter), so no personal datum can leak through this read. A window is read through
`ix_tickets_community_created`, newest first, at most `limit` rows; numbers through the number
index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.open311 import PublicTicket, RequestQuery
from bot.domain.tickets.states import Status
from storage.models_tickets import TicketRow

_PUBLIC_COLUMNS = (
    TicketRow.number,
    TicketRow.status,
    TicketRow.closure,
    TicketRow.category,
    TicketRow.building,
    TicketRow.created_at,
    TicketRow.updated_at,
    TicketRow.due_at,
    TicketRow.closed_at,
)


class SqlOpen311Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def requests(self, community_id: int, query: RequestQuery) -> list[PublicTicket]:
        """Return the tickets the query asks for, newest first, at most `query.limit`."""
        where: list[Any] = [TicketRow.community_id == community_id]
        if query.numbers:
            where.append(TicketRow.number.in_(query.numbers))
        else:
            assert query.start is not None and query.end is not None
            where += [TicketRow.created_at >= query.start, TicketRow.created_at <= query.end]
            if query.categories:
                where.append(TicketRow.category.in_(query.categories))
            if query.statuses != frozenset(Status):
                where.append(TicketRow.status.in_(sorted(s.value for s in query.statuses)))
        rows = await self.s.execute(
            select(*_PUBLIC_COLUMNS)
            .where(*where)
            .order_by(TicketRow.created_at.desc(), TicketRow.id.desc())
            .limit(query.limit)
        )
        return [_public(row) for row in rows]


def _public(row: Sequence[Any]) -> PublicTicket:
    number, status, closure, category, building, created, updated, due, closed = row
    return PublicTicket(
        number=number,
        status=Status(status),
        closure=closure,
        category=category,
        building=building,
        created_at=created,
        updated_at=updated,
        due_at=due,
        closed_at=closed,
    )

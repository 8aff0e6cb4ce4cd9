"""Reading tickets for exports: one community's tickets of a period, in batches, by keyset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.reports.tickets import ExportedTicket, Personal
from storage.models_duty import FollowUpRow
from storage.models_tickets import TicketRow

_MERGED_INTO = aliased(TicketRow)
# looked up per row by primary key: a join would let the planner hash whole tables
_MERGED_NUMBER = (
    select(_MERGED_INTO.number)
    .where(_MERGED_INTO.id == TicketRow.merged_into_id)
    .scalar_subquery()
    .label("merged_into")
)
_FOLLOWED_UP_AT = (
    select(FollowUpRow.done_at)
    .where(FollowUpRow.ticket_id == TicketRow.id)
    .scalar_subquery()
    .label("followed_up_at")
)
# no personal column unless the export asks for them: they are never even read otherwise
_COLUMNS = (
    TicketRow.id,
    TicketRow.number,
    TicketRow.created_at,
    TicketRow.updated_at,
    TicketRow.status,
    TicketRow.closure,
    TicketRow.category,
    TicketRow.level,
    TicketRow.building,
    TicketRow.accepted_at,
    TicketRow.controlled_at,
    TicketRow.planned_at,
    TicketRow.resolved_at,
    TicketRow.closed_at,
    TicketRow.promised,
    TicketRow.verdict,
    TicketRow.reopen_count,
    TicketRow.referred_to,
    _MERGED_NUMBER,
    _FOLLOWED_UP_AT,
)
_PERSONAL = (TicketRow.room, TicketRow.phone, TicketRow.reporter_name, TicketRow.text)


def _period(stmt: Select[Any], community_id: int, start: datetime | None, end: datetime) -> Any:
    stmt = stmt.where(TicketRow.community_id == community_id, TicketRow.created_at < end)
    return stmt if start is None else stmt.where(TicketRow.created_at >= start)


class SqlTicketExportRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def count(self, community_id: int, start: datetime | None, end: datetime) -> int:
        """How many tickets the community opened in [start, end)."""
        stmt = _period(select(func.count()).select_from(TicketRow), community_id, start, end)
        return int(await self.s.scalar(stmt) or 0)

    async def batch(
        self,
        community_id: int,
        start: datetime | None,
        end: datetime,
        after: tuple[datetime, int] | None,
        limit: int,
        *,
        personal: bool = False,
    ) -> list[ExportedTicket]:
        """The next `limit` tickets after (created_at, id) `after`, in that order.

        The index (community_id, created_at) serves the period and the order; ties of
        created_at are broken by id, so no ticket is read twice or skipped."""
        columns = (*_COLUMNS, *_PERSONAL) if personal else _COLUMNS
        stmt = _period(select(*columns), community_id, start, end)
        if after is not None:
            at, last_id = after
            stmt = stmt.where(
                TicketRow.created_at >= at,  # the index's range; the OR picks the rest
                or_(
                    TicketRow.created_at > at,
                    and_(TicketRow.created_at == at, TicketRow.id > last_id),
                ),
            )
        rows = await self.s.execute(stmt.order_by(TicketRow.created_at, TicketRow.id).limit(limit))
        return [_facts(r._mapping, personal) for r in rows]


def _facts(row: Any, personal: bool) -> ExportedTicket:
    return ExportedTicket(
        id=row["id"],
        number=row["number"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=row["status"],
        closure=row["closure"],
        category=row["category"],
        level=row["level"],
        building=row["building"],
        accepted_at=row["accepted_at"],
        controlled_at=row["controlled_at"],
        planned_at=row["planned_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        followed_up_at=row["followed_up_at"],
        promised=dict(row["promised"] or {}),
        verdict=row["verdict"],
        reopen_count=row["reopen_count"],
        referred_to=row["referred_to"],
        merged_into=row["merged_into"],
        personal=(
            Personal(row["room"], row["phone"], row["reporter_name"], row["text"])
            if personal
            else None
        ),
    )

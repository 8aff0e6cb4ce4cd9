"""Reads for the committee's figures: plain ticket facts, FAQ and notice tallies (issue 18).

Each read is one query over one community's rows of a period, through an index
(`ix_tickets_community_created`, `ix_tickets_open`, `ix_faq_outcomes_community_at`): counting a
month of one community never scans every ticket of a district. No personal column is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.kpi import FaqTally, GapCount, NoticeTally, TicketFacts
from bot.domain.tickets.states import Status
from storage.models_duty import FollowUpRow
from storage.models_faq import FaqGap, FaqOutcomeRow
from storage.models_notices import Notice, NoticeDelivery, NoticeOccurrence
from storage.models_tickets import OPEN_TICKET, TicketFollower, TicketRow

_FACT_COLUMNS = (
    TicketRow.id,
    TicketRow.number,
    TicketRow.building,
    TicketRow.category,
    TicketRow.level,
    TicketRow.status,
    TicketRow.assignee_id,
    TicketRow.created_at,
    TicketRow.updated_at,
    TicketRow.accepted_at,
    TicketRow.controlled_at,
    TicketRow.planned_at,
    TicketRow.resolved_at,
    TicketRow.closed_at,
    TicketRow.closure,
    TicketRow.verdict,
    TicketRow.referred_to,
    TicketRow.merged_into_id,
    TicketRow.reopen_count,
    TicketRow.promised,
)


def _me_too() -> Any:
    """Followers who joined by their own word ("我也是"), not those a merge brought along.

    Counted per ticket through the followers' (ticket_id, …) index: a subquery grouping every
    follower first would read the whole table for one community's month.
    """
    return (
        select(func.count())
        .where(TicketFollower.ticket_id == TicketRow.id, TicketFollower.via_ticket_id.is_(None))
        .correlate(TicketRow)
        .scalar_subquery()
        .label("n")
    )


def _follow_up(column: Any, label: str) -> Any:
    """The ticket's follow-up call, looked up by its primary key: an outer join lets PostgreSQL
    hash every follow-up call of the district for one community's month."""
    return (
        select(column)
        .where(FollowUpRow.ticket_id == TicketRow.id)
        .correlate(TicketRow)
        .scalar_subquery()
        .label(label)
    )


def _facts_query(where: Any) -> Select[Any]:
    return (
        select(
            *_FACT_COLUMNS,
            _follow_up(FollowUpRow.due_at, "due_at"),
            _follow_up(FollowUpRow.done_at, "done_at"),
            _me_too(),
        )
        .where(where)
        .order_by(TicketRow.id)
    )


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _facts(row: Any, grids: Mapping[str, str | None]) -> TicketFacts:
    promised = {name: _when(at) for name, at in (row.promised or {}).items()}
    if row.due_at is not None:  # the follow-up call is planned from the fix
        promised["follow_up_by"] = row.due_at
    return TicketFacts(
        id=row.id,
        number=row.number,
        building=row.building,
        grid=grids.get(row.building) if row.building else None,
        category=row.category,
        level=row.level,
        status=Status(row.status),
        assignee_id=row.assignee_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        accepted_at=row.accepted_at,
        controlled_at=row.controlled_at,
        planned_at=row.planned_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        closure=row.closure,
        verdict=row.verdict,
        referred_to=row.referred_to,
        merged_into_id=row.merged_into_id,
        reopen_count=row.reopen_count,
        promised=promised,
        follow_up_done_at=row.done_at,
        me_too=row.n or 0,
    )


class SqlKpiRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def reported(
        self,
        community_id: int,
        start: datetime,
        end: datetime,
        grids: Mapping[str, str | None],
    ) -> list[TicketFacts]:
        """Tickets of a community reported in [start, end), as they are now."""
        where = and_(
            TicketRow.community_id == community_id,
            TicketRow.created_at >= start,
            TicketRow.created_at < end,
        )
        rows = await self.s.execute(_facts_query(where))
        return [_facts(row, grids) for row in rows]

    async def open_now(
        self, community_id: int, grids: Mapping[str, str | None]
    ) -> list[TicketFacts]:
        """Every open ticket of a community, whenever reported."""
        where = and_(TicketRow.community_id == community_id, OPEN_TICKET)
        rows = await self.s.execute(_facts_query(where))
        return [_facts(row, grids) for row in rows]

    async def faq_tally(self, community_id: int, start: datetime, end: datetime) -> FaqTally:
        rows = await self.s.execute(
            select(FaqOutcomeRow.outcome, func.count())
            .where(
                FaqOutcomeRow.community_id == community_id,
                FaqOutcomeRow.at >= start,
                FaqOutcomeRow.at < end,
            )
            .group_by(FaqOutcomeRow.outcome)
        )
        counts = {str(outcome): int(n) for outcome, n in rows}
        return FaqTally(
            direct=counts.get("direct", 0),
            menu=counts.get("menu", 0),
            chosen=counts.get("chosen", 0),
            unanswered=counts.get("unanswered", 0),
            unasked=counts.get("unasked", 0),
        )

    async def gaps(
        self, community_id: int, start: datetime, end: datetime, limit: int
    ) -> list[GapCount]:
        """Unanswered questions last asked in the period, most asked first (all-time count)."""
        rows = await self.s.execute(
            select(FaqGap.text, FaqGap.count)
            .where(
                FaqGap.community_id == community_id,
                FaqGap.last_at >= start,
                FaqGap.last_at < end,
            )
            .order_by(FaqGap.count.desc(), FaqGap.last_at.desc())
            .limit(limit)
        )
        return [GapCount(text, int(count)) for text, count in rows]

    async def notice_tally(self, community_id: int, start: datetime, end: datetime) -> NoticeTally:
        """Notice times in the period, and their deliveries to groups by how they ended."""
        occurrences = await self.s.scalar(
            select(func.count())
            .select_from(NoticeOccurrence)
            .join(Notice, Notice.id == NoticeOccurrence.notice_id)
            .where(
                Notice.community_id == community_id,
                NoticeOccurrence.occurrence >= start,
                NoticeOccurrence.occurrence < end,
            )
        )
        rows = await self.s.execute(
            select(NoticeDelivery.status, func.count())
            .join(Notice, Notice.id == NoticeDelivery.notice_id)
            .where(
                Notice.community_id == community_id,
                NoticeDelivery.occurrence >= start,
                NoticeDelivery.occurrence < end,
            )
            .group_by(NoticeDelivery.status)
        )
        by_status = {str(status): int(n) for status, n in rows}
        return NoticeTally(
            occurrences=int(occurrences or 0),
            deliveries=sum(by_status.values()),
            sent=by_status.get("sent", 0),
            failed=by_status.get("failed", 0),
        )

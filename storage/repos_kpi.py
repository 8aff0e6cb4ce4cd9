"""Reads for the committee's figures: plain ticket facts, FAQ and notice tallies (issue 18).

Each read is one query over one community's rows of a period, through an index
(`ix_tickets_community_created`, `ix_tickets_open`, `ix_faq_outcomes_community_at`): counting a
month of one community never scans every ticket of a district. No personal column is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Select, and_, func, select
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


def _reported(community_id: int, start: datetime, end: datetime) -> Any:
    return and_(
        TicketRow.community_id == community_id,
        TicketRow.created_at >= start,
        TicketRow.created_at < end,
    )


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _facts(row: Any, grids: Mapping[str, str | None]) -> TicketFacts:
    # unpacked by position (in _facts_query's order): a Row's attribute access costs far more,
    # and a month of a district is some 80,000 rows
    (id_, number, building, category, level, status, assignee_id, created_at, updated_at,
     accepted_at, controlled_at, planned_at, resolved_at, closed_at, closure, verdict,
     referred_to, merged_into_id, reopen_count, stored_promises, due_at, done_at,
     me_too) = row  # fmt: skip
    promised = {name: _when(at) for name, at in (stored_promises or {}).items()}
    if due_at is not None:  # the follow-up call is planned from the fix
        promised["follow_up_by"] = due_at
    return TicketFacts(
        id=id_,
        number=number,
        building=building,
        grid=grids.get(building) if building else None,
        category=category,
        level=level,
        status=Status(status),
        assignee_id=assignee_id,
        created_at=created_at,
        updated_at=updated_at,
        accepted_at=accepted_at,
        controlled_at=controlled_at,
        planned_at=planned_at,
        resolved_at=resolved_at,
        closed_at=closed_at,
        closure=closure,
        verdict=verdict,
        referred_to=referred_to,
        merged_into_id=merged_into_id,
        reopen_count=reopen_count,
        promised=promised,
        follow_up_done_at=done_at,
        me_too=me_too or 0,
    )


def _brief(row: Any, grids: Mapping[str, str | None]) -> TicketFacts:
    id_, number, building, category, level, status, assignee_id, created_at, merged = row
    return TicketFacts(
        id=id_,
        number=number,
        building=building,
        grid=grids.get(building) if building else None,
        category=category,
        level=level,
        status=Status(status),
        assignee_id=assignee_id,
        created_at=created_at,
        merged_into_id=merged,
    )


_BRIEF_COLUMNS = (
    TicketRow.id,
    TicketRow.number,
    TicketRow.building,
    TicketRow.category,
    TicketRow.level,
    TicketRow.status,
    TicketRow.assignee_id,
    TicketRow.created_at,
    TicketRow.merged_into_id,
)


class SqlKpiRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _rows(self, query: Executable) -> Any:
        # Core, not the ORM: plain rows, without the ORM's per-row bookkeeping
        return await (await self.s.connection()).execute(query)

    async def reported(
        self,
        community_id: int,
        start: datetime,
        end: datetime,
        grids: Mapping[str, str | None],
    ) -> list[TicketFacts]:
        """Tickets of a community reported in [start, end), as they are now."""
        rows = await self._rows(_facts_query(_reported(community_id, start, end)))
        return [_facts(row, grids) for row in rows]

    async def reported_brief(
        self,
        community_id: int,
        start: datetime,
        end: datetime,
        grids: Mapping[str, str | None],
    ) -> list[TicketFacts]:
        """Tickets reported in [start, end) with where, what and who only (no milestones,
        promises, verdicts or followers): the period before, whose counts the hot spots show."""
        query = select(*_BRIEF_COLUMNS).where(_reported(community_id, start, end))
        return [_brief(row, grids) for row in await self._rows(query.order_by(TicketRow.id))]

    async def open_now(
        self, community_id: int, grids: Mapping[str, str | None]
    ) -> list[TicketFacts]:
        """Every open ticket of a community, whenever reported."""
        where = and_(TicketRow.community_id == community_id, OPEN_TICKET)
        rows = await self._rows(_facts_query(where))
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

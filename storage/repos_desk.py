"""The web desk's storage: sign-in links, sessions, the ticket list and a ticket's audit trail.

The list is one community's tickets newest first, a page at a time by id (keyset: `id < before`)
through `ix_tickets_community_created`'s community prefix or `ix_tickets_open`; no personal
column is read. A timeline is read through `ix_audit_log_subject`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.desk.filters import TicketFilter
from bot.domain.desk.sign_in import LinkRecord, SessionRecord
from bot.domain.desk.timeline import TimelineEvent
from bot.domain.kpi import TicketFacts
from storage.models import AuditEvent
from storage.models_desk import DeskLink, DeskSession
from storage.models_tickets import OPEN_TICKET, TicketRow
from storage.repos_kpi import _facts, _facts_query


def _where(community_id: int, f: TicketFilter) -> Any:
    conditions: list[Any] = [TicketRow.community_id == community_id]
    if f.overdue:
        conditions.append(OPEN_TICKET)  # overdue is judged from the facts of open tickets
    if f.status is not None:
        conditions.append(TicketRow.status == f.status.value)
    if f.level is not None:
        conditions.append(TicketRow.level == f.level)
    if f.building is not None:
        conditions.append(TicketRow.building == f.building)
    if f.category is not None:
        conditions.append(TicketRow.category == f.category)
    if f.assignee_id is not None:
        conditions.append(TicketRow.assignee_id == f.assignee_id)
    if f.before is not None:
        conditions.append(TicketRow.id < f.before)
    return and_(*conditions)


class SqlDeskRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add_link(
        self,
        token_hash: str,
        telegram_id: int,
        community_id: int,
        locale: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self.s.add(
            DeskLink(
                token_hash=token_hash,
                telegram_id=telegram_id,
                community_id=community_id,
                locale=locale,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self.s.flush()

    async def link(self, token_hash: str) -> LinkRecord | None:
        """The link with this hash, locked: two tabs opening it at once use it once."""
        row = await self.s.scalar(
            select(DeskLink).where(DeskLink.token_hash == token_hash).with_for_update()
        )
        if row is None:
            return None
        return LinkRecord(
            row.id, row.telegram_id, row.community_id, row.locale, row.expires_at, row.used_at
        )

    async def use_link(self, link_id: int, now: datetime) -> None:
        await self.s.execute(update(DeskLink).where(DeskLink.id == link_id).values(used_at=now))

    async def add_session(
        self, token_hash: str, telegram_id: int, community_id: int, locale: str, now: datetime
    ) -> None:
        self.s.add(
            DeskSession(
                token_hash=token_hash,
                telegram_id=telegram_id,
                community_id=community_id,
                locale=locale,
                created_at=now,
                seen_at=now,
            )
        )
        await self.s.flush()

    async def session(self, token_hash: str) -> SessionRecord | None:
        row = await self.s.scalar(select(DeskSession).where(DeskSession.token_hash == token_hash))
        if row is None:
            return None
        return SessionRecord(
            row.id,
            row.telegram_id,
            row.community_id,
            row.locale,
            row.created_at,
            row.seen_at,
            row.ended_at,
        )

    async def touch_session(self, session_id: int, now: datetime) -> None:
        await self.s.execute(
            update(DeskSession).where(DeskSession.id == session_id).values(seen_at=now)
        )

    async def end_session(self, session_id: int, now: datetime) -> None:
        await self.s.execute(
            update(DeskSession).where(DeskSession.id == session_id).values(ended_at=now)
        )

    async def tickets(
        self, community_id: int, where: TicketFilter, limit: int
    ) -> list[TicketFacts]:
        """One page of a community's tickets, newest first (grids are not read here)."""
        query = _facts_query(_where(community_id, where)).order_by(None)
        # (community_id, id) as the index holds them: walked backwards from this community's
        # newest, never the whole table's ids filtered by community
        newest = query.order_by(TicketRow.community_id.desc(), TicketRow.id.desc())
        rows = await self.s.execute(newest.limit(limit))
        return [_facts(row, {}) for row in rows]

    async def timeline(self, community_id: int, subject: str) -> list[TimelineEvent]:
        rows = await self.s.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject == subject, AuditEvent.community_id == community_id)
            .order_by(AuditEvent.id)
        )
        return [
            TimelineEvent(r.at, r.action, r.actor_telegram_id, dict(r.details or {})) for r in rows
        ]

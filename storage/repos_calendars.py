"""Calendar links of staff and the server's generated secret (the roster as iCal)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ical import CalendarLink
from storage.models_calendars import CalendarLinkRow, ServerSecret
from storage.repos_messaging import _insert


class SqlCalendarRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def secret(self, name: str, fresh: str, now: datetime) -> str:
        """Return the stored secret `name`; store `fresh` first if there is none (once, even
        when two processes start together: the second reads the first one's)."""
        query = select(ServerSecret.value).where(ServerSecret.name == name)
        value = await self.s.scalar(query)
        if value is None:  # the first time only: a read path writes nothing after that
            stmt = _insert(self.s, ServerSecret).values(name=name, value=fresh, created_at=now)
            await self.s.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
            value = await self.s.scalar(query)
        assert value is not None
        return value

    async def link(self, community_id: int, person_key: str) -> CalendarLink | None:
        row = await self.s.scalar(
            select(CalendarLinkRow).where(
                CalendarLinkRow.community_id == community_id,
                CalendarLinkRow.person_key == person_key,
            )
        )
        return None if row is None else CalendarLink(row.community_id, row.person_key, row.version)

    async def save_link(
        self, community_id: int, person_key: str, version: int, digest: str, now: datetime
    ) -> None:
        """Make `version` (whose token hashes to `digest`) the person's one working link."""
        row = await self.s.scalar(
            select(CalendarLinkRow).where(
                CalendarLinkRow.community_id == community_id,
                CalendarLinkRow.person_key == person_key,
            )
        )
        if row is None:
            self.s.add(
                CalendarLinkRow(
                    community_id=community_id,
                    person_key=person_key,
                    version=version,
                    token_digest=digest,
                    updated_at=now,
                )
            )
        else:
            row.version, row.token_digest, row.updated_at = version, digest, now
        await self.s.flush()

    async def by_digest(self, digest: str) -> CalendarLink | None:
        row = await self.s.scalar(
            select(CalendarLinkRow).where(CalendarLinkRow.token_digest == digest)
        )
        return None if row is None else CalendarLink(row.community_id, row.person_key, row.version)

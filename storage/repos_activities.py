"""Volunteer activities: made once per update; a place taken while some are left (the
activity's row is locked for the count); attendance marked once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.points.activity import ActivityAsk
from bot.domain.points.records import Activity, Signup
from storage.models_points import ActivityRow, SignupRow
from storage.repos_messaging import _insert


def _activity(r: ActivityRow) -> Activity:
    return Activity(
        r.id, r.community_id, r.title, r.starts_at, r.places, r.points, r.building, r.organiser
    )


class SqlActivityRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(
        self, community_id: int, ask: ActivityAsk, organiser: int, update_id: int, now: datetime
    ) -> int:
        """Store an activity once per update; return its id."""
        await self.s.execute(
            _insert(self.s, ActivityRow)
            .values(
                community_id=community_id, title=ask.title, starts_at=ask.starts_at,
                places=ask.places, points=ask.points, building=ask.building,
                organiser=organiser, update_id=update_id, created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )  # fmt: skip
        found = await self.s.scalar(
            select(ActivityRow.id).where(ActivityRow.update_id == update_id)
        )
        assert found is not None
        return int(found)

    async def get(self, activity_id: int) -> Activity | None:
        row = await self.s.get(ActivityRow, activity_id)
        return None if row is None else _activity(row)

    async def sign_up(self, activity_id: int, telegram_id: int, now: datetime) -> tuple[str, int]:
        """Take a place: ("ok" | "again" | "full", places taken now)."""
        await self.s.execute(
            select(ActivityRow.id).where(ActivityRow.id == activity_id).with_for_update()
        )
        places = await self.s.scalar(
            select(ActivityRow.places).where(ActivityRow.id == activity_id)
        )
        taken = int(
            await self.s.scalar(
                select(func.count())
                .select_from(SignupRow)
                .where(SignupRow.activity_id == activity_id)
            )
            or 0
        )
        if await self.s.get(SignupRow, (activity_id, telegram_id)) is not None:
            return "again", taken
        if places is None or taken >= places:
            return "full", taken
        self.s.add(SignupRow(activity_id=activity_id, telegram_id=telegram_id, signed_at=now))
        await self.s.flush()
        return "ok", taken + 1

    async def signups(self, activity_id: int) -> list[Signup]:
        rows = await self.s.scalars(
            select(SignupRow)
            .where(SignupRow.activity_id == activity_id)
            .order_by(SignupRow.signed_at, SignupRow.telegram_id)
        )
        return [Signup(r.telegram_id, r.attended_at is not None) for r in rows]

    async def attend(self, activity_id: int, telegram_id: int, now: datetime) -> bool:
        """Mark a signed-up person as attended; False if they were already (or never signed)."""
        result: CursorResult[object] = await self.s.execute(  # type: ignore[assignment]
            update(SignupRow)
            .where(
                SignupRow.activity_id == activity_id,
                SignupRow.telegram_id == telegram_id,
                SignupRow.attended_at.is_(None),
            )
            .values(attended_at=now)
        )
        return result.rowcount == 1

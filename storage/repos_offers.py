"""Offers of a ticket for plain group messages: at most one per person and kind in a window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_offers import ReportOffer
from storage.repos_messaging import _insert


class SqlOfferRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def claim(
        self,
        community_id: int,
        telegram_id: int,
        topic: str,
        update_id: int,
        now: datetime,
        since: datetime,
    ) -> bool:
        """Take the right to offer `topic` to this person now; False if they had one since
        `since`. The same update may claim again (it is being handled again after a crash)."""
        # offers older than the window say nothing any more: forget them as we go
        await self.s.execute(
            delete(ReportOffer).where(
                ReportOffer.community_id == community_id, ReportOffer.offered_at <= since
            )
        )
        row = await self.s.get(ReportOffer, (community_id, telegram_id, topic))
        if row is not None:
            return row.update_id == update_id
        result = await self.s.execute(
            _insert(self.s, ReportOffer)
            .values(
                community_id=community_id,
                telegram_id=telegram_id,
                topic=topic,
                offered_at=now,
                update_id=update_id,
            )
            .on_conflict_do_nothing(index_elements=["community_id", "telegram_id", "topic"])
            .returning(ReportOffer.topic)
        )
        return result.scalar_one_or_none() is not None

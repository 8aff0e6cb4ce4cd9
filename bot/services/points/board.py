"""The monthly leaderboard: on the 1st at 09:00 each building's group hears last month's points
– the names of those who opted in, a count of the others (「其他邻居 N 位」), never a room. The
month is claimed once in the database, so a restart or a second process never posts it twice;
a month the bot missed entirely is not posted late into the next."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.points.board import Board, Month, board, due_board
from bot.domain.records import CommunityInfo
from bot.services.outgoing import send
from bot.services.points.earn import points_spec
from bot.services.ports import PointsUnitOfWork, PointsUnitOfWorkFactory

log = logging.getLogger(__name__)
JOB = "points_board"


def board_text(b: Board, building: str, month: Month, locale: str) -> str:
    """The group's message: a title, the named standings, the others as a count."""
    lines = [i18n.t(locale, "points.board.title", building=building, month=month.first.month)]
    lines += [
        i18n.t(locale, "points.board.line", rank=n, name=s.name, points=s.points)
        for n, s in enumerate(b.named, start=1)
    ]
    if b.others:
        lines.append(i18n.t(locale, "points.board.others", count=b.others))
    lines.append(i18n.t(locale, "points.board.footer"))
    return "\n".join(lines)


class MonthlyBoard:
    def __init__(self, uow: PointsUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def tick(self) -> int:
        """Post each community's boards once their month is due; return the messages queued."""
        now = self.clock.now()
        async with self.uow() as tx:
            communities = await tx.registry.communities()
        queued = 0
        for community in communities:
            if points_spec(community) is None:
                continue
            month = due_board(now, community.timezone)
            if month is None:
                continue
            async with self.uow() as tx:
                if not await tx.duty.claim_daily(community.id, JOB, month.first, now):
                    continue
                sent = await self._post(tx, community, month, now)
                await tx.commit()
            log.info("points leaderboard posted", extra={"community_id": community.id})
            queued += sent
        return queued

    async def _post(
        self, tx: PointsUnitOfWork, community: CommunityInfo, month: Month, now: datetime
    ) -> int:
        totals = await tx.points.month_totals(community.id, month.start, month.end)
        names = await tx.points.names(community.id)
        groups = [
            c
            for c in await tx.chats.of_community(community.id)
            if c.is_bound and c.coverage_kind == "building" and c.coverage_ref in totals
        ]
        for chat in groups:
            building = str(chat.coverage_ref)
            text = board_text(board(totals[building], names), building, month, community.locale)
            key = f"points:board:{month.first.isoformat()}:{chat.chat_id}"
            await send(
                tx, chat.chat_id, text, now, key, purpose="points.board",
                thread_id=chat.notice_thread_id,
            )  # fmt: skip
        return len(groups)

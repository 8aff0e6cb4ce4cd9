"""The weekly digest: last week's figures, the overdue list and the hot spots, sent once per
week (Monday 09:00 by default) to the community's admins and supervisors in private, or to the
staff group the community file names. A restart or a second process never sends it twice (the
slot is claimed in the database); a run missed by less than twelve hours is sent late."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.kpi.ask import StatsAsk
from bot.domain.kpi.digest import DigestSpec, ReportsSpec, covered_week, due_slot, next_slot
from bot.domain.records import CommunityInfo
from bot.services.kpi.desk import figures_message, send_chart
from bot.services.outgoing import send
from bot.services.ports import KpiUnitOfWork, KpiUnitOfWorkFactory

log = logging.getLogger(__name__)

_ROLE_OF = {"admins": "admin", "supervisors": "supervisor"}


def digest_spec(community: CommunityInfo) -> DigestSpec:
    raw = community.extra.get("reports")
    return ReportsSpec.model_validate(raw).digest if raw else ReportsSpec().digest


class WeeklyDigest:
    """The periodic job; a community is looked at only when its digest may be due."""

    def __init__(self, uow: KpiUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock
        # community id → (its last change, the next moment its digest is worth a look)
        self._next_look: dict[int, tuple[datetime, datetime]] = {}

    async def tick(self) -> int:
        """Send each community's digest when due; return how many messages were queued."""
        now = self.clock.now()
        async with self.uow() as tx:
            versions = await tx.registry.community_versions()
        queued = 0
        for community_id, changed_at in versions.items():
            known = self._next_look.get(community_id)
            if known is not None and known[0] == changed_at and now < known[1]:
                continue
            try:
                queued += await self._digest(community_id, changed_at, now)
            except Exception:
                log.exception(
                    "weekly digest of community %s failed",
                    community_id,
                    extra={"community_id": community_id},
                )
        return queued

    async def _digest(self, community_id: int, changed_at: datetime, now: datetime) -> int:
        async with self.uow() as tx:
            community = await tx.registry.community(community_id)
            if community is None:
                return 0
            spec = digest_spec(community)
            self._next_look[community_id] = (changed_at, next_slot(spec, now, community.timezone))
            slot = due_slot(spec, now, community.timezone)
            if slot is None or not await tx.duty.claim_daily(community.id, "digest", slot, now):
                return 0
            queued = await self._send(tx, community, spec, slot.isoformat(), now)
            await tx.commit()
        log.info("weekly digest queued", extra={"community_id": community_id, "messages": queued})
        return queued

    async def _send(
        self,
        tx: KpiUnitOfWork,
        community: CommunityInfo,
        spec: DigestSpec,
        slot: str,
        now: datetime,
    ) -> int:
        week = covered_week(datetime.fromisoformat(slot).date(), community.timezone)
        locale = community.locale
        text, kpi = await figures_message(
            tx,
            community,
            StatsAsk(week),
            now,
            locale,
            admin=spec.chat is None and spec.to == ("admins",),
            title_key="kpi.digest_title",
        )
        queued = 0
        for chat_id in await _recipients(tx, community, spec):
            key = f"kpi:digest:{community.id}:{slot}:{chat_id}"
            queued += await send(tx, chat_id, text, now, key, purpose="kpi.digest") is not None
            await send_chart(tx, chat_id, community, kpi, locale, now, f"{key}:chart")
        return queued


async def _recipients(tx: KpiUnitOfWork, community: CommunityInfo, spec: DigestSpec) -> list[int]:
    if spec.chat is not None:
        return [spec.chat]
    roles = [_ROLE_OF[who] for who in spec.to]
    people = await tx.people.of_community(community.id)
    return sorted(
        {p.telegram_id for p in people if p.telegram_id is not None and p.has_role(*roles)}
    )

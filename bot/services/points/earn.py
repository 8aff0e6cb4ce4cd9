"""Awarding points: who holds them (a person or their household), the caps of the rule, and
one ledger row per event and rule – written in the transaction of the event that earned it."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.points.records import EntryKind, Holder, NewEntry
from bot.domain.points.rules import PointRule, PointsSpec, Trigger, periods, within_caps
from bot.domain.records import CommunityInfo
from bot.services.ports import LedgerUnitOfWork

log = logging.getLogger(__name__)


def points_spec(community: CommunityInfo) -> PointsSpec | None:
    """The community's points rules (None: it runs no points scheme)."""
    raw = community.extra.get("points")
    return None if raw is None else PointsSpec.model_validate(raw)


async def holder_of(
    tx: LedgerUnitOfWork, community: CommunityInfo, telegram_id: int, building: str | None = None
) -> Holder | None:
    """Who holds the points a person earns: the person, or their linked household (None when
    the community counts households and the person has none)."""
    spec = points_spec(community)
    homes = [
        m.household
        for m in await tx.households.memberships(telegram_id)
        if m.household.community_id == community.id
    ]
    home = homes[0] if homes else None
    if spec is not None and spec.unit == "household":
        return None if home is None else Holder("household", home.id, home.building)
    return Holder("person", telegram_id, home.building if home is not None else building)


async def award(
    tx: LedgerUnitOfWork,
    community: CommunityInfo,
    rule: PointRule,
    holder: Holder,
    event: str,
    now: datetime,
    *,
    reason: str | None = None,
    points: int | None = None,
    actor: int | None = None,
    approved_by: int | None = None,
) -> int:
    """Award `rule` (or `points` of it) to `holder` for `event`, cut to its caps; return the
    points written (0: a cap is reached, or the event was awarded already)."""
    await tx.points.lock_holder(community.id, holder)  # two awards at once: one cap
    at = periods(now, community.timezone)
    today = await tx.points.earned_since(community.id, holder, rule.key, at.day)
    month = await tx.points.earned_since(community.id, holder, rule.key, at.month)
    wanted = rule.points if points is None else points
    given = min(wanted, within_caps(rule.model_copy(update={"points": wanted}), today, month))
    if given <= 0:
        return 0
    entry = NewEntry(
        community_id=community.id,
        holder=holder,
        kind=EntryKind.AWARD,
        points=given,
        rule=rule.key,
        event=event,
        reason=reason or rule.name,
        actor=actor,
        approved_by=approved_by,
    )
    return given if await tx.points.add(entry, now) else 0


async def earn_automatic(
    tx: LedgerUnitOfWork,
    community: CommunityInfo,
    trigger: Trigger,
    holder: Holder | None,
    event: str,
    now: datetime,
) -> int:
    """Award every automatic rule of `trigger` to `holder` for `event`; return the points."""
    spec = points_spec(community)
    if spec is None or holder is None:
        return 0
    total = 0
    for rule in spec.on(trigger):
        total += await award(tx, community, rule, holder, event, now)
    if total:
        log.info("points: %s awarded %d", trigger.value, total)
    return total

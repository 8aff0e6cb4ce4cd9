"""The care list at work: when an outage notice (water, power, gas, lift) or a level-1
emergency (急难事件) covers buildings with households on the care list, a round of check-on
calls starts once – the admins, the buildings' grid workers and their building leaders each
get privately the households they may see, with a 「已联系」 button each – and after a set time
the admins hear who was not reached.

Nothing of the care list reaches a group or a log line: messages go to private chats only,
and logs name rounds and counts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed
from bot.domain.households.care import may_see
from bot.domain.households.records import CareRecord, CareRound
from bot.domain.records import AuditRecord, ButtonSpec, CommunityInfo, PersonInfo
from bot.domain.registry import Role
from bot.services.buttons import callback_data
from bot.services.outgoing import Rows, send
from bot.services.ports import HouseholdUnitOfWork, HouseholdUnitOfWorkFactory

log = logging.getLogger(__name__)

CONTACTED = "care.contacted"
REPORT_AFTER = timedelta(hours=2)  # the admins hear who was not reached after this
LOOK_BACK = timedelta(days=1)  # outage notices made within this are looked at


def _grid(community: CommunityInfo, building: str) -> str | None:
    info = community.building(building)
    return info.grid if info is not None else None


class CareDesk:
    def __init__(self, uow: HouseholdUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def tick(self) -> int:
        """Start the rounds of new outages; report rounds whose time is up. Return messages."""
        now = self.clock.now()
        queued = 0
        async with self.uow() as tx:
            communities = await tx.registry.communities()
        for community in communities:
            async with self.uow() as tx:
                queued += await self._start_rounds(tx, community, now)
                await tx.commit()
        async with self.uow() as tx:
            for care_round in await tx.care.claim_reports(now):
                queued += await self._report(tx, care_round, now)
            await tx.commit()
        return queued

    async def _start_rounds(
        self, tx: HouseholdUnitOfWork, community: CommunityInfo, now: datetime
    ) -> int:
        """A round for each new outage notice and level-1 emergency covering cared homes."""
        causes: list[tuple[str, str, tuple[str, ...]]] = []  # (source, kind, buildings)
        for notice in await tx.notices.outages_since(community.id, now - LOOK_BACK):
            outage = notice.extra.get("outage")
            if outage and not outage.get("restored") and notice.status != "cancelled":
                kind = str(outage.get("kind") or "water")
                causes.append((f"outage:{notice.id}", kind, tuple(outage.get("buildings") or ())))
        for ticket_id, building in await tx.care.emergencies_since(community.id, now - LOOK_BACK):
            causes.append((f"ticket:{ticket_id}", "emergency", (building,)))
        queued = 0
        for source, kind, buildings in causes:
            cared = await tx.care.entries(community.id, buildings)
            if not cared:
                continue
            round_id = await tx.care.start_round(
                community.id, source, kind, buildings, now, now + REPORT_AFTER
            )
            if round_id is None:
                continue  # started before
            await tx.care.add_checks(round_id, [c.household.id for c in cared])
            care_round = await tx.care.get_round(round_id)
            assert care_round is not None
            queued += await self._send_lists(tx, community, care_round, cared, now)
            log.info(
                "care round started",
                extra={"community_id": community.id, "round": round_id, "households": len(cared)},
            )
        return queued

    async def _send_lists(
        self, tx: HouseholdUnitOfWork, community: CommunityInfo, care_round: CareRound,
        cared: list[CareRecord], now: datetime,
    ) -> int:  # fmt: skip
        locale = community.locale
        people = await tx.people.of_community(community.id)
        sent = 0
        for person in people:
            theirs = [
                c for c in cared
                if may_see(person, c.household.building, _grid(community, c.household.building))
            ]  # fmt: skip
            if not theirs or person.telegram_id is None:
                continue
            rows: Rows = []
            lines = [self._title(care_round, locale, "care.list_title")]
            for c in theirs:
                lines.append(_line(c, locale))
                button_id = await tx.buttons.create(
                    ButtonSpec(
                        kind=CONTACTED, subject=f"care_round:{care_round.id}",
                        payload={"round": care_round.id, "household": c.household.id},
                        allowed_user_ids=(person.telegram_id,),
                        community_id=community.id, expires_at=now + timedelta(days=2),
                    ),
                    now,
                )  # fmt: skip
                rows.append([{
                    "text": i18n.t(locale, "care.contacted_button", home=c.household.key),
                    "callback_data": callback_data(button_id),
                }])  # fmt: skip
            key = f"care:{care_round.id}:list:{person.telegram_id}"
            await send(tx, person.telegram_id, "\n".join(lines), now, key,
                       purpose="care.list", buttons=rows)  # fmt: skip
            sent += 1
        return sent

    def _title(self, care_round: CareRound, locale: str, key: str) -> str:
        where = (
            i18n.t(locale, "care.buildings", buildings="、".join(care_round.buildings))
            if care_round.buildings
            else i18n.t(locale, "care.everywhere")
        )
        return i18n.t(
            locale, key, what=i18n.t(locale, f"care.kind.{care_round.kind}"), where=where
        )

    async def contacted(self, user_id: int, round_id: int, household_id: int) -> str:
        """「已联系」: the household was reached (the first press counts), audited."""
        now = self.clock.now()
        async with self.uow() as tx:
            care_round = await tx.care.get_round(round_id)
            if care_round is None:
                raise NotAllowed("care.not_yours")
            community = await tx.registry.community(care_round.community_id)
            assert community is not None
            check = next(
                (k for k in await tx.care.checks(round_id) if k.care.household.id == household_id),
                None,
            )
            people = [
                p for p in await tx.people.by_telegram_id(user_id)
                if p.community_id == community.id
            ]  # fmt: skip
            home = check.care.household if check is not None else None
            if home is None or not _sees(people, home.building, _grid(community, home.building)):
                raise NotAllowed("care.not_yours")
            first = await tx.care.contact(round_id, household_id, user_id, now)
            if first:
                await tx.audit.record(
                    AuditRecord(
                        action="care.contacted", subject=f"care_round:{round_id}",
                        actor_telegram_id=user_id, community_id=community.id,
                        details={"household": household_id},
                    ),
                    now,
                )  # fmt: skip
            await tx.commit()
        key = "care.noted" if first else "care.noted_before"
        return i18n.t(community.locale, key, home=home.key)

    async def _report(self, tx: HouseholdUnitOfWork, care_round: CareRound, now: datetime) -> int:
        community = await tx.registry.community(care_round.community_id)
        assert community is not None
        locale = community.locale
        checks = await tx.care.checks(care_round.id)
        missing = [k.care.household.key for k in checks if k.contacted_at is None]
        text = self._title(care_round, locale, "care.report_title") + "\n" + (
            i18n.t(locale, "care.report_missing", count=len(missing), of=len(checks),
                   homes="、".join(missing))
            if missing
            else i18n.t(locale, "care.report_all", of=len(checks))
        )  # fmt: skip
        admins = [
            p.telegram_id
            for p in await tx.people.of_community(community.id)
            if p.has_role(Role.ADMIN) and p.telegram_id is not None
        ]
        for admin in admins:
            await send(tx, admin, text, now, f"care:{care_round.id}:report:{admin}",
                       purpose="care.report")  # fmt: skip
        log.info("care round reported",
                 extra={"round": care_round.id, "not_reached": len(missing)})  # fmt: skip
        return len(admins)


def _sees(people: list[PersonInfo], building: str, grid: str | None) -> bool:
    return any(may_see(p, building, grid) for p in people)


def _line(c: CareRecord, locale: str) -> str:
    text = i18n.t(locale, "care.line", home=c.household.key,
                  reason=i18n.t(locale, f"care.reason.{c.reason}"))  # fmt: skip
    if c.note:
        text += i18n.t(locale, "care.note", note=c.note)
    return text

"""Points in chat: /points shows a person their balance and recent entries (in private);
/award 3-2-401 2 清理楼道 by a building leader or staff proposes points that a supervisor or
admin accepts or refuses with one tap – the proposer hears a refusal, the ledger an acceptance;
/correct 3-2-401 -2 重复记分 by a supervisor or admin adds a correction (a new row, never an edit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.households.register import parse_key
from bot.domain.points.records import EntryKind, Holder, LedgerEntry, NewEntry, Proposal
from bot.domain.points.report import ReportRow, monthly
from bot.domain.points.rules import PointRule, PointsSpec
from bot.domain.records import ButtonSpec, CommunityInfo, PersonInfo
from bot.domain.registry import STAFF_ROLES, Role
from bot.services.buttons import callback_data
from bot.services.outgoing import send
from bot.services.points.earn import award, holder_of, points_spec
from bot.services.ports import PointsUnitOfWork, PointsUnitOfWorkFactory

DECIDE = "points.decide"
RECENT = 5  # entries /points shows
MOST = 100  # points one /award may propose
APPROVERS = (Role.ADMIN.value, Role.SUPERVISOR.value)
DECIDE_WITHIN = timedelta(days=14)


@dataclass(frozen=True)
class AwardAsk:
    user_id: int
    words: tuple[str, ...]  # after /award: 3-2-401 2 清理楼道
    update_id: int


def may_propose(person: PersonInfo, building: str) -> bool:
    """Staff of the community, or the building leader of this building."""
    staff = bool(person.roles & {r.value for r in STAFF_ROLES})
    return staff or (person.has_role(Role.BUILDING_LEADER) and building in person.buildings)


def _rule_for(spec: PointsSpec, reason: str) -> PointRule:
    """The reviewed rule the reason names (its key or name first), else the first reviewed."""
    reviewed = spec.reviewed()
    if not reviewed:
        raise NotAllowed("points.award.no_rules")
    first = reason.split(maxsplit=1)[0] if reason else ""
    named = [r for r in reviewed if first in (r.key, r.name) or reason.startswith(r.name)]
    return (named or reviewed)[0]


def _line(entry: LedgerEntry, tz: str) -> str:
    day = entry.at.astimezone(ZoneInfo(tz)).strftime("%m-%d")
    return f"{day}  {entry.points:+d}  {entry.reason}"


class PointsDesk:
    def __init__(self, uow: PointsUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def _community_of(self, tx: PointsUnitOfWork, user_id: int) -> CommunityInfo | None:
        """The community a person belongs to: by their household, else as staff."""
        ids = [m.household.community_id for m in await tx.households.memberships(user_id)]
        ids += [p.community_id for p in await tx.people.by_telegram_id(user_id)]
        return await tx.registry.community(ids[0]) if ids else None

    async def mine(self, user_id: int, locale: str) -> str:
        """/points: the balance and the latest entries of what the person holds."""
        async with self.uow() as tx:
            community = await self._community_of(tx, user_id)
            if community is None or points_spec(community) is None:
                return i18n.t(locale, "points.mine.none")
            holder = await holder_of(tx, community, user_id)
            if holder is None:
                return i18n.t(community.locale, "points.mine.not_linked")
            balance = await tx.points.balance(community.id, holder)
            recent = await tx.points.recent(community.id, holder, RECENT)
        key = "points.mine.household" if holder.kind == "household" else "points.mine.person"
        lines = [i18n.t(community.locale, key, balance=balance)]
        if recent:
            lines.append(i18n.t(community.locale, "points.mine.recent"))
            lines += [_line(e, community.timezone) for e in recent]
        else:
            lines.append(i18n.t(community.locale, "points.mine.empty"))
        return "\n".join(lines)

    async def naming(self, user_id: int, words: tuple[str, ...], name: str, locale: str) -> str:
        """/points name on|off: be named on the building's monthly board, or counted only."""
        if len(words) != 1 or words[0] not in ("on", "off"):
            return i18n.t(locale, "points.name.how")
        async with self.uow() as tx:
            community = await self._community_of(tx, user_id)
            if community is None or points_spec(community) is None:
                return i18n.t(locale, "points.mine.none")
            holder = await holder_of(tx, community, user_id)
            if holder is None:
                return i18n.t(community.locale, "points.mine.not_linked")
            shown = name.strip()[:16] or None if words[0] == "on" else None
            await tx.points.set_name(community.id, holder, shown, self.clock.now())
            await tx.commit()
        if shown is None:
            return i18n.t(community.locale, "points.name.hidden")
        return i18n.t(community.locale, "points.name.shown", name=shown)

    async def report(self, community_code: str | None) -> list[ReportRow]:
        """Points awarded and redeemed by month and building (`loudao points report`)."""
        async with self.uow() as tx:
            communities = await tx.registry.communities()
            found = [c for c in communities if community_code in (None, c.code)]
            if len(found) != 1:
                raise InvalidInput(
                    "points.report.which", codes=", ".join(c.code for c in communities)
                )
            community = found[0]
            entries = await tx.points.entries_for_report(community.id)
        return monthly(entries, community.timezone)

    async def correct(self, ask: AwardAsk) -> str:
        """/correct 3-2-401 -2 重复记分: an approver adds a correction row (nothing is edited)."""
        words = ask.words
        amount = words[1] if len(words) >= 3 else ""
        if not amount.lstrip("+-").isdigit() or int(amount) == 0:
            raise InvalidInput("points.correct.how")
        place, points, reason = parse_key(words[0]), int(amount), " ".join(words[2:])
        if place is None:
            raise InvalidInput("households.bad_key", word=words[0])
        if abs(points) > MOST:
            raise InvalidInput("points.award.bad_points", most=MOST)
        now = self.clock.now()
        async with self.uow() as tx:
            people = await tx.people.by_telegram_id(ask.user_id)
            approver = next((p for p in people if p.has_role(*APPROVERS)), None)
            if approver is None:
                raise NotAllowed("points.correct.not_allowed")
            community = await tx.registry.community(approver.community_id)
            assert community is not None
            spec = points_spec(community)
            if spec is None:
                raise NotAllowed("points.mine.none")
            holder = await self._holder_of_home(tx, community, spec, place)
            entry = NewEntry(
                community_id=community.id, holder=holder, kind=EntryKind.CORRECTION,
                points=points, rule="correction", event=f"correction:{ask.update_id}",
                reason=reason, actor=ask.user_id, approved_by=ask.user_id,
            )  # fmt: skip
            await tx.points.add(entry, now)
            balance = await tx.points.balance(community.id, holder)
            await tx.commit()
        return i18n.t(
            community.locale,
            "points.correct.done",
            home=words[0],
            points=f"{points:+d}",
            balance=balance,
        )

    # -- a reviewed award ---------------------------------------------------------------------

    async def propose(self, ask: AwardAsk) -> str:
        """/award 3-2-401 2 清理楼道: store the proposal and ask the approvers in private."""
        if len(ask.words) < 3 or not ask.words[1].isdigit():
            raise InvalidInput("points.award.how")
        place, points, reason = parse_key(ask.words[0]), int(ask.words[1]), " ".join(ask.words[2:])
        if place is None:
            raise InvalidInput("households.bad_key", word=ask.words[0])
        if not 1 <= points <= MOST:
            raise InvalidInput("points.award.bad_points", most=MOST)
        now = self.clock.now()
        async with self.uow() as tx:
            people = [p for p in await tx.people.by_telegram_id(ask.user_id)]
            proposer = next((p for p in people if may_propose(p, place[0])), None)
            if proposer is None:
                raise NotAllowed("points.award.not_allowed")
            community = await tx.registry.community(proposer.community_id)
            assert community is not None
            spec = points_spec(community)
            if spec is None:
                raise NotAllowed("points.mine.none")
            rule = _rule_for(spec, reason)
            holder = await self._holder_of_home(tx, community, spec, place)
            proposal_id = await tx.points.propose(
                community.id, holder, rule.key, points, reason, ask.user_id, ask.update_id, now
            )
            text = i18n.t(
                community.locale, "points.award.ask", home=ask.words[0], points=points,
                reason=reason, rule=rule.name, by=proposer.name,
            )  # fmt: skip
            asked = await self._ask_approvers(tx, community, proposal_id, ask.user_id, text, now)
            await tx.commit()
        if not asked:
            return i18n.t(community.locale, "points.award.no_approver")
        return i18n.t(community.locale, "points.award.proposed", points=points)

    async def _holder_of_home(
        self,
        tx: PointsUnitOfWork,
        community: CommunityInfo,
        spec: PointsSpec,
        place: tuple[str, str | None, str],
    ) -> Holder:
        home = await tx.households.find(community.id, *place)
        if home is None:
            raise InvalidInput("points.award.unknown_home")
        if spec.unit == "household":
            return Holder("household", home.id, home.building)
        members = await tx.households.members(home.id)
        account = next((m for m in members if m.voter), members[0] if members else None)
        if account is None:
            raise InvalidInput("points.award.no_account")
        return Holder("person", account.telegram_id, home.building)

    async def _ask_approvers(
        self, tx: PointsUnitOfWork, community: CommunityInfo, proposal_id: int, proposer: int,
        text: str, now: datetime,
    ) -> int:  # fmt: skip
        """Ask every supervisor and admin but the proposer (nobody reviews their own)."""
        approvers = [
            p.telegram_id
            for p in await tx.people.of_community(community.id)
            if p.has_role(*APPROVERS) and p.telegram_id not in (None, proposer)
        ]
        row = []
        for accept in (True, False):
            button_id = await tx.buttons.create(
                ButtonSpec(
                    kind=DECIDE, subject=f"points_proposal:{proposal_id}",
                    payload={"proposal": proposal_id, "accept": accept},
                    allowed_roles=APPROVERS, community_id=community.id,
                    expires_at=now + DECIDE_WITHIN,
                ),
                now,
            )  # fmt: skip
            label = "points.award.accept" if accept else "points.award.refuse"
            row.append(
                {
                    "text": i18n.t(community.locale, label),
                    "callback_data": callback_data(button_id),
                }
            )
        for telegram_id in dict.fromkeys(approvers):
            key = f"points:{proposal_id}:ask:{telegram_id}"
            await send(tx, telegram_id, text, now, key, purpose="points.ask", buttons=[row])
        return len(approvers)

    async def decide(self, presser_id: int, proposal_id: int, accept: bool) -> str:
        """An approver's tap: accept (the ledger gets the award, cut to the rule's caps) or
        refuse (the proposer is told); a proposal is decided once."""
        now = self.clock.now()
        async with self.uow() as tx:
            proposal = await tx.points.get_proposal(proposal_id)
            if proposal is None:
                raise InvalidInput("points.award.unknown")
            community = await tx.registry.community(proposal.community_id)
            assert community is not None
            locale = community.locale
            if presser_id == proposal.proposed_by:
                raise NotAllowed("points.award.own")
            if not await tx.points.decide(proposal_id, presser_id, accept, now):
                return i18n.t(locale, "points.award.decided_before")
            given = await self._accepted(tx, community, proposal, presser_id, now) if accept else 0
            key = "points.award.told_refused"
            if accept:
                key = "points.award.told_accepted" if given else "points.award.told_capped"
            told = i18n.t(locale, key, points=given, reason=proposal.reason)
            await send(
                tx, proposal.proposed_by, told, now, f"points:{proposal_id}:told",
                purpose="points.decided",
            )  # fmt: skip
            await tx.commit()
        if not accept:
            return i18n.t(locale, "points.award.refused")
        if not given:
            return i18n.t(locale, "points.award.capped")
        return i18n.t(locale, "points.award.accepted", points=given)

    async def _accepted(
        self, tx: PointsUnitOfWork, community: CommunityInfo, proposal: Proposal,
        approver: int, now: datetime,
    ) -> int:  # fmt: skip
        spec = points_spec(community)
        rule = spec.rule(proposal.rule) if spec is not None else None
        if rule is None:  # the rule left the community file meanwhile
            return 0
        return await award(
            tx, community, rule, proposal.holder, f"proposal:{proposal.id}", now,
            reason=proposal.reason, points=proposal.points, actor=proposal.proposed_by,
            approved_by=approver,
        )  # fmt: skip

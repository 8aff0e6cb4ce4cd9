"""Consultations (征询/表决): an admin opens one with /consult; each household's voter answers in
private with buttons (a later answer replaces the earlier until the deadline); building leaders
enter paper ballots; groups in scope get the notice, a reminder and the result – counts only,
never a household – and the building leaders privately the households not yet heard from.

The close is claimed once in the database (`closed_at`), and the result is counted again from
the ballots by `bot.domain.households.rule.count`, so a restart neither loses nor doubles it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.households.ask import parse_consult
from bot.domain.households.records import ConsultationRecord, HouseholdRecord
from bot.domain.households.rule import PRESETS, Ballot, Result, count
from bot.domain.households.scope import electorate, groups_in_scope, in_scope
from bot.domain.points.records import Holder
from bot.domain.points.rules import Trigger
from bot.domain.records import AuditRecord, ButtonSpec, CommunityInfo
from bot.domain.registry import Role
from bot.services.buttons import callback_data
from bot.services.households.register import acting_person, find_household
from bot.services.households.render import header, result_json, result_text, rule_of, when
from bot.services.outgoing import Rows, send
from bot.services.points.earn import earn_automatic, points_spec
from bot.services.ports import HouseholdUnitOfWork, HouseholdUnitOfWorkFactory

log = logging.getLogger(__name__)

VOTE = "consult.vote"
REMIND_BEFORE = timedelta(hours=24)


@dataclass(frozen=True)
class ConsultAsk:
    user_id: int
    private: bool
    text: str  # the words after /consult
    locale: str
    update_id: int


class ConsultationDesk:
    def __init__(self, uow: HouseholdUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    # -- opening ------------------------------------------------------------------------------

    async def open(self, ask: ConsultAsk) -> str:
        """/consult PRESET | QUESTION | 截止 … : store it, tell the groups and every voter.
        /consult NUMBER: how it stands (admins), or who has not voted yet (building leaders)."""
        if ask.text.strip().lstrip("#").isdigit():
            return await self.status(ask, int(ask.text.strip().lstrip("#")))
        now = self.clock.now()
        async with self.uow() as tx:
            admin = next(
                (p for p in await tx.people.by_telegram_id(ask.user_id) if p.has_role(Role.ADMIN)),
                None,
            )
            if admin is None:
                raise NotAllowed("households.consult.admins_only")
            if not ask.private:
                raise InvalidInput("households.consult.private_only")
            community = await tx.registry.community(admin.community_id)
            assert community is not None
            draft = parse_consult(ask.text, now, ZoneInfo(community.timezone), ask.locale)
            unknown = [b for b in draft.buildings if community.building(b) is None]
            if unknown:
                raise InvalidInput("households.consult.unknown_buildings", word="、".join(unknown))
            remind = draft.deadline - REMIND_BEFORE
            record = ConsultationRecord(
                community_id=community.id, question=draft.question, options=draft.options,
                buildings=draft.buildings, voters=draft.voters,
                rule=PRESETS[draft.preset].model_dump(mode="json"), secret=draft.secret,
                deadline=draft.deadline, remind_at=remind if remind > now else None,
                created_by=ask.user_id, update_id=ask.update_id,
            )  # fmt: skip
            consultation_id = await tx.consultations.add(record, now)
            stored = await tx.consultations.get(consultation_id)
            assert stored is not None
            asked, reached, groups = await self._announce(tx, community, stored, now)
            await tx.audit.record(
                AuditRecord(
                    action="consult.opened",
                    subject=f"consultation:{stored.id}",
                    actor_telegram_id=ask.user_id,
                    community_id=community.id,
                    update_id=ask.update_id,
                    details={"households": asked, "voters": reached, "groups": groups},
                ),
                now,
            )
            await tx.commit()
        return i18n.t(
            ask.locale, "households.consult.opened", number=stored.id, households=asked,
            voters=reached, groups=groups,
        )  # fmt: skip

    async def _announce(
        self, tx: HouseholdUnitOfWork, community: CommunityInfo, c: ConsultationRecord,
        now: datetime,
    ) -> tuple[int, int, int]:  # fmt: skip
        locale, tz = community.locale, community.timezone
        homes = [h for h in await tx.households.of_community(community.id) if in_scope(c, h)]
        voters = await tx.households.voters(community.id)
        chats = groups_in_scope(c, await tx.chats.of_community(community.id), community.buildings)
        notice = header(c, tz, locale) + "\n" + i18n.t(locale, "households.consult.how_to_vote")
        for chat_id in chats:
            await send(
                tx, chat_id, notice, now, f"consult:{c.id}:notice:{chat_id}",
                purpose="consult.notice",
            )  # fmt: skip
        reached = 0
        rows = await self._buttons(tx, c, locale, now)
        ballot = header(c, tz, locale) + "\n" + i18n.t(locale, "households.consult.ballot")
        for home in homes:
            voter = voters.get(home.id)
            if voter is not None:
                await self._send_ballot(tx, c, voter, ballot, rows, now, f"consult:{c.id}:ballot")
                reached += 1
        return len(homes), reached, len(chats)

    async def _buttons(
        self, tx: HouseholdUnitOfWork, c: ConsultationRecord, locale: str, now: datetime
    ) -> Rows:
        """One button per option, shared by every voter's ballot: a press is authorised by
        who pressed (the voter of a household asked, checked in `vote`), not by the button."""
        rows: Rows = []
        for index, option in enumerate(c.options):
            button_id = await tx.buttons.create(
                ButtonSpec(
                    kind=VOTE, subject=f"consultation:{c.id}",
                    payload={"consultation": c.id, "option": index},
                    community_id=c.community_id, expires_at=c.deadline,
                ),
                now,
            )  # fmt: skip
            rows.append([{"text": option, "callback_data": callback_data(button_id)}])
        return rows

    async def _send_ballot(
        self, tx: HouseholdUnitOfWork, c: ConsultationRecord, voter: int, text: str, rows: Rows,
        now: datetime, key: str,
    ) -> None:  # fmt: skip
        await send(tx, voter, text, now, f"{key}:{voter}", purpose="consult.ballot", buttons=rows)

    async def status(self, ask: ConsultAsk, consultation_id: int) -> str:
        if not ask.private:
            raise InvalidInput("households.consult.private_only")
        async with self.uow() as tx:
            c = await tx.consultations.get(consultation_id)
            people = await tx.people.by_telegram_id(ask.user_id)
            mine = [p for p in people if c is not None and p.community_id == c.community_id]
            if c is None or not any(p.has_role(Role.ADMIN, Role.BUILDING_LEADER) for p in mine):
                raise InvalidInput("households.vote.unknown", number=consultation_id)
            community = await tx.registry.community(c.community_id)
            assert community is not None
            result = await self.count(tx, c)
            text = i18n.t(
                ask.locale, "households.consult.status", number=c.id, question=c.question,
                voted=result.voted.households, of=result.electorate.households,
                paper=result.paper, deadline=when(c.deadline, community.timezone),
            )  # fmt: skip
            leader = next((p for p in mine if p.has_role(Role.BUILDING_LEADER)), None)
            if leader is not None and c.closed_at is None:
                waiting = await self._waiting(tx, c, leader.buildings)
                text += "\n" + i18n.t(
                    ask.locale, "households.consult.waiting", count=len(waiting),
                    homes="、".join(waiting) or "–",
                )  # fmt: skip
        return text

    async def _waiting(
        self, tx: HouseholdUnitOfWork, c: ConsultationRecord, buildings: frozenset[str]
    ) -> list[str]:
        """The households of these buildings asked and not heard from yet (for a leader)."""
        voted = {b.household_id for b in await tx.consultations.ballots(c.id)}
        return [
            h.key
            for h in await tx.households.of_community(c.community_id, sorted(buildings))
            if in_scope(c, h) and h.id not in voted
        ]

    # -- voting -------------------------------------------------------------------------------

    async def _voters_home(
        self, tx: HouseholdUnitOfWork, user_id: int, c: ConsultationRecord
    ) -> HouseholdRecord:
        """The household `user_id` votes for in this consultation; NotAllowed otherwise."""
        member = next(
            (
                m
                for m in await tx.households.memberships(user_id)
                if m.household.community_id == c.community_id
            ),
            None,
        )
        if member is None:
            raise NotAllowed("households.vote.not_linked")
        if not in_scope(c, member.household):
            raise NotAllowed("households.vote.not_asked")
        if not member.voter:
            raise NotAllowed("households.vote.not_voter")
        return member.household

    async def vote(self, user_id: int, consultation_id: int, option: int, update_id: int) -> str:
        """A voter's button: store the household's answer (replacing an earlier one)."""
        now = self.clock.now()
        async with self.uow() as tx:
            c = await self._open_one(tx, consultation_id)
            community = await tx.registry.community(c.community_id)
            assert community is not None
            home = await self._voters_home(tx, user_id, c)
            if not 0 <= option < len(c.options):
                raise InvalidInput("households.vote.bad_option")
            await self._cast(tx, c, home, option, False, user_id, update_id, now)
            await tx.commit()
        return i18n.t(
            community.locale, "households.vote.counted", option=c.options[option],
            deadline=when(c.deadline, community.timezone),
        )  # fmt: skip

    async def _open_one(self, tx: HouseholdUnitOfWork, consultation_id: int) -> ConsultationRecord:
        c = await tx.consultations.get(consultation_id)
        if c is None:
            raise InvalidInput("households.vote.unknown", number=consultation_id)
        if c.closed_at is not None or c.deadline <= self.clock.now():
            raise InvalidInput("households.vote.closed", number=consultation_id)
        return c

    async def _cast(
        self, tx: HouseholdUnitOfWork, c: ConsultationRecord, home: HouseholdRecord,
        option: int, paper: bool, by: int, update_id: int, now: datetime,
    ) -> None:  # fmt: skip
        before = await tx.consultations.cast(c.id, home.id, option, paper, by, now)
        if before is None:  # a first ballot earns its points, in the same transaction
            await self._earn(tx, c, home, now)
        details: dict[str, object] = {"household": home.id, "paper": paper}
        if not c.secret:  # a secret ballot's choice is in the ballot row only, never the log
            details["option"] = option
            if before is not None:
                details["before"] = before
        await tx.audit.record(
            AuditRecord(
                action="consult.ballot" if before is None else "consult.ballot_changed",
                subject=f"consultation:{c.id}",
                actor_telegram_id=by,
                community_id=c.community_id,
                update_id=update_id,
                details=details,
            ),
            now,
        )

    async def _earn(
        self, tx: HouseholdUnitOfWork, c: ConsultationRecord, home: HouseholdRecord, now: datetime
    ) -> None:
        """The household's ballot earns points: the household's, or its voter's."""
        community = await tx.registry.community(c.community_id)
        assert community is not None
        spec = points_spec(community)
        if spec is None:
            return
        holder: Holder | None = Holder("household", home.id, home.building)
        if spec.unit == "person":
            voter = next((m for m in await tx.households.members(home.id) if m.voter), None)
            holder = None if voter is None else Holder("person", voter.telegram_id, home.building)
        event = f"consultation:{c.id}:household:{home.id}"
        await earn_automatic(tx, community, Trigger.BALLOT_CAST, holder, event, now)

    async def ballots_for(self, user_id: int, locale: str, update_id: int) -> str:
        """/vote in private: the open consultations of the user's household, with buttons."""
        now = self.clock.now()
        async with self.uow() as tx:
            members = await tx.households.memberships(user_id)
            if not members:
                raise NotAllowed("households.vote.not_linked")
            member = members[0]
            community = await tx.registry.community(member.household.community_id)
            assert community is not None
            open_ones = await tx.consultations.open_of_community(community.id)
            asked = [c for c in open_ones if in_scope(c, member.household) and c.deadline > now]
            if not asked:
                return i18n.t(locale, "households.vote.none_open")
            if not member.voter:
                return i18n.t(locale, "households.vote.not_voter")
            for c in asked:
                rows = await self._buttons(tx, c, community.locale, now)
                text = (
                    header(c, community.timezone, community.locale)
                    + "\n"
                    + i18n.t(community.locale, "households.consult.ballot")
                )
                await self._send_ballot(
                    tx, c, user_id, text, rows, now, f"consult:{c.id}:vote:{update_id}"
                )
            await tx.commit()
        return ""

    async def paper(self, user_id: int, words: list[str], locale: str, update_id: int) -> str:
        """/paper NUMBER 3-2-401 同意: a building leader enters a paper ballot of a household."""
        if len(words) != 3 or not words[0].lstrip("#").isdigit():
            raise InvalidInput("households.paper.how")
        now = self.clock.now()
        async with self.uow() as tx:
            c = await self._open_one(tx, int(words[0].lstrip("#")))
            community = await tx.registry.community(c.community_id)
            assert community is not None
            home = await find_household(tx, community, words[1])
            person = await acting_person(tx, user_id, home.building)
            if person.community_id != c.community_id:
                raise NotAllowed("households.leaders_only")
            if not in_scope(c, home):
                raise InvalidInput("households.paper.not_asked", home=home.key)
            option = _option(c, words[2])
            await self._cast(tx, c, home, option, True, user_id, update_id, now)
            await tx.commit()
        return i18n.t(
            locale, "households.paper.counted", home=home.key, option=c.options[option],
            number=c.id,
        )  # fmt: skip

    # -- the periodic job ---------------------------------------------------------------------

    async def tick(self) -> int:
        """Send due reminders and close what is past its deadline; return messages queued."""
        now = self.clock.now()
        queued = 0
        async with self.uow() as tx:
            for c in await tx.consultations.claim_reminders(now):
                queued += await self._remind(tx, c, now)
            await tx.commit()
        async with self.uow() as tx:
            for c in await tx.consultations.claim_closing(now):
                queued += await self._close(tx, c, now)
            await tx.commit()
        return queued

    async def _remind(self, tx: HouseholdUnitOfWork, c: ConsultationRecord, now: datetime) -> int:
        community = await tx.registry.community(c.community_id)
        assert community is not None
        locale, tz = community.locale, community.timezone
        result = await self.count(tx, c)
        text = i18n.t(
            locale, "households.consult.reminder", number=c.id, question=c.question,
            deadline=when(c.deadline, tz), voted=result.voted.households,
            of=result.electorate.households,
        )  # fmt: skip
        chats = groups_in_scope(c, await tx.chats.of_community(community.id), community.buildings)
        for chat_id in chats:
            await send(tx, chat_id, text, now, f"consult:{c.id}:remind:{chat_id}",
                       purpose="consult.reminder")  # fmt: skip
        return len(chats) + await self._tell_leaders(tx, community, c, now)

    async def _tell_leaders(
        self, tx: HouseholdUnitOfWork, community: CommunityInfo, c: ConsultationRecord,
        now: datetime,
    ) -> int:  # fmt: skip
        """Each building leader privately: the households of their buildings not yet heard."""
        told = 0
        for leader in await tx.people.of_community(community.id):
            if leader.telegram_id is None or not leader.has_role(Role.BUILDING_LEADER):
                continue
            theirs = await self._waiting(tx, c, leader.buildings)
            if not theirs:
                continue
            text = i18n.t(
                community.locale, "households.consult.not_yet", number=c.id,
                count=len(theirs), homes="、".join(theirs),
            )  # fmt: skip
            key = f"consult:{c.id}:waiting:{leader.telegram_id}"
            await send(tx, leader.telegram_id, text, now, key, purpose="consult.waiting")
            told += 1
        return told

    async def count(self, tx: HouseholdUnitOfWork, c: ConsultationRecord) -> Result:
        """Count a consultation from its ballots and the register, as the rule says."""
        homes = await tx.households.of_community(c.community_id)
        ballots = [
            Ballot(b.household_id, b.option, b.paper) for b in await tx.consultations.ballots(c.id)
        ]
        return count(rule_of(c), len(c.options), electorate(c, homes), ballots)

    async def _close(self, tx: HouseholdUnitOfWork, c: ConsultationRecord, now: datetime) -> int:
        community = await tx.registry.community(c.community_id)
        assert community is not None
        result = await self.count(tx, c)
        stored = result_json(result)
        await tx.consultations.save_result(c.id, stored)
        await tx.audit.record(
            AuditRecord(
                action="consult.closed",
                subject=f"consultation:{c.id}",
                community_id=c.community_id,
                details=stored,
            ),
            now,
        )
        text = result_text(c, result, community.timezone, community.locale)
        chats = groups_in_scope(c, await tx.chats.of_community(community.id), community.buildings)
        for chat_id in [*chats, c.created_by]:
            await send(tx, chat_id, text, now, f"consult:{c.id}:result:{chat_id}",
                       purpose="consult.result")  # fmt: skip
        log.info(
            "consultation closed",
            extra={"consultation": c.id, "households": result.voted.households,
                   "passed": result.passed},
        )  # fmt: skip
        return len(chats) + 1


def _option(c: ConsultationRecord, word: str) -> int:
    """An option named by its words or its number (1 = the first)."""
    word = word.strip()
    if word in c.options:
        return c.options.index(word)
    if word.isdigit() and 1 <= int(word) <= len(c.options):
        return int(word) - 1
    raise InvalidInput("households.paper.bad_option", options=" / ".join(c.options))

"""The household register: import and export for the committee, one-time codes handed out by
an admin or the building leader, accounts linked with them, and the household's voter.

A building leader is a person of the community file's staff with the role `building_leader`
and the buildings they look after (`buildings: [3]`); an admin may act for every building.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.households.records import HouseholdRecord, RegisterReport
from bot.domain.households.register import HouseholdSpec, parse_key
from bot.domain.records import AuditRecord, CommunityInfo, PersonInfo
from bot.domain.registry import Role
from bot.services.ports import HouseholdUnitOfWork, HouseholdUnitOfWorkFactory

CODE_LIFE = timedelta(days=14)  # long enough to be carried door to door on paper
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by elders
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(word: str) -> bool:
    return len(word) == CODE_LENGTH and all(c in _ALPHABET for c in word.upper())


@dataclass(frozen=True)
class HouseholdAsk:
    user_id: int
    private: bool
    args: tuple[str, ...]
    locale: str
    update_id: int


def may_act_for(person: PersonInfo, building: str) -> bool:
    """An admin of the community, or the building leader of this building."""
    return person.has_role(Role.ADMIN) or (
        person.has_role(Role.BUILDING_LEADER) and building in person.buildings
    )


async def acting_person(tx: HouseholdUnitOfWork, user_id: int, building: str) -> PersonInfo:
    """The admin or building leader `user_id` is for this building; NotAllowed otherwise."""
    for person in await tx.people.by_telegram_id(user_id):
        if may_act_for(person, building):
            return person
    raise NotAllowed("households.leaders_only")


async def find_household(
    tx: HouseholdUnitOfWork, community: CommunityInfo, word: str
) -> HouseholdRecord:
    place = parse_key(word)
    if place is None:
        raise InvalidInput("households.bad_key", word=word)
    found = await tx.households.find(community.id, *place)
    if found is None:
        raise InvalidInput("households.unknown", word=word)
    return found


class HouseholdDesk:
    def __init__(self, uow: HouseholdUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def import_register(
        self, community_code: str, households: tuple[HouseholdSpec, ...], source: str
    ) -> RegisterReport:
        """Make the community's register what the file says (audited, with counts only)."""
        now = self.clock.now()
        async with self.uow() as tx:
            community = await tx.registry.community_by_code(community_code)
            if community is None:
                raise InvalidInput("households.unknown_community", code=community_code)
            report = await tx.households.replace_register(community.id, households, now)
            care = {(h.building, h.unit or "", h.room): h.care for h in households if h.care}
            on_care_list = await tx.care.replace_entries(community.id, care, now)
            await tx.audit.record(
                AuditRecord(
                    action="households.imported",
                    subject=f"community:{community.code}",
                    community_id=community.id,
                    details={
                        "source": source, "created": report.created, "updated": report.updated,
                        "removed": report.removed, "unchanged": report.unchanged,
                        "care_list": on_care_list,
                    },
                ),
                now,
            )  # fmt: skip
            await tx.commit()
        return report

    async def export_register(
        self, community_code: str, actor: int | None
    ) -> tuple[CommunityInfo, list[HouseholdRecord]]:
        """The register for `loudao households export --with-personal-data`: an admin of the
        community only (`actor`), audited before anything is written."""
        now = self.clock.now()
        async with self.uow() as tx:
            community = await tx.registry.community_by_code(community_code)
            if community is None:
                raise InvalidInput("households.unknown_community", code=community_code)
            people = await tx.people.by_telegram_id(actor) if actor is not None else []
            if not any(p.community_id == community.id and p.has_role(Role.ADMIN) for p in people):
                raise NotAllowed("households.export_admins_only")
            homes = await tx.households.of_community(community.id)
            await tx.audit.record(
                AuditRecord(
                    action="households.exported",
                    subject=f"community:{community.code}",
                    actor_telegram_id=actor,
                    community_id=community.id,
                    details={"households": len(homes), "personal": True},
                ),
                now,
            )
            await tx.commit()
        return community, homes

    async def summary(self, community_code: str) -> dict[str, dict[str, int]]:
        """Per building: households, owners, with a known area, linked voters (no rooms)."""
        async with self.uow() as tx:
            community = await tx.registry.community_by_code(community_code)
            if community is None:
                raise InvalidInput("households.unknown_community", code=community_code)
            homes = await tx.households.of_community(community.id)
            voters = await tx.households.voters(community.id)
        out: dict[str, dict[str, int]] = {}
        for h in homes:
            row = out.setdefault(
                h.building, {"households": 0, "owners": 0, "area": 0, "linked": 0}
            )
            row["households"] += 1
            row["owners"] += h.status == "owner"
            row["area"] += h.area is not None
            row["linked"] += h.id in voters
        return out

    async def household(self, ask: HouseholdAsk) -> str:
        """/household: code 3-2-401 · voter 3-2-401 ID · CODE · (nothing: where am I linked)."""
        if not ask.private:
            raise InvalidInput("households.private_only")
        words = ask.args
        if words and words[0].lower() == "code" and len(words) == 2:
            return await self.issue_code(ask, words[1])
        if words and words[0].lower() == "voter" and len(words) == 3:
            return await self.set_voter(ask, words[1], words[2])
        if len(words) == 1 and looks_like_code(words[0]):
            return await self.link(ask, words[0].upper())
        if not words:
            return await self.show(ask)
        raise InvalidInput("households.how")

    async def issue_code(self, ask: HouseholdAsk, word: str) -> str:
        now = self.clock.now()
        place = parse_key(word)
        if place is None:
            raise InvalidInput("households.bad_key", word=word)
        async with self.uow() as tx:
            person = await acting_person(tx, ask.user_id, place[0])
            community = await tx.registry.community(person.community_id)
            assert community is not None
            household = await find_household(tx, community, word)
            code = new_code()
            await tx.households.add_code(code, household.id, ask.user_id, now, now + CODE_LIFE)
            await tx.audit.record(
                AuditRecord(
                    action="household.code_issued",
                    subject=f"household:{household.id}",
                    actor_telegram_id=ask.user_id,
                    community_id=community.id,
                    update_id=ask.update_id,
                ),
                now,
            )
            await tx.commit()
        return i18n.t(ask.locale, "households.code", home=household.key, code=code, days=14)

    async def link(self, ask: HouseholdAsk, code: str) -> str:
        now = self.clock.now()
        async with self.uow() as tx:
            household_id = await tx.households.use_code(code, ask.user_id, now)
            if household_id is None:
                raise InvalidInput("households.bad_code")
            voter = await tx.households.link(household_id, ask.user_id, now)
            members = await tx.households.members(household_id)
            await tx.audit.record(
                AuditRecord(
                    action="household.linked",
                    subject=f"household:{household_id}",
                    actor_telegram_id=ask.user_id,
                    community_id=members[0].household.community_id,
                    update_id=ask.update_id,
                    details={"voter": voter, "accounts": len(members)},
                ),
                now,
            )
            await tx.commit()
        return i18n.t(ask.locale, "households.linked_voter" if voter else "households.linked")

    async def set_voter(self, ask: HouseholdAsk, word: str, account: str) -> str:
        if not account.isdigit():
            raise InvalidInput("households.bad_account", word=account)
        now = self.clock.now()
        async with self.uow() as tx:
            people = await tx.people.by_telegram_id(ask.user_id)
            admin = next((p for p in people if p.has_role(Role.ADMIN)), None)
            if admin is None:
                raise NotAllowed("households.admins_only")
            community = await tx.registry.community(admin.community_id)
            assert community is not None
            household = await find_household(tx, community, word)
            if not await tx.households.set_voter(household.id, int(account)):
                raise InvalidInput("households.not_linked", word=account)
            await tx.audit.record(
                AuditRecord(
                    action="household.voter_changed",
                    subject=f"household:{household.id}",
                    actor_telegram_id=ask.user_id,
                    community_id=community.id,
                    update_id=ask.update_id,
                    details={"voter": int(account)},
                ),
                now,
            )
            await tx.commit()
        return i18n.t(ask.locale, "households.voter_set", home=household.key)

    async def show(self, ask: HouseholdAsk) -> str:
        async with self.uow() as tx:
            members = await tx.households.memberships(ask.user_id)
        if not members:
            return i18n.t(ask.locale, "households.not_linked_yet")
        member = members[0]
        return i18n.t(
            ask.locale,
            "households.you_voter" if member.voter else "households.you_member",
            home=member.household.key,
        )

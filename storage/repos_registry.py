"""Registry repositories: communities, grids, buildings, chats and people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.records import (
    BuildingInfo,
    ChatInfo,
    ChatMove,
    CommunityInfo,
    LoadReport,
    PersonInfo,
)
from bot.domain.registry import CommunitySpec
from storage.chat_moves import move_history
from storage.models import Building, BuildingAlias, Chat, Community, Grid, Person, PrivateChat
from storage.registry_cache import RegistryCache
from storage.repos_messaging import _insert

MAX_UPGRADES = 4  # a chain of ids to follow: a basic group is upgraded once, but be safe


class _Counter:
    def __init__(self) -> None:
        self.created = self.updated = self.deactivated = self.unchanged = 0

    def report(self) -> LoadReport:
        return LoadReport(self.created, self.updated, self.deactivated, self.unchanged)


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set changed attributes only; return whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


class SqlRegistryRepo:
    def __init__(self, session: AsyncSession, cache: RegistryCache | None = None) -> None:
        self.s = session
        self.cache = cache or RegistryCache()

    async def upsert_community(self, spec: CommunitySpec, now: datetime) -> LoadReport:
        """Make the database match `spec`; rows missing from it are deactivated, not deleted."""
        count = _Counter()
        community = await self.s.scalar(select(Community).where(Community.code == spec.code))
        extra = {
            k: v
            for k, v in {
                "roster": spec.roster.model_dump(mode="json") if spec.roster else None,
                "sla": spec.sla.model_dump(mode="json") if spec.sla else None,
                "intake_rules": spec.intake_rules,
                "faq_file": spec.faq_file,
                "notices_file": spec.notices_file,
                "unaddressed_reports": spec.unaddressed_reports,
                "contact": spec.contact,
                "reports": spec.reports.model_dump(mode="json"),
                "points": spec.points.model_dump(mode="json") if spec.points else None,
                "coordinates": {
                    b.number: list(b.location) for b in spec.buildings if b.location is not None
                }
                or None,
            }.items()
            if v is not None
        }
        values = {
            "name": spec.name,
            "timezone": spec.timezone,
            "locale": spec.locale,
            "extra": extra,
        }
        if community is None:
            community = Community(code=spec.code, updated_at=now, **values)
            self.s.add(community)
            await self.s.flush()
            count.created += 1
        elif _apply(community, values):
            community.updated_at = now
            count.updated += 1
        else:
            count.unchanged += 1
        await self._grids(community.id, spec, count)
        await self._buildings(community.id, spec, count)
        await self._chats(community.id, spec, now, count)
        await self._people(community.id, spec, count)
        await self.s.flush()
        return count.report()

    async def _grids(self, cid: int, spec: CommunitySpec, count: _Counter) -> None:
        rows = {
            g.code: g for g in await self.s.scalars(select(Grid).where(Grid.community_id == cid))
        }
        for g in spec.grids:
            row = rows.pop(g.code, None)
            if row is None:
                self.s.add(Grid(community_id=cid, code=g.code, name=g.name, active=True))
                count.created += 1
            elif _apply(row, {"name": g.name, "active": True}):
                count.updated += 1
        for row in rows.values():
            if row.active:
                row.active = False
                count.deactivated += 1

    async def _buildings(self, cid: int, spec: CommunitySpec, count: _Counter) -> None:
        rows = {
            b.number: b
            for b in await self.s.scalars(select(Building).where(Building.community_id == cid))
        }
        kept: list[tuple[Building, tuple[str, ...]]] = []
        for b in spec.buildings:
            values = {"name": b.name, "grid_code": b.grid, "units": list(b.units), "active": True}
            row = rows.pop(b.number, None)
            if row is None:
                row = Building(community_id=cid, number=b.number, **values)
                self.s.add(row)
                count.created += 1
            elif _apply(row, values):
                count.updated += 1
            kept.append((row, b.aliases))
        for row in rows.values():
            if row.active:
                row.active = False
                count.deactivated += 1
        await self.s.flush()  # the new buildings' ids, all in one go
        await self._aliases(kept, count)

    async def _aliases(
        self, buildings: list[tuple[Building, tuple[str, ...]]], count: _Counter
    ) -> None:
        """Make every building's extra names those of the file: one query for the community."""
        stored: dict[int, dict[str, BuildingAlias]] = {}
        for chunk in _chunks([row.id for row, _ in buildings]):
            for a in await self.s.scalars(
                select(BuildingAlias).where(BuildingAlias.building_id.in_(chunk))
            ):
                stored.setdefault(a.building_id, {})[a.alias] = a
        for row, aliases in buildings:
            rows = stored.get(row.id, {})
            for alias in aliases:
                if rows.pop(alias, None) is None:
                    self.s.add(BuildingAlias(building_id=row.id, alias=alias))
                    count.created += 1
            for gone in rows.values():
                await self.s.delete(gone)
                count.deactivated += 1

    async def _chats(self, cid: int, spec: CommunitySpec, now: datetime, count: _Counter) -> None:
        stored: dict[int, Chat] = {}
        for chunk in _chunks([c.chat_id for c in spec.chats]):
            for row in await self.s.scalars(select(Chat).where(Chat.chat_id.in_(chunk))):
                stored[row.chat_id] = row
        for c in spec.chats:
            cov = c.covers
            ref = cov.grid if cov.grid is not None else cov.building
            values = {
                "community_id": cid,
                "title": c.title,
                "coverage_kind": cov.kind,
                "coverage_ref": ref,
                "coverage_unit": cov.unit,
                "notice_thread_id": c.notice_topic,
            }
            found = await _followed(self.s, stored.get(c.chat_id))
            if found is None:
                self.s.add(
                    Chat(chat_id=c.chat_id, status="bound", source="registry", updated_at=now,
                         **values)
                )  # fmt: skip
                count.created += 1
            elif _apply(found, values):
                found.updated_at = now
                count.updated += 1

    async def _people(self, cid: int, spec: CommunitySpec, count: _Counter) -> None:
        rows = {
            p.key: p
            for p in await self.s.scalars(select(Person).where(Person.community_id == cid))
        }
        for p in spec.staff:
            values: dict[str, Any] = {
                "name": p.name,
                "roles": [str(r) for r in p.roles],
                "skills": list(p.skills),
                "buildings": list(p.buildings),
                "grids": list(p.grids),
                "phone": p.phone,
                "username": p.username,
                "active": True,
            }
            row = rows.pop(p.key, None)
            if row is None or row.claimed_at is None or p.telegram_id is not None:
                # A join code already claimed in chat stays claimed across re-loads.
                values["telegram_id"] = p.telegram_id
                values["join_code"] = p.join_code
            if row is None:
                self.s.add(Person(community_id=cid, key=p.key, **values))
                count.created += 1
            elif _apply(row, values):
                count.updated += 1
        for row in rows.values():
            if row.active:
                row.active = False
                count.deactivated += 1

    async def community(self, community_id: int) -> CommunityInfo | None:
        async def load() -> CommunityInfo | None:
            row = await self.s.get(Community, community_id)
            return None if row is None else await self._info(row)

        return await self.cache.read(self.s, ("community", community_id), load)

    async def community_by_code(self, code: str) -> CommunityInfo | None:
        async def load() -> CommunityInfo | None:
            row = await self.s.scalar(select(Community).where(Community.code == code))
            return None if row is None else await self._info(row)

        return await self.cache.read(self.s, ("community_by_code", code), load)

    async def community_versions(self) -> dict[int, datetime]:
        """When each community last changed, by id: one small query, no buildings."""
        rows = await self.s.execute(select(Community.id, Community.updated_at))
        return {cid: at for cid, at in rows.all()}

    async def communities(self) -> list[CommunityInfo]:
        async def load() -> tuple[CommunityInfo, ...]:
            rows = await self.s.scalars(select(Community).order_by(Community.id))
            return tuple([await self._info(r) for r in rows])

        return list(await self.cache.read(self.s, ("communities",), load))

    async def _info(self, row: Community) -> CommunityInfo:
        buildings = list(
            await self.s.scalars(
                select(Building)
                .where(Building.community_id == row.id, Building.active.is_(True))
                .order_by(Building.id)
            )
        )
        aliases: dict[int, list[str]] = {}
        if buildings:
            for a in await self.s.scalars(
                select(BuildingAlias).where(
                    BuildingAlias.building_id.in_([b.id for b in buildings])
                )
            ):
                aliases.setdefault(a.building_id, []).append(a.alias)
        grids = await self.s.scalars(
            select(Grid.code).where(Grid.community_id == row.id, Grid.active.is_(True))
        )
        return CommunityInfo(
            id=row.id,
            code=row.code,
            name=row.name,
            timezone=row.timezone,
            locale=row.locale,
            buildings=tuple(
                BuildingInfo(b.number, tuple(aliases.get(b.id, [])), tuple(b.units), b.grid_code)
                for b in buildings
            ),
            grids=tuple(grids),
            extra=dict(row.extra),
        )


def chat_info(row: Chat) -> ChatInfo:
    return ChatInfo(
        chat_id=row.chat_id,
        community_id=row.community_id,
        title=row.title,
        coverage_kind=row.coverage_kind,
        coverage_ref=row.coverage_ref,
        coverage_unit=row.coverage_unit,
        status=row.status,
        notice_thread_id=row.notice_thread_id,
    )


class SqlChatRepo:
    def __init__(self, session: AsyncSession, cache: RegistryCache | None = None) -> None:
        self.s = session
        self.cache = cache or RegistryCache()

    async def get(self, chat_id: int) -> ChatInfo | None:
        async def load() -> ChatInfo | None:
            row = await self.s.get(Chat, chat_id)
            return None if row is None else chat_info(row)

        return await self.cache.read(self.s, ("chat", chat_id), load)

    async def bind(
        self,
        chat_id: int,
        community_id: int,
        kind: str,
        ref: str | None,
        unit: str | None,
        title: str,
        now: datetime,
    ) -> None:
        row = await self.s.get(Chat, chat_id)
        if row is None:
            row = Chat(chat_id=chat_id, source="bind", updated_at=now)
            self.s.add(row)
        row.community_id = community_id
        row.coverage_kind, row.coverage_ref, row.coverage_unit = kind, ref, unit
        row.title = title or row.title or ""
        row.status = "bound"
        row.updated_at = now
        await self.s.flush()

    async def set_status(
        self, chat_id: int, status: str, now: datetime, title: str | None = None
    ) -> None:
        row = await self.s.get(Chat, chat_id)
        if row is None:
            row = Chat(chat_id=chat_id, source="bind", title=title or "", updated_at=now)
            self.s.add(row)
        row.status = status
        if title:
            row.title = title
        row.updated_at = now
        await self.s.flush()

    async def of_community(self, community_id: int) -> list[ChatInfo]:
        async def load() -> tuple[ChatInfo, ...]:
            rows = await self.s.scalars(
                select(Chat).where(Chat.community_id == community_id).order_by(Chat.chat_id)
            )
            return tuple(chat_info(r) for r in rows)

        return list(await self.cache.read(self.s, ("chats_of", community_id), load))

    async def migrate(self, old_chat_id: int, new_chat_id: int, now: datetime) -> ChatMove | None:
        """Follow a group to the supergroup it became: binding, tickets and the rest move.

        Safe to repeat and to race: the old row is locked (PostgreSQL), and only the call that
        marks it migrated gives the new id its binding (`first`); every call moves what is
        still kept under the old id. None when the old id is not a group we know, or went
        elsewhere."""
        row = await self.s.scalar(
            select(Chat)
            .where(Chat.chat_id == old_chat_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None or row.migrated_to not in (None, new_chat_id):
            return None
        status = row.status
        result = await self.s.execute(
            update(Chat)
            .where(Chat.chat_id == old_chat_id, Chat.migrated_to.is_(None))
            .values(status="migrated", migrated_to=new_chat_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        first = bool(result.rowcount)
        await self.s.refresh(row)
        if first:
            await self._carry_binding(row, new_chat_id, status, now)
        moved = await move_history(self.s, old_chat_id, new_chat_id)
        return ChatMove(old_chat_id, new_chat_id, first, row.community_id, moved)

    async def _carry_binding(
        self, old: Chat, new_chat_id: int, status: str, now: datetime
    ) -> None:
        """Give the supergroup the group's binding, unless it was bound itself meanwhile."""
        row = await self.s.get(Chat, new_chat_id)
        if row is None:
            row = Chat(chat_id=new_chat_id, source=old.source, updated_at=now)
            self.s.add(row)
        elif row.status == "bound" and row.coverage_kind is not None:
            return
        row.community_id = old.community_id
        row.coverage_kind, row.coverage_ref = old.coverage_kind, old.coverage_ref
        row.coverage_unit = old.coverage_unit
        row.title = old.title
        row.status = status
        row.updated_at = now
        await self.s.flush()


def _chunks(ids: list[int], size: int = 1000) -> list[list[int]]:
    """Ids in chunks small enough for one IN (…) each (SQLite allows 32,766 parameters)."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


async def _followed(session: AsyncSession, row: Chat | None) -> Chat | None:
    """The chat a group is now: a basic group upgraded to a supergroup is followed there."""
    for _ in range(MAX_UPGRADES):
        if row is None or row.migrated_to is None:
            return row
        upgraded = await session.get(Chat, row.migrated_to)
        if upgraded is None:
            return row
        row = upgraded
    return row


def person_info(row: Person) -> PersonInfo:
    return PersonInfo(
        id=row.id,
        community_id=row.community_id,
        key=row.key,
        name=row.name,
        telegram_id=row.telegram_id,
        roles=frozenset(row.roles),
        skills=frozenset(row.skills),
        buildings=frozenset(row.buildings),
        grids=frozenset(row.grids),
        active=row.active,
    )


class SqlPeopleRepo:
    def __init__(self, session: AsyncSession, cache: RegistryCache | None = None) -> None:
        self.s = session
        self.cache = cache or RegistryCache()

    async def by_telegram_id(self, telegram_id: int) -> list[PersonInfo]:
        async def load() -> tuple[PersonInfo, ...]:
            rows = await self.s.scalars(
                select(Person).where(Person.telegram_id == telegram_id, Person.active.is_(True))
            )
            return tuple(person_info(r) for r in rows)

        return list(await self.cache.read(self.s, ("people_of_user", telegram_id), load))

    async def by_username(self, username: str, community_id: int) -> PersonInfo | None:
        """The active person the community file gives this @username (any case, with or
        without the @)."""
        name = username.lower().lstrip("@")

        async def load() -> PersonInfo | None:
            row = await self.s.scalar(
                select(Person).where(
                    Person.community_id == community_id,
                    Person.username == name,
                    Person.active.is_(True),
                )
            )
            return None if row is None else person_info(row)

        return await self.cache.read(self.s, ("person_named", name, community_id), load)

    async def claim(self, code: str, telegram_id: int, now: datetime) -> PersonInfo | None:
        row = await self.s.scalar(
            select(Person)
            .where(Person.join_code == code, Person.active.is_(True), Person.claimed_at.is_(None))
            .with_for_update()
        )
        if row is None:
            return None
        row.telegram_id = telegram_id
        row.join_code = None
        row.claimed_at = now
        await self.s.flush()
        return person_info(row)

    async def private_states(self, telegram_ids: Sequence[int]) -> dict[int, str]:
        """What the bot knows of writing to these people in private (open|closed)."""
        if not telegram_ids:
            return {}
        rows = await self.s.scalars(
            select(PrivateChat).where(PrivateChat.telegram_id.in_(list(set(telegram_ids))))
        )
        return {r.telegram_id: r.state for r in rows}

    async def set_private_state(
        self, telegram_id: int, state: str, now: datetime, reason: str | None = None
    ) -> bool:
        """Record open|closed; return whether it changed (a first record counts as a change)."""
        values = {"telegram_id": telegram_id, "state": state, "reason": reason, "changed_at": now}
        inserted = await self.s.execute(
            _insert(self.s, PrivateChat).values(**values).on_conflict_do_nothing()
        )
        if inserted.rowcount:  # type: ignore[attr-defined]
            return True  # the first record (two processes may both try: one of them wins)
        row = await self.s.get(
            PrivateChat, telegram_id, with_for_update=True, populate_existing=True
        )
        assert row is not None
        if row.state == state:
            return False
        row.state, row.reason, row.changed_at = state, reason, now
        await self.s.flush()
        return True

    async def of_community(self, community_id: int) -> list[PersonInfo]:
        async def load() -> tuple[PersonInfo, ...]:
            rows = await self.s.scalars(
                select(Person)
                .where(Person.community_id == community_id, Person.active.is_(True))
                .order_by(Person.id)
            )
            return tuple(person_info(r) for r in rows)

        return list(await self.cache.read(self.s, ("people_of", community_id), load))

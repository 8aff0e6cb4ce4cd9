"""Use cases about group chats and identities: bind a group, claim an account, bot joins/leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed, NoUnits, UnknownBuilding, UnknownUnit
from bot.domain.records import AuditRecord, ChatInfo, CommunityInfo, PersonInfo
from bot.domain.registry import Role
from bot.services.outgoing import send
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

COMMUNITY_WORDS = ("全小区", "小区", "全体", "community", "all")


class ChatGate(StrEnum):
    """What to do with a message from a chat."""

    SERVE = "serve"  # bound group or private chat: handle it
    ONLY_BIND = "only_bind"  # the bot was added by an admin; waiting for /bind
    LEAVE = "leave"  # unknown group: stay silent and leave
    IGNORE = "ignore"  # a group that became a supergroup: it is served under its new id


@dataclass(frozen=True)
class BindResult:
    community: CommunityInfo
    kind: str
    ref: str | None
    unit: str | None
    text: str


@dataclass(frozen=True)
class Identity:
    """Who a Telegram user is to us: their registered roles (empty for residents)."""

    telegram_id: int
    people: tuple[PersonInfo, ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r for p in self.people for r in p.roles)

    def is_(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def role_names(locale: str, roles: frozenset[str] | set[str]) -> str:
    order = [r.value for r in Role]
    return "、".join(i18n.t(locale, f"roles.{r}") for r in sorted(roles, key=order.index))


class ChatService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def identity(self, telegram_id: int) -> Identity:
        """Look a user up by Telegram user id (never by display name)."""
        async with self.uow() as tx:
            return Identity(telegram_id, tuple(await tx.people.by_telegram_id(telegram_id)))

    async def community_name(self, community_id: int) -> str:
        async with self.uow() as tx:
            community = await tx.registry.community(community_id)
        return community.name if community else ""

    async def chat(self, chat_id: int) -> ChatInfo | None:
        async with self.uow() as tx:
            return await tx.chats.get(chat_id)

    async def gate(self, chat_id: int, chat_type: str, update_id: int | None = None) -> ChatGate:
        """Decide whether the bot serves, waits in, or leaves a chat; of a group it never knew
        (a stranger's) the update keeps only its id."""
        if chat_type == "private":
            return ChatGate.SERVE
        chat = await self.chat(chat_id)
        if chat is None and update_id is not None:
            await self._forget_update(update_id)
        if chat is not None and chat.status == "migrated":
            return ChatGate.IGNORE
        if chat is None or chat.status in ("left", "dead"):
            return ChatGate.LEAVE
        return ChatGate.SERVE if chat.is_bound else ChatGate.ONLY_BIND

    async def _forget_update(self, update_id: int) -> None:
        async with self.uow() as tx:
            await tx.inbox.forget_payload(update_id)
            await tx.commit()

    async def bind(
        self, chat_id: int, title: str, user_id: int, target: str, update_id: int | None
    ) -> BindResult:
        """Bind a group to a building, unit, grid or the whole community (admins only)."""
        async with self.uow() as tx:
            admin = _first_with_role(await tx.people.by_telegram_id(user_id), Role.ADMIN)
            if admin is None:
                raise NotAllowed("bind.not_admin")
            community = await tx.registry.community(admin.community_id)
            if community is None:
                raise NotAllowed("bind.not_admin")
            kind, ref, unit = _parse_bind_target(target.strip(), community)
            locale = community.locale
            await tx.chats.bind(chat_id, community.id, kind, ref, unit, title, self.clock.now())
            await tx.audit.record(
                AuditRecord(
                    action="chat.bound",
                    subject=f"chat:{chat_id}",
                    actor_telegram_id=user_id,
                    community_id=community.id,
                    update_id=update_id,
                    details={"kind": kind, "ref": ref, "unit": unit},
                ),
                self.clock.now(),
            )
            await tx.commit()
        what = {
            "building": i18n.t(locale, "bind.what_building", building=ref),
            "unit": i18n.t(locale, "bind.what_unit", building=ref, unit=unit),
            "grid": i18n.t(locale, "bind.what_grid", grid=ref),
            "community": i18n.t(locale, "bind.what_community"),
        }[kind]
        text = i18n.t(locale, "bind.ok", community=community.name, what=i18n.Raw(what))
        return BindResult(community, kind, ref, unit, text)

    async def join(self, code: str, user_id: int, update_id: int | None) -> tuple[PersonInfo, str]:
        """Claim a staff account with a one-time join code; returns the person and community."""
        async with self.uow() as tx:
            person = await tx.people.claim(code.strip(), user_id, self.clock.now())
            if person is None:
                raise InvalidInput("join.bad_code")
            community = await tx.registry.community(person.community_id)
            await tx.audit.record(
                AuditRecord(
                    action="person.claimed",
                    subject=f"person:{person.key}",
                    actor_telegram_id=user_id,
                    community_id=person.community_id,
                    update_id=update_id,
                ),
                self.clock.now(),
            )
            await tx.commit()
        return person, community.name if community else ""

    async def bot_added(
        self, chat_id: int, title: str, adder_id: int | None, update_id: int | None = None
    ) -> ChatGate:
        """The bot was added to a group: serve it, wait for /bind, or leave.

        A group the bot never knew, added by someone who is not staff, is left and nothing of
        it is kept (PIPL: no title, no adder, not the update itself – only its id, so that it
        is not handled twice)."""
        async with self.uow() as tx:
            chat = await tx.chats.get(chat_id)
            now = self.clock.now()
            if chat is not None and chat.coverage_kind is not None:
                await tx.chats.set_status(chat_id, "bound", now, title)
                gate = ChatGate.SERVE
            else:
                adder = await tx.people.by_telegram_id(adder_id) if adder_id else []
                allowed = _first_with_role(adder, Role.ADMIN, Role.SUPERVISOR) is not None
                gate = ChatGate.ONLY_BIND if allowed else ChatGate.LEAVE
                if chat is None and not allowed:
                    if update_id is not None:
                        await tx.inbox.forget_payload(update_id)
                    await tx.commit()
                    return gate
                await tx.chats.set_status(chat_id, "pending" if allowed else "left", now, title)
            await tx.audit.record(
                AuditRecord(
                    action="chat.bot_added",
                    subject=f"chat:{chat_id}",
                    actor_telegram_id=adder_id,
                    details={"gate": gate.value},
                ),
                now,
            )
            await tx.commit()
        return gate

    async def bot_removed(self, chat_id: int, title: str, update_id: int | None = None) -> None:
        """The bot was removed: stop sending there and tell the community's admins once (of a
        group it never knew – a stranger's it left – only the update's id is kept)."""
        async with self.uow() as tx:
            if await tx.chats.get(chat_id) is None:
                if update_id is not None:
                    await tx.inbox.forget_payload(update_id)
            else:
                await mark_chat_dead(tx, chat_id, title, self.clock.now(), reason="removed")
            await tx.commit()


async def mark_chat_dead(
    tx: UnitOfWork, chat_id: int, title: str, now: datetime, reason: str
) -> None:
    """Mark a chat dead, fail what was queued for it and queue a note to its admins."""
    chat = await tx.chats.get(chat_id)
    if chat is not None and chat.status == "dead":
        return
    await tx.chats.set_status(chat_id, "dead", now, title or None)
    await tx.outbox.fail_pending_for_chat(chat_id, f"chat dead: {reason}", now)
    await tx.audit.record(
        AuditRecord(
            action="chat.dead",
            subject=f"chat:{chat_id}",
            community_id=chat.community_id if chat else None,
            details={"reason": reason},
        ),
        now,
    )
    if chat is None or chat.community_id is None:
        return
    community = await tx.registry.community(chat.community_id)
    locale = community.locale if community else i18n.DEFAULT_LOCALE
    for person in await tx.people.of_community(chat.community_id):
        if Role.ADMIN in person.roles and person.telegram_id is not None:
            text = i18n.t(locale, "admin.chat_dead", title=chat.title or title, chat_id=chat_id)
            key = f"chat_dead:{chat_id}:{person.telegram_id}:{now.isoformat()}"
            await send(tx, person.telegram_id, text, now, key, purpose="admin.chat_dead")


def _first_with_role(people: list[PersonInfo], *roles: str) -> PersonInfo | None:
    return next((p for p in people if p.has_role(*roles)), None)


def _parse_bind_target(
    target: str, community: CommunityInfo
) -> tuple[str, str | None, str | None]:
    from bot.domain.intake import BuildingRef, parse_location

    if not target:
        raise InvalidInput("bind.usage")
    if target.lower() in COMMUNITY_WORDS or target == community.name:
        return "community", None, None
    if target in community.grids:
        return "grid", target, None
    refs = [BuildingRef(b.number, b.aliases, b.units) for b in community.buildings]
    location = parse_location(target, refs)
    known = {b.number for b in community.buildings}
    if location.building is None or location.building not in known:
        raise UnknownBuilding(name=target, known="、".join(sorted(known, key=_natural)))
    units = next(b.units for b in community.buildings if b.number == location.building)
    if location.unit is None and "单元" not in target:
        return "building", location.building, None
    if not units:  # no unit of it is known to exist: the building is what can be bound
        raise NoUnits(building=location.building)
    if location.unit is None or location.unit not in units:
        raise UnknownUnit(name=target, building=location.building, known="、".join(units))
    return "unit", location.building, location.unit


def _natural(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**9, number)

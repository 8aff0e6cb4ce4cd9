"""Sign-in without passwords: /desk in a private chat gives a supervisor or admin a one-time
link; opening it starts a session; every request reads the person's roles from the registry
again, so someone taken off the list loses the desk at once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.desk.sign_in import (
    LinkRecord,
    SessionRecord,
    SignInPolicy,
    csrf_token,
    new_token,
    token_hash,
)
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.records import AuditRecord, CommunityInfo, PersonInfo
from bot.services.ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from bot.services.tickets.cards import MANAGER_ROLES


@dataclass(frozen=True)
class DeskUser:
    """Who is signed in, as the registry says now."""

    person: PersonInfo
    community: CommunityInfo
    locale: str
    csrf: str  # what every form of this session must carry

    @property
    def telegram_id(self) -> int:
        assert self.person.telegram_id is not None
        return self.person.telegram_id

    @property
    def admin(self) -> bool:
        """Admins see rooms and phones (each view audited); supervisors do not."""
        return self.person.has_role("admin")


async def _manager(
    tx: DeskUnitOfWork, telegram_id: int, community_id: int | None = None
) -> PersonInfo | None:
    return next(
        (
            p
            for p in await tx.people.by_telegram_id(telegram_id)
            if p.active
            and p.has_role(*MANAGER_ROLES)
            and (community_id is None or p.community_id == community_id)
        ),
        None,
    )


class LinkRefused(Exception):
    """The link was used, has expired or never existed; `reason` names the text to show."""

    def __init__(self, reason: str, locale: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locale = locale  # the language of the one who asked for it, when known


class DeskSignIn:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        clock: Clock,
        base_url: str,
        policy: SignInPolicy | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.policy = policy or SignInPolicy()

    @property
    def secure(self) -> bool:
        """Whether the desk is reached over https (the cookie is then Secure)."""
        return self.base_url.startswith("https://")

    async def link(self, user_id: int, private: bool, locale: str) -> str:
        """The answer to /desk: a one-time link for a supervisor or admin; refusals raise."""
        now = self.clock.now()
        async with self.uow() as tx:
            person = await _manager(tx, user_id)
            if person is None:
                raise NotAllowed("desk.command.not_allowed")
            if not private:
                raise InvalidInput("desk.command.private_only")
            token = new_token()
            expires = now + self.policy.link_life
            await tx.desk.add_link(
                token_hash(token), user_id, person.community_id, locale, now, expires
            )
            await tx.audit.record(
                AuditRecord("desk.link_sent", "desk", user_id, person.community_id), now
            )
            await tx.commit()
        minutes = int(self.policy.link_life.total_seconds() // 60)
        url = f"{self.base_url}/desk/signin/{quote(token)}"
        return i18n.t(locale, "desk.command.link", url=url, minutes=minutes)

    async def check(self, token: str) -> str:
        """Whether a link could be used now, without using it: its locale; LinkRefused if not.

        Opening the link only shows a button that uses it: a link preview or a mail scanner
        fetching the address does not spend it."""
        async with self.uow() as tx:
            return self._usable(await tx.desk.link(token_hash(token))).locale

    def _usable(self, link: LinkRecord | None) -> LinkRecord:
        if link is None:
            raise LinkRefused("unknown")
        if link.used_at is not None:
            raise LinkRefused("used", link.locale)
        if not self.policy.link_usable(link.expires_at, link.used_at, self.clock.now()):
            raise LinkRefused("expired", link.locale)
        return link

    async def open(self, token: str) -> tuple[str, str]:
        """Use a one-time link: the new session's token and its locale; LinkRefused if not."""
        now = self.clock.now()
        async with self.uow() as tx:
            link = self._usable(await tx.desk.link(token_hash(token)))
            await tx.desk.use_link(link.id, now)
            if await _manager(tx, link.telegram_id, link.community_id) is None:
                await tx.commit()  # used all the same: a link is never good twice
                raise LinkRefused("not_allowed", link.locale)
            session = new_token()
            await tx.desk.add_session(
                token_hash(session), link.telegram_id, link.community_id, link.locale, now
            )
            await tx.audit.record(
                AuditRecord("desk.signed_in", "desk", link.telegram_id, link.community_id), now
            )
            await tx.commit()
        return session, link.locale

    async def who(self, session_token: str) -> DeskUser | None:
        """The person signed in with this session, if it is alive and they still manage."""
        now = self.clock.now()
        async with self.uow() as tx:
            record = await tx.desk.session(token_hash(session_token))
            if record is None or not self._alive(record):
                return None
            person = await _manager(tx, record.telegram_id, record.community_id)
            community = await tx.registry.community(record.community_id)
            if person is None or community is None:
                return None
            await tx.desk.touch_session(record.id, now)
            await tx.commit()
        return DeskUser(person, community, record.locale, csrf_token(session_token))

    def _alive(self, record: SessionRecord) -> bool:
        now = self.clock.now()
        return self.policy.session_alive(record.created_at, record.seen_at, record.ended_at, now)

    async def sign_out(self, session_token: str) -> None:
        """End the session (the cookie alone opens nothing after this)."""
        now = self.clock.now()
        async with self.uow() as tx:
            record = await tx.desk.session(token_hash(session_token))
            if record is not None and record.ended_at is None:
                await tx.desk.end_session(record.id, now)
                await tx.audit.record(
                    AuditRecord(
                        "desk.signed_out", "desk", record.telegram_id, record.community_id
                    ),
                    now,
                )
                await tx.commit()

"""The deployment doctor (`loudao check`, `/status`): what stands between an admin and a
working service, in plain words.

It asks Telegram (through the `BotProbe` port) and the database: is the token valid; can the
bot read the groups (privacy mode, admin rights); is the bot in every bound group; can it
write to every staff member in private (it tries a "typing…" action, which shows nothing
else); is every working calendar year known; is the webhook receiving. Anything that stops
service is a problem (exit code 1); anything that only weakens it is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.records import PRIVATE_CLOSED, PRIVATE_OPEN, ChatInfo, CommunityInfo, PersonInfo
from bot.services.duty.setup import load_setup
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory
from bot.services.reach import start_link


class TokenRefused(Exception):
    """Telegram does not accept the bot token."""


class TelegramUnreachable(Exception):
    """The Bot API does not answer (network, proxy, firewall)."""


@dataclass(frozen=True)
class BotFacts:
    username: str
    reads_all_group_messages: bool  # False: privacy mode is on


@dataclass(frozen=True)
class WebhookFacts:
    url: str
    pending: int
    last_error: str | None


class BotProbe(Protocol):
    """What the doctor asks Telegram; handlers/probe.py answers with the real Bot API."""

    async def me(self) -> BotFacts: ...
    async def membership(self, chat_id: int) -> str: ...  # admin|member|absent|unknown
    async def can_write_private(self, user_id: int) -> bool | None: ...  # None: no answer
    async def webhook(self) -> WebhookFacts: ...


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    PROBLEM = "problem"


MARKS = {Level.OK: "✅", Level.WARN: "⚠️", Level.PROBLEM: "❌"}
BOUND = ("bound", "pending")  # chats the service is meant to serve


@dataclass(frozen=True)
class Finding:
    level: Level
    key: str  # under doctor. in the catalogues
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    @property
    def blocked(self) -> bool:
        """Does anything stop service (exit code 1)?"""
        return any(f.level is Level.PROBLEM for f in self.findings)

    def render(self, locale: str) -> str:
        """The report as an admin reads it: problems first, then warnings, then what is fine."""
        order = (Level.PROBLEM, Level.WARN, Level.OK)
        lines = [
            f"{MARKS[f.level]} {i18n.t(locale, f'doctor.{f.key}', **f.params)}"
            for level in order
            for f in self.findings
            if f.level is level
        ]
        problems = sum(f.level is Level.PROBLEM for f in self.findings)
        summary = (
            i18n.t(locale, "doctor.summary_blocked", count=problems)
            if problems
            else i18n.t(locale, "doctor.summary_clear")
        )
        return "\n".join([i18n.t(locale, "doctor.title"), *lines, "", summary])


class Doctor:
    """Examines the deployment; safe to run while the service runs."""

    def __init__(
        self,
        uow: TicketUnitOfWorkFactory,
        clock: Clock,
        webhook_url: str | None = None,
        public_url: str | None = None,
        links: bool = False,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.webhook_url = webhook_url
        # links: the bot hands out links to its HTTP server (/ical), which need a public address
        self.public_url = public_url
        self.links = links

    async def examine(self, probe: BotProbe) -> Report:
        try:
            me = await probe.me()
        except TokenRefused:
            return Report((Finding(Level.PROBLEM, "token_refused"),))
        except TelegramUnreachable as exc:
            return Report(
                (Finding(Level.PROBLEM, "telegram_unreachable", {"error": str(exc)[:200]}),)
            )
        found = [Finding(Level.OK, "token_ok", {"bot": me.username})]
        if me.reads_all_group_messages:
            found.append(Finding(Level.OK, "privacy_off"))
        else:
            found.append(Finding(Level.WARN, "privacy_on"))
        async with self.uow() as tx:
            communities = await tx.registry.communities()
            if not communities:
                found.append(Finding(Level.PROBLEM, "no_community"))
            for community in communities:
                found += await self._groups(tx, probe, me, community)
                found += await self._staff(tx, probe, me, community)
                found += await self._calendar(tx, community)
            await tx.commit()  # what the private probes learned helps routing at once
        found += await self._webhook(probe)
        if self.links and not self.public_url:
            found.append(Finding(Level.WARN, "public_url_missing"))
        return Report(tuple(found))

    async def _groups(
        self, tx: TicketUnitOfWork, probe: BotProbe, me: BotFacts, community: CommunityInfo
    ) -> list[Finding]:
        chats = [c for c in await tx.chats.of_community(community.id) if c.status in BOUND]
        if not chats:
            return [Finding(Level.PROBLEM, "no_groups", {"community": community.name})]
        found = []
        for chat in chats:
            found.append(_group_finding(chat, await probe.membership(chat.chat_id), me))
        return found

    async def _staff(
        self, tx: TicketUnitOfWork, probe: BotProbe, me: BotFacts, community: CommunityInfo
    ) -> list[Finding]:
        people = await tx.people.of_community(community.id)
        with_id = [p for p in people if p.telegram_id is not None]
        states = await tx.people.private_states([p.telegram_id or 0 for p in with_id])
        now = self.clock.now()
        unreached: list[str] = []
        for person in with_id:
            user_id = person.telegram_id or 0
            if states.get(user_id) == PRIVATE_OPEN:
                continue
            answer = await probe.can_write_private(user_id)
            if answer is None:
                continue  # Telegram did not answer: say nothing rather than guess
            state = PRIVATE_OPEN if answer else PRIVATE_CLOSED
            await tx.people.set_private_state(user_id, state, now, None if answer else "check")
            if not answer:
                unreached.append(person.name)
        found = _unclaimed(people)
        if unreached:
            names = "、".join(unreached)
            link = start_link(me.username)
            found.append(
                Finding(Level.PROBLEM, "staff_unreachable", {"names": names, "link": link})
            )
        else:
            found.append(Finding(Level.OK, "staff_ok", {"count": str(len(with_id))}))
        return found

    async def _calendar(self, tx: TicketUnitOfWork, community: CommunityInfo) -> list[Finding]:
        now = self.clock.now()
        setup = await load_setup(tx, community, now)
        this_year = now.astimezone(setup.tz).year
        for year in (this_year, this_year + 1):
            setup.calendar.is_workday(date(year, 6, 1))  # an unknown year is noted by the call
        missing = sorted(set(setup.unknown_years))
        setup.unknown_years.clear()  # the doctor reports it here; it does not message admins
        if missing:
            years = "、".join(str(y) for y in missing)
            return [Finding(Level.WARN, "calendar_missing", {"years": years})]
        return [Finding(Level.OK, "calendar_ok", {"years": f"{this_year}–{this_year + 1}"})]

    async def _webhook(self, probe: BotProbe) -> list[Finding]:
        if self.webhook_url is None:
            return []
        facts = await probe.webhook()
        if facts.url != self.webhook_url:
            return [Finding(Level.PROBLEM, "webhook_not_set", {"url": self.webhook_url})]
        if facts.last_error:
            return [Finding(Level.PROBLEM, "webhook_error", {"error": facts.last_error[:200]})]
        return [Finding(Level.OK, "webhook_ok", {"pending": str(facts.pending)})]


def _group_finding(chat: ChatInfo, membership: str, me: BotFacts) -> Finding:
    title = chat.title or str(chat.chat_id)
    if membership == "absent":
        return Finding(Level.PROBLEM, "group_absent", {"title": title})
    if membership == "unknown":
        return Finding(Level.WARN, "group_unknown", {"title": title})
    if membership != "admin" and not me.reads_all_group_messages:
        # privacy mode and no admin rights: only commands and replies to the bot arrive
        return Finding(Level.PROBLEM, "group_cannot_read", {"title": title})
    return Finding(Level.OK, "group_ok", {"title": title})


def _unclaimed(people: Sequence[PersonInfo]) -> list[Finding]:
    """Staff without a Telegram account yet: they have not sent /join with their code."""
    names = [p.name for p in people if p.telegram_id is None]
    if not names:
        return []
    return [Finding(Level.WARN, "staff_unclaimed", {"names": "、".join(names)})]

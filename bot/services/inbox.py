"""Use case: record raw updates once (by update_id) before anything handles them, and try a
failed one again with backoff until it is handled or given up (then the admins are told)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.inbox import ALIVE_FOR, ALIVE_PREFIX, next_attempt
from bot.services.escalation.followup import local_time
from bot.services.outgoing import tell_admins
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
MAX_NOTED = 1000  # handler failures remembered until the dispatcher takes them
# A claimed update is handled well within this; if its process dies, another takes it after.
CLAIM_FOR = timedelta(minutes=2)
# SQLite has no SKIP LOCKED: one process at a time consumes the inbox, renewing this lease
# every round (a second process waits; after a crash it takes over once the lease lapses).
CONSUMER = "inbox"
CONSUMER_LEASE = timedelta(seconds=15)
TELL_QUIET = timedelta(minutes=10)  # at most one given-up message per community this often
STANDBY = "inbox: another process on this database handles the updates; this one waits"


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    payload: dict[str, Any]
    attempts: int  # attempts that failed before this one


@dataclass(frozen=True)
class GivenUp:
    """An update no attempt could handle: what kind, where, why – never what it said."""

    update_id: int
    what: str  # update.group, update.private, update.button …
    chat_id: int | None
    error: str  # the exception's class name
    attempts: int


#: opens the one transaction of an update, which every unit of work opened inside it joins
PerUpdate = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


class Inbox:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        single_consumer: bool = False,
        per_update: PerUpdate | None = None,
    ) -> None:
        self.uow = uow
        self.per_update = per_update
        self.clock = clock
        self.single_consumer = single_consumer
        tag = uuid.uuid4().hex[:8]
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{tag}"
        self.alive_lease = f"{ALIVE_PREFIX}{tag}"  # renewed while this process claims updates
        self.standby = False  # another process holds the consumer lease
        self._alive_since: datetime | None = None
        self._noted: dict[int, str] = {}

    async def record(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> list[int]:
        """Store updates in one transaction; return the ids that were new."""
        new: list[int] = []
        async with self.uow() as tx:
            for update_id, payload in updates:
                if await tx.inbox.record(update_id, payload, self.clock.now()):
                    new.append(update_id)
            await tx.commit()
        return new

    async def pending(self, limit: int = 100) -> list[StoredUpdate]:
        """Updates stored but not yet handled (also those a crash interrupted), and failed ones
        whose next attempt is due – what `claim` would take, taking nothing."""
        async with self.uow() as tx:
            rows = await tx.inbox.pending(limit, self.clock.now())
        return [StoredUpdate(*row) for row in rows]

    async def claim(self, limit: int = 20) -> list[StoredUpdate]:
        """Take due updates for this process to handle; none while another process holds the
        inbox (SQLite). Each update is taken by one process only."""
        now = self.clock.now()
        async with self.uow() as tx:
            if self.single_consumer:
                held = await tx.leases.take(CONSUMER, self.holder, now, now + CONSUMER_LEASE)
                self._set_standby(not held)
                if not held:
                    await tx.commit()
                    return []
            await self._still_alive(tx, now)
            rows = await tx.inbox.claim(limit, now, CLAIM_FOR, self.holder)
            await tx.commit()
        return [StoredUpdate(*row) for row in rows]

    async def _still_alive(self, tx: UnitOfWork, now: datetime) -> None:
        """Renew this process's `alive:` lease (the first time, forget long-lapsed ones)."""
        if not self._alive_since:
            await tx.leases.forget_lapsed(ALIVE_PREFIX, now - timedelta(days=1))
            self._alive_since = now
        await tx.leases.take(self.alive_lease, self.holder, now, now + ALIVE_FOR)

    async def release(self, updates: Sequence[StoredUpdate]) -> None:
        """Give back claimed updates this process will not handle (it stops)."""
        async with self.uow() as tx:
            await tx.inbox.release(
                [u.update_id for u in updates], {u.update_id: u.attempts for u in updates}
            )
            await tx.commit()

    async def stop_consuming(self) -> None:
        """Give back the consumer lease, so another process takes over at once."""
        async with self.uow() as tx:
            if self.single_consumer:
                await tx.leases.give_back(CONSUMER, self.holder)
            await tx.leases.give_back(self.alive_lease, self.holder)
            await tx.commit()

    def _set_standby(self, standby: bool) -> None:
        if standby != self.standby:
            log.warning(
                STANDBY if standby else "inbox: this process handles the updates now",
                extra={"holder": self.holder},
            )
        self.standby = standby

    @asynccontextmanager
    async def handling(self, update_id: int) -> AsyncIterator[None]:
        """Handle an update in one transaction with its bookkeeping: it is marked done, every
        use case inside joins the transaction, one commit ends it; a failure recorded inside
        (`failed`) overrides the mark. Leaving with an exception
        commits nothing: the update stays claimed and is handled again."""
        if self.per_update is None:  # a unit of work per use case (fakes in unit tests)
            yield
            await self.done(update_id)
            return
        async with self.per_update() as tx:
            await self._mark_done(tx, update_id)
            yield
            await tx.commit()

    async def done(self, update_id: int) -> None:
        async with self.uow() as tx:
            await self._mark_done(tx, update_id)
            await tx.commit()

    async def _mark_done(self, tx: UnitOfWork, update_id: int) -> None:
        now = self.clock.now()
        await tx.inbox.mark(update_id, "done", now)
        await tx.leases.take(self.alive_lease, self.holder, now, now + ALIVE_FOR)

    def handler_failed(self, update_id: int, error: str) -> None:
        """The error handler saw a handler fail on this update (PTB does not re-raise)."""
        if len(self._noted) >= MAX_NOTED:
            self._noted.clear()
        self._noted[update_id] = error

    def take_failure(self, update_id: int) -> str | None:
        """The failure the error handler noted for this update, if any (forgotten after)."""
        return self._noted.pop(update_id, None)

    async def failed(self, update: StoredUpdate, error: str, retry: bool = True) -> bool:
        """Mark a failed attempt (the error is a class name: no personal data); schedule the
        next one, or give up. Return whether it was given up."""
        now = self.clock.now()
        attempts = update.attempts + 1
        again = next_attempt(attempts, now) if retry else None
        async with self.uow() as tx:
            await tx.inbox.fail(update.update_id, now, error, attempts, again)
            await tx.commit()
        return again is None

    async def tell_given_up(self, lost: GivenUp) -> int:
        """Tell the admins of the update's community (all, when it names none) what could not
        be handled; return how many were told."""
        now = self.clock.now()
        async with self.uow() as tx:
            told = 0
            for community_id in await _communities_of(tx, lost.chat_id):
                community = await tx.registry.community(community_id)
                prefix = f"inbox.given_up:{community_id}:"
                last = await tx.outbox.last_with_prefix(prefix)
                if community is None or (last is not None and now - last[1] < TELL_QUIET):
                    continue  # told a moment ago: /healthz counts the rest
                locale = community.locale
                text = i18n.t(
                    locale,
                    "ops.inbox.given_up",
                    what=i18n.t(locale, f"ops.failure.{lost.what}.name"),
                    attempts=lost.attempts,
                    at=local_time(community, now),
                    error=lost.error,
                    update_id=lost.update_id,
                    effect=i18n.t(locale, f"ops.failure.{lost.what}.effect"),
                    quiet=int(TELL_QUIET.total_seconds() // 60),
                )
                told += await tell_admins(
                    tx, community_id, text, now, prefix + str(lost.update_id), purpose="ops.alert"
                )
            await tx.commit()
        log.warning(
            "update %s given up after %d attempts (%s): %d admin(s) told",
            lost.update_id,
            lost.attempts,
            lost.error,
            told,
            extra={"update_id": lost.update_id},
        )
        return told

    async def given_up_since(self, since: datetime) -> int:
        async with self.uow() as tx:
            return await tx.inbox.given_up_since(since)


async def _communities_of(tx: UnitOfWork, chat_id: int | None) -> list[int]:
    """The community a chat (or, in private, a person) belongs to; every one when unknown."""
    if chat_id is not None:
        chat = await tx.chats.get(chat_id)
        if chat is not None and chat.community_id is not None:
            return [chat.community_id]
        people = await tx.people.by_telegram_id(chat_id)
        found = sorted({p.community_id for p in people})
        if found:
            return found
    return [c.id for c in await tx.registry.communities()]

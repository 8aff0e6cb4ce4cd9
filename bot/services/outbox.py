"""The one sender: delivers queued messages in order per chat, within Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bot import metrics
from bot.domain.clock import Clock
from bot.domain.records import OutboxItem
from bot.fault_hooks import crash_point
from bot.services.chats import mark_chat_dead
from bot.services.loops import LoopState
from bot.services.ports import (
    ChatMigrated,
    ChatUnavailable,
    Gateway,
    OutcomeUnknown,
    PermanentFailure,
    RetryLater,
    TransientFailure,
    UnitOfWorkFactory,
)
from bot.services.send_limits import SendLimits

log = logging.getLogger(__name__)

# Payload keys that point at other outbox rows; resolved to Telegram message ids at send time.
REFERENCE_KEYS = {"reply_to_outbox_id": "reply_to_message_id", "target_outbox_id": "message_id"}
#: follows a group to the supergroup it became (old id, new id) → whether it could
FollowUpgrade = Callable[[int, int], Awaitable[bool]]
#: methods that post a new message: repeating one whose outcome is unknown may show it twice
NEW_MESSAGE_METHODS = frozenset({"send_message", "send_photo"})
#: safety messages go at least once: when a send's outcome is unknown, it is sent again
#: (emergency advice, staff pages, notices); everything else at most once (README Reliability)
AT_LEAST_ONCE = frozenset({"ticket.safety", "duty.page", "notice", "outage.reminder"})


def repeatable(item: OutboxItem) -> bool:
    """Whether an item whose outcome is unknown may be sent again: an edit, pin or delete does
    the same thing twice; a new message only when it must arrive even at the risk of a copy."""
    return item.method not in NEW_MESSAGE_METHODS or item.purpose in AT_LEAST_ONCE


class _Outcome(Enum):
    DONE = "done"  # sent, or failed for good: go on with the chat's next message
    WAIT = "wait"  # must be retried later: the chat's next messages wait too (order)
    CHAT_GONE = "chat_gone"  # 403: nothing more goes to this chat
    MOVED = "moved"  # the group became a supergroup: this and the rest were re-aimed there


class _Wait(Exception):
    """A referenced message is not sent yet: try this item again shortly."""


class OutboxSender:
    """Claims due outbox rows and delivers them; safe to run in several processes."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: Gateway,
        clock: Clock,
        *,
        batch: int = 50,
        concurrency: int = 8,
        lease: timedelta = timedelta(seconds=120),
        max_attempts: int = 8,
        state: LoopState | None = None,
        on_private_refused: Callable[[OutboxItem, str], Awaitable[None]] | None = None,
        follow_upgrade: FollowUpgrade | None = None,
        limits: SendLimits | None = None,
        max_wait: float = 1.0,
    ) -> None:
        self.uow = uow
        self.limits = limits or SendLimits()
        self.max_wait = max_wait  # a longer wait puts the chat's messages back
        self.on_private_refused = on_private_refused
        self.state = state or LoopState("outbox sender")
        self.gateway = gateway
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts
        self.follow_upgrade = follow_upgrade
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        self._held: set[int] = set()  # claimed by this process and not finished yet
        self._stopping = False

    def wake(self) -> None:
        """Ask the sender to look for work now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver what is due now; return how many items were handled. One round at a time
        in a process (a caller that asks meanwhile waits for it): two rounds of one sender
        would both meet a group's upgrade, and follow it twice."""
        async with self._round:
            async with self.uow() as tx:
                items = await tx.outbox.claim_due(self.clock.now(), self.batch, self.lease)
                await tx.commit()
            self._held.update(item.id for item in items)
            if not items:
                return 0
            by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
            for item in items:
                by_chat[item.chat_id].append(item)
            await asyncio.gather(*(self._send_chat(group) for group in by_chat.values()))
            return len(items)

    async def run_until_idle(self, max_rounds: int = 100) -> int:
        """Deliver until nothing is due (tests and the CLI use this)."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            total += handled
            if handled == 0:
                break
        return total

    def stopping(self) -> None:
        """Start no new send: what is in flight finishes, the rest is released by `release`."""
        self._stopping = True

    async def release(self) -> int:
        """Give back every row this process claimed and did not finish, so another process (or
        this one after a restart) sends them at once instead of when the lease runs out."""
        held = sorted(self._held)
        if not held:
            return 0
        async with self.uow() as tx:
            released = await tx.outbox.release(held)
            await tx.commit()
        self._held.clear()
        return released

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Deliver continuously until `stop` is set."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception as exc:  # the database: back off, say so once
                delay = self.state.failed(type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            self.state.ok()
            if handled:
                continue
            self._wake.clear()
            waiters = [
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            _, pending = await asyncio.wait(
                waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()

    async def _send_chat(self, items: list[OutboxItem]) -> None:
        """Send one chat's items in order; stop at the first that must wait."""
        async with self._slots:
            for index, item in enumerate(items):
                if self._stopping:
                    return  # still held: released at the stop
                wait = await self._pace(item.chat_id)
                if wait is not None:  # a long wait: back to the queue, the others go on
                    await self._put_back(items[index:], wait)
                    return
                outcome = await self._send(item)
                self._held.discard(item.id)
                if outcome is _Outcome.DONE:
                    continue
                if outcome is _Outcome.MOVED:
                    return  # the chat's later items were re-aimed with it: they are due anew
                for later in items[index + 1 :]:
                    self._held.discard(later.id)
                    if outcome is _Outcome.CHAT_GONE and later.chat_id > 0:
                        await self._unavailable(later, "chat unavailable", self.clock.now())
                    elif outcome is _Outcome.CHAT_GONE:
                        await self._fail(later, "chat unavailable")
                    else:
                        await self._reschedule(later, 0.5, "waiting for an earlier message", False)
                return

    async def _pace(self, chat_id: int) -> float | None:
        """Wait a moment for the limits to allow a send, or say how long a chat must wait."""
        while (wait := self.limits.wait_for(chat_id)) > 0:
            if wait > self.max_wait:
                return wait
            await asyncio.sleep(wait)
        self.limits.take(chat_id)  # no await since wait_for: nobody took the slot meanwhile
        return None

    async def _put_back(self, items: list[OutboxItem], seconds: float) -> None:
        """A chat at its limit: its messages are due again when it is free, in their order."""
        async with self.uow() as tx:
            at = self.clock.now() + timedelta(seconds=seconds)
            for item in items:
                await tx.outbox.retry_later(item.id, at, "paced: the chat is at its limit", False)
            await tx.commit()
        self._held.difference_update(item.id for item in items)
        metrics.PACED.inc(len(items))

    async def _send(self, item: OutboxItem) -> _Outcome:
        """Deliver one item and record the outcome for it."""
        now = self.clock.now()
        if item.in_doubt and not repeatable(item):
            await self._unknown(item, "reclaimed after a send whose outcome nobody recorded")
            return _Outcome.DONE
        try:
            resolved = await self._resolve(item)
            if resolved is None:
                log.info("outbox item %s: its message has nothing left to change", item.id)
                message_id = None
            else:
                message_id = await self._deliver(item, *resolved)
        except _Wait as exc:
            await self._reschedule(item, 1.0, str(exc), False)
            return _Outcome.WAIT
        except RetryLater as exc:
            metrics.RATE_LIMITED.inc()
            self.limits.refused(item.chat_id)  # a 429 is no message: it does not use the window
            log.debug(
                "chat %s: Telegram asks to wait %.1fs", item.chat_id, exc.seconds, extra=_ids(item)
            )
            await self._reschedule(item, exc.seconds, str(exc), False)
            return _Outcome.WAIT
        except OutcomeUnknown as exc:
            if not repeatable(item):
                await self._unknown(item, f"no answer from Telegram: {exc}")
                return _Outcome.DONE
            return await self._transient(item, exc)
        except TransientFailure as exc:
            return await self._transient(item, exc)
        except ChatMigrated as exc:
            return await self._follow(item, exc.new_chat_id)
        except ChatUnavailable as exc:
            await self._unavailable(item, str(exc), now)
            return _Outcome.CHAT_GONE
        except PermanentFailure as exc:
            await self._fail(item, str(exc))
            return _Outcome.DONE
        except Exception as exc:  # a bug, or an outcome nobody knows: bounded, then failed
            log.error(
                "outbox item %s (%s): %s",
                item.id,
                item.purpose,
                type(exc).__name__,
                extra=_ids(item),
            )
            if item.attempts + 1 >= self.max_attempts:
                await self._fail(item, f"gave up: {type(exc).__name__}")
                return _Outcome.DONE
            backoff = min(2.0 ** (item.attempts + 1), 300.0)
            await self._reschedule(item, backoff, type(exc).__name__, True)
            return _Outcome.WAIT
        async with self.uow() as tx:
            await tx.outbox.mark_sent(item.id, message_id, self.clock.now())
            await tx.commit()
        metrics.MESSAGES.labels("sent").inc()
        if item.purpose == "notice":
            crash_point("mid_broadcast")
        return _Outcome.DONE

    async def _deliver(self, item: OutboxItem, method: str, payload: dict[str, Any]) -> int | None:
        """Record that the request is going out, then send it (the outcome is in doubt until
        it is recorded: a crash in between must not make a copy of a non-safety message)."""
        async with self.uow() as tx:
            await tx.outbox.mark_attempting(item.id, self.clock.now())
            await tx.commit()
        started = time.perf_counter()
        message_id = await self.gateway.deliver(item.chat_id, method, payload)
        metrics.SEND_SECONDS.observe(time.perf_counter() - started)
        crash_point("after_send_before_mark_sent")
        return message_id

    async def _transient(self, item: OutboxItem, exc: Exception) -> _Outcome:
        if item.attempts + 1 >= self.max_attempts:
            await self._fail(item, f"gave up: {exc}")
            return _Outcome.DONE
        await self._reschedule(item, min(2.0 ** (item.attempts + 1), 300.0), str(exc), True)
        return _Outcome.WAIT

    async def _unknown(self, item: OutboxItem, why: str) -> None:
        """At most once: an item Telegram may have is not sent again; edits of it become new
        messages (Telegram tells no one the id of a message whose answer was lost)."""
        log.warning(
            "outbox item %s (%s) may or may not have arrived: not sent again (%s)",
            item.id,
            item.purpose,
            why,
            extra=_ids(item),
        )
        async with self.uow() as tx:
            await tx.outbox.mark_unknown(item.id, why, self.clock.now())
            await tx.commit()
        metrics.MESSAGES.labels("unknown").inc()

    async def _unavailable(self, item: OutboxItem, reason: str, now: datetime) -> None:
        """403: a group is marked dead; a person's refusal goes to whoever hands work on."""
        if item.chat_id > 0 and self.on_private_refused is not None:
            # first, so a crash before mark_failed repeats it (it is safe to repeat)
            await self.on_private_refused(item, reason)
        else:
            log.warning(
                "chat %s unavailable (%s); marking it dead", item.chat_id, reason, extra=_ids(item)
            )
        async with self.uow() as tx:
            await tx.outbox.mark_failed(item.id, f"chat unavailable: {reason}", now)
            if item.chat_id < 0:
                await mark_chat_dead(tx, item.chat_id, "", now, reason=reason)
            await tx.commit()

    async def _follow(self, item: OutboxItem, new_chat_id: int) -> _Outcome:
        """The group became a supergroup: follow it there, with everything queued for it."""
        log.info("chat %s became supergroup %s", item.chat_id, new_chat_id)
        if self.follow_upgrade is not None and await self.follow_upgrade(
            item.chat_id, new_chat_id
        ):
            return _Outcome.MOVED
        if item.attempts + 1 >= self.max_attempts:
            await self._fail(item, f"gave up: chat upgraded to {new_chat_id}")
            return _Outcome.DONE
        backoff = min(2.0 ** (item.attempts + 1), 300.0)
        await self._reschedule(item, backoff, "chat upgraded to a supergroup", True)
        return _Outcome.WAIT

    async def _resolve(self, item: OutboxItem) -> tuple[str, dict[str, Any]] | None:
        """Replace references to other outbox rows with their Telegram message ids.

        A referenced message that lives in another chat stayed behind in a group that became a
        supergroup: a reply goes without it, an edit of its text shows the text as a new
        message, and any other change of it has nothing to do (None)."""
        method, out = item.method, dict(item.payload)
        for ref_key, api_key in REFERENCE_KEYS.items():
            ref = out.pop(ref_key, None)
            if ref is None:
                continue
            async with self.uow() as tx:
                message_id = await tx.outbox.sent_message_id(int(ref))
                status = await tx.outbox.status(int(ref))
                chat_id = await tx.outbox.chat_of(int(ref))
            if chat_id not in (None, item.chat_id):
                if api_key == "message_id" and method != "edit_text":
                    return None
                method = "send_message" if api_key == "message_id" else method
                continue
            if message_id is None and status == "unknown":
                # it probably arrived, but under an id nobody knows: a new text is shown as a
                # new message, a reply goes without its target, any other change is moot
                if api_key == "message_id" and method != "edit_text":
                    return None
                method = "send_message" if api_key == "message_id" else method
                continue
            if message_id is None:
                if status == "failed" or status is None:
                    if api_key == "message_id":
                        raise PermanentFailure(f"referenced message {ref} was never sent")
                    continue  # reply to a message that failed: send without the reply
                raise _Wait(f"waiting for outbox item {ref}")
            out[api_key] = message_id
        return method, out

    async def _reschedule(
        self, item: OutboxItem, seconds: float, error: str, count_attempt: bool
    ) -> None:
        async with self.uow() as tx:
            at = self.clock.now() + timedelta(seconds=seconds)
            await tx.outbox.retry_later(item.id, at, error, count_attempt)
            await tx.commit()
        if count_attempt:
            metrics.MESSAGES.labels("retried").inc()

    async def _fail(self, item: OutboxItem, error: str) -> None:
        log.error("outbox item %s (%s) failed: %s", item.id, item.purpose, error, extra=_ids(item))
        async with self.uow() as tx:
            await tx.outbox.mark_failed(item.id, error, self.clock.now())
            await tx.commit()
        metrics.MESSAGES.labels("failed").inc()


def _ids(item: OutboxItem) -> dict[str, object]:
    """The ids a log line about an outbox item carries as JSON fields."""
    return {"outbox_id": item.id, "chat_id": item.chat_id, "purpose": item.purpose}

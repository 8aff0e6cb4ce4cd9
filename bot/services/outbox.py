"""The one sender: delivers queued messages in order per chat, within Telegram's limits.

It claims due rows in one query, sends each chat's rows in order (a chat whose row must wait
holds back only its own later rows), spreads the sends evenly within the overall limit (a
`SendPace`), and writes what happened in batches (`OutboxBooks`: one commit for many sends).
While it runs, it claims more rows as soon as half of what it holds is done – it never waits
for a whole batch to finish.
"""

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
from bot.services.outbox_books import LEAD, Op, OutboxBooks
from bot.services.ports import (
    ChatMigrated,
    ChatUnavailable,
    Gateway,
    OutboxRepo,
    OutcomeUnknown,
    PermanentFailure,
    RetryLater,
    TransientFailure,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services.renders import Renderers
from bot.services.send_limits import Pacer, SendLimits, SendPace

log = logging.getLogger(__name__)

# Payload keys that point at other outbox rows; resolved to Telegram message ids at send time.
REFERENCE_KEYS = {"reply_to_outbox_id": "reply_to_message_id", "target_outbox_id": "message_id"}
#: follows a group to the supergroup it became (old id, new id) → whether it could
FollowUpgrade = Callable[[int, int], Awaitable[bool]]
#: methods that post a new message: repeating one whose outcome is unknown may show it twice
NEW_MESSAGE_METHODS = frozenset({"send_message", "send_photo", "send_document"})
#: safety messages go at least once: when a send's outcome is unknown, it is sent again
#: (emergency advice, staff pages, notices); everything else at most once (README Reliability)
AT_LEAST_ONCE = frozenset({"ticket.safety", "duty.page", "notice", "outage.reminder"})
#: how often a send late for its paced slot takes a new one before it goes anyway
RESLOTS = 3


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
        pace: SendPace | None = None,
        renderers: Renderers | None = None,
    ) -> None:
        self.uow = uow
        # a row whose payload names a render spec gets its file made just before it is sent
        self.renderers = renderers or Renderers()
        self.limits = limits or SendLimits()
        self.pace = pace or Pacer(self.limits.limits)
        self.books = OutboxBooks(uow)
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
        # per chat being sent to: its queue (rows claimed later join it) and its task – one
        # task a chat, so a chat's rows go in order and a group's upgrade is followed once
        self._chats: dict[int, tuple[list[OutboxItem], asyncio.Task[None]]] = {}
        self._error: Exception | None = None  # the last error a chat's sends ended with
        self._stopping = False

    def wake(self) -> None:
        """Ask the sender to look for work now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver what is due now; return how many items were handled. One round at a time
        in a process (a caller that asks meanwhile waits for it): two rounds of one sender
        would both meet a group's upgrade, and follow it twice."""
        async with self._round:
            items = await self._claim(self.batch)
            self._error = None
            await asyncio.gather(*self._dispatch(items))
            await self.books.flush()
            if self._error is not None:
                raise self._error
            return len(items)

    def _dispatch(self, items: list[OutboxItem]) -> set[asyncio.Task[None]]:
        """Start sending to each chat (or add to the queue of a chat being sent to); return the
        tasks that send them."""
        tasks: set[asyncio.Task[None]] = set()
        for group in _by_chat(items):
            chat_id = group[0].chat_id
            if chat_id in self._chats:
                queue, task = self._chats[chat_id]
                queue.extend(group)
            else:
                task = asyncio.create_task(self._send_chat_guarded(chat_id, group))
                self._chats[chat_id] = (group, task)
            tasks.add(task)
        return tasks

    async def _claim(self, limit: int) -> list[OutboxItem]:
        """Claim up to `limit` due rows, in the commit that writes what waits to be written."""

        async def claim(tx: UnitOfWork) -> list[OutboxItem]:
            return await tx.outbox.claim_due(self.clock.now(), limit, self.lease)

        claimed = await self.books.transaction(claim)
        # a row this process holds, or sent and has not marked yet, claimed again (its lease ran
        # out while it was being sent: a clock moved on) is in hand already, not to send twice
        items = [i for i in claimed if i.id not in self._held and i.id not in self.books.sent]
        self._held.update(item.id for item in items)
        return items

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
        await self.books.close()  # what was sent is marked first: it is not given back
        held = sorted(self._held)
        if not held:
            return 0
        async with self.uow() as tx:
            released = await tx.outbox.release(held)
            await tx.commit()
        self._held.clear()
        return released

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Deliver continuously until `stop` is set: claim more as soon as half of what this
        process holds is done, so a slow chat never holds up the next claim."""
        running: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                room = self.batch - len(self._held)
                if room >= max(1, self.batch // 2):
                    try:
                        async with self._round:
                            items = await self._claim(room)
                    except Exception as exc:  # the database: back off, say so once
                        delay = self.state.failed(type(exc).__name__)
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), delay)
                        continue
                    self.state.ok()
                    for task in self._dispatch(items):
                        running.add(task)
                        task.add_done_callback(running.discard)
                    if len(items) == room:
                        continue  # there may be more due: claim again when there is room
                await self._idle(stop, running, poll_seconds)
        finally:
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _idle(
        self, stop: asyncio.Event, running: set[asyncio.Task[None]], poll_seconds: float
    ) -> None:
        """Wait for a wake-up, the stop, a chat's sends to end, or the next poll."""
        self._wake.clear()
        waiters = [
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(stop.wait()),
            *running,
        ]
        _, pending = await asyncio.wait(
            waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for task in waiters[:2]:
            if task in pending:
                task.cancel()

    async def _send_chat_guarded(self, chat_id: int, items: list[OutboxItem]) -> None:
        """Send one chat's items (the list grows while rows claimed later join it). An error
        (the database away) is counted; its rows wait out their lease and are claimed again."""
        try:
            await self._send_chat(items)
        except Exception as exc:
            self._error = exc
            self.state.failed(type(exc).__name__)
        finally:
            del self._chats[chat_id]
            if not self._stopping:  # at a stop what is still held is given back by `release`
                self._held.difference_update(item.id for item in items)

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
                rest = index + 1
                while rest < len(items):  # rows claimed meanwhile join the list: them too
                    later, rest = items[rest], rest + 1
                    self._held.discard(later.id)
                    if outcome is _Outcome.CHAT_GONE and later.chat_id > 0:
                        await self._unavailable(later, "chat unavailable", self.clock.now())
                    elif outcome is _Outcome.CHAT_GONE:
                        await self._fail(later, "chat unavailable")
                    else:
                        await self._reschedule(later, 0.5, "waiting for an earlier message", False)
                return

    async def _pace(self, chat_id: int) -> float | None:
        """Wait a moment for the chat's limit to allow a send, or say how long it must wait.
        (Its place in the windows is taken when it leaves: `_deliver`.)"""
        while (wait := self.limits.wait_for(chat_id)) > 0:
            if wait > self.max_wait:
                return wait
            await asyncio.sleep(wait)
        return None

    async def _put_back(self, items: list[OutboxItem], seconds: float) -> None:
        """A chat at its limit: its messages are due again when it is free, in their order."""
        at = self.clock.now() + timedelta(seconds=seconds)
        ids = [item.id for item in items]

        async def put_back(tx: UnitOfWork) -> None:
            for item_id in ids:
                await tx.outbox.retry_later(item_id, at, "paced: the chat is at its limit", False)

        self.books.later(put_back)
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
                method, payload = resolved
                payload = await self.renderers.materialise(method, payload)
                message_id = await self._deliver(item, method, payload)
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
        self.books.sent[item.id] = message_id
        now = self.clock.now()
        self.books.later(
            _outbox(lambda o: o.mark_sent(item.id, message_id, now)),
            done=lambda: self._marked_sent(item),
        )
        return _Outcome.DONE

    def _marked_sent(self, item: OutboxItem) -> None:
        """Its row says sent now: count it (and the fault suite may kill the process here)."""
        self.books.sent.pop(item.id, None)
        metrics.MESSAGES.labels("sent").inc()
        if item.purpose == "notice":
            crash_point("mid_broadcast")

    async def _deliver(self, item: OutboxItem, method: str, payload: dict[str, Any]) -> int | None:
        """Record that the request is going out, then send it (the outcome is in doubt until
        it is recorded: a crash in between must not make a copy of a non-safety message).

        The send gets the next evenly paced slot; its mark is committed by then, together with
        the marks of the sends due around it and the outcomes of those that went before."""
        delay = await self.pace.slot()
        start, now = time.monotonic() + delay, self.clock.now()
        await self.books.durable(
            _outbox(lambda o: o.mark_attempting(item.id, now)), by=start - LEAD
        )
        for attempt in range(RESLOTS + 1):
            if (rest := start - time.monotonic()) > 0:
                await asyncio.sleep(rest)
            if attempt == RESLOTS or time.monotonic() - start <= self.pace.interval / 2:
                break
            # late for its slot (a slow commit, a stalled process): that slot is gone – take
            # the next free one rather than leave in a bunch with the sends behind it
            start = time.monotonic() + await self.pace.slot()
        # the windows count what leaves, when it leaves: a send late for its slot never makes
        # more than the limit leave in any second
        while (wait := self.limits.wait_for(item.chat_id)) > 0:
            if wait > self.max_wait:  # it did not go: tried again shortly, in its order
                raise _Wait("paced: the limit is reached")
            await asyncio.sleep(wait)
        self.limits.take(item.chat_id)  # no await since wait_for: nobody took the slot meanwhile
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
        now = self.clock.now()
        self.books.later(
            _outbox(lambda o: o.mark_unknown(item.id, why, now)),
            done=metrics.MESSAGES.labels("unknown").inc,
        )

    async def _unavailable(self, item: OutboxItem, reason: str, now: datetime) -> None:
        """403: a group is marked dead; a person's refusal goes to whoever hands work on."""
        await self.books.flush()  # the chat's earlier sends are marked before it is marked dead
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
        await self.books.flush()  # what went to the old group is marked sent: it is not moved
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
            if (known := self.books.sent.get(int(ref))) is not None:
                out[api_key] = known  # sent by this process, its mark not written yet
                continue
            if self.books.waiting:
                await self.books.flush()  # what the row says must be what happened
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
        at = self.clock.now() + timedelta(seconds=seconds)
        self.books.later(_outbox(lambda o: o.retry_later(item.id, at, error, count_attempt)))
        if count_attempt:
            metrics.MESSAGES.labels("retried").inc()

    async def _fail(self, item: OutboxItem, error: str) -> None:
        log.error("outbox item %s (%s) failed: %s", item.id, item.purpose, error, extra=_ids(item))
        now = self.clock.now()
        self.books.later(
            _outbox(lambda o: o.mark_failed(item.id, error, now)),
            done=metrics.MESSAGES.labels("failed").inc,
        )


def _by_chat(items: list[OutboxItem]) -> list[list[OutboxItem]]:
    """The items of each chat, in their order."""
    by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
    for item in items:
        by_chat[item.chat_id].append(item)
    return list(by_chat.values())


def _outbox(call: Callable[[OutboxRepo], Awaitable[None]]) -> Op:
    """A write of the sender's bookkeeping: one outbox repository call, run in a batch."""

    async def write(tx: UnitOfWork) -> None:
        await call(tx.outbox)

    return write


def _ids(item: OutboxItem) -> dict[str, object]:
    """The ids a log line about an outbox item carries as JSON fields."""
    return {"outbox_id": item.id, "chat_id": item.chat_id, "purpose": item.purpose}

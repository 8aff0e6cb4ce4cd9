"""The bot's update queue: long polling with offsets, webhook push, and injected faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

# Telegram leaves these out unless a bot asks for them by name.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class PollConflict(Exception):
    """getUpdates cannot run now (webhook active or a newer getUpdates call)."""


@dataclass
class Faults:
    """Probabilities (0..1) of dropping/duplicating updates and failing calls; delay in seconds."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    error_5xx: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def roll(self, probability: float) -> bool:
        """Return True with the given probability."""
        return probability > 0 and self.rng.random() < probability


@dataclass
class _Pending:
    update_id: int
    kind: str
    payload: dict[str, Any]
    visible_at: float
    redeliver: bool = False

    def as_update(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.payload}


class UpdateQueue:
    """Holds updates until the bot confirms them, as Telegram's servers do."""

    def __init__(self, faults: Faults, stats: Counter[str]) -> None:
        self.faults = faults
        self.stats = stats
        self.allowed: frozenset[str] | None = None
        self._pending: list[_Pending] = []
        self._next_id = 100_000
        self._event = asyncio.Event()
        self._generation = 0
        self.waiting = 0  # getUpdates calls currently long-polling
        self._closed = False
        self.webhook_url = ""
        self._secret: str | None = None
        self._max_connections = 40
        self._last_error_date: int | None = None
        self._last_error_message: str | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def unconfirmed(self) -> int:
        """How many updates the bot has not confirmed yet (with a later getUpdates offset)."""
        return len(self._pending)

    # -- producing -----------------------------------------------------------------------

    def continue_after(self, update_id: int) -> None:
        """Number the next updates after `update_id`, as Telegram continues its sequence for a
        bot (a sandbox restarted on a bot's old database must not repeat its update ids)."""
        self._next_id = max(self._next_id, update_id)

    def wants(self, kind: str) -> bool:
        """Return whether the bot's allowed_updates setting lets this kind through."""
        if self.allowed is None or not self.allowed:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for the bot; return its id, or None if filtered out or dropped."""
        if not self.wants(kind):
            return None
        self._next_id += 1
        update_id = self._next_id
        if self.faults.roll(self.faults.drop):
            self.stats["updates_dropped"] += 1
            return None
        pending = _Pending(
            update_id,
            kind,
            payload,
            time.monotonic() + self.faults.delay,
            redeliver=self.faults.roll(self.faults.duplicate),
        )
        self._pending.append(pending)
        self.stats["updates"] += 1
        self._notify()
        return update_id

    def _notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def _visible(self, limit: int) -> list[_Pending]:
        now = time.monotonic()
        ready: list[_Pending] = []
        for pending in self._pending:
            if pending.visible_at > now or len(ready) >= limit:
                break  # keep order: never overtake a delayed update
            ready.append(pending)
        return ready

    def _next_visible_in(self) -> float | None:
        if not self._pending:
            return None
        return max(0.0, self._pending[0].visible_at - time.monotonic())

    # -- long polling ------------------------------------------------------------------
    def _confirm_below(self, offset: int) -> None:
        kept: list[_Pending] = []
        for pending in self._pending:
            if pending.update_id >= offset:
                kept.append(pending)
            elif pending.redeliver:
                pending.redeliver = False  # the confirmation "got lost": deliver once more
                self.stats["updates_duplicated"] += 1
                kept.append(pending)
        self._pending = kept

    async def get_updates(
        self,
        offset: int | None,
        limit: int,
        timeout: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """Answer getUpdates: confirm below offset, then wait up to timeout for updates."""
        if self.webhook_url:
            raise PollConflict(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        self._generation += 1
        generation = self._generation
        self._notify()  # wakes an older long poll, which then answers 409
        if allowed_updates is not None:
            self.allowed = frozenset(allowed_updates)
        if offset is not None and offset < 0:
            self._pending = self._pending[offset:]
        elif offset:
            self._confirm_below(offset)
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            ready = self._visible(limit)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closed:
                return [p.as_update() for p in ready]
            wait_for = remaining
            next_in = self._next_visible_in()
            if next_in is not None:
                wait_for = min(wait_for, next_in + 0.001)
            event = self._event
            self.waiting += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait_for)
            finally:
                self.waiting -= 1
            if generation != self._generation:
                raise PollConflict(
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running"
                )

    # -- webhook -------------------------------------------------------------------------
    def set_webhook(
        self,
        url: str,
        secret: str | None,
        allowed_updates: list[str] | None,
        drop_pending: bool,
        max_connections: int,
    ) -> None:
        """Switch to push mode (an empty url switches back to getUpdates)."""
        if allowed_updates is not None:
            self.allowed = frozenset(allowed_updates)
        if drop_pending:
            self._pending.clear()
        self.webhook_url = url
        self._secret = secret
        self._max_connections = max_connections
        self._last_error_date = None
        self._last_error_message = None
        self._notify()
        if url and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.create_task(self._push_loop())

    def delete_webhook(self, drop_pending: bool) -> None:
        """Return to getUpdates mode."""
        self.set_webhook("", None, None, drop_pending, self._max_connections)

    def webhook_info(self) -> dict[str, Any]:
        """Return a WebhookInfo object."""
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = self._max_connections
            info["ip_address"] = "127.0.0.1"
        if self.allowed is not None:
            info["allowed_updates"] = sorted(self.allowed)
        if self._last_error_date is not None:
            info["last_error_date"] = self._last_error_date
            info["last_error_message"] = self._last_error_message
        return info

    async def _push_loop(self) -> None:
        failures = 0
        while self.webhook_url and not self._closed:
            ready = self._visible(1)
            if not ready:
                event = self._event
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), self._next_visible_in() or 1.0)
                continue
            pending = ready[0]
            if await self._post(pending):
                failures = 0
                if pending.redeliver:
                    pending.redeliver = False
                    self.stats["updates_duplicated"] += 1
                elif pending in self._pending:
                    self._pending.remove(pending)
            else:
                failures += 1
                await asyncio.sleep(min(2.0, 0.05 * 2**failures))

    async def _post(self, pending: _Pending) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._secret
        try:
            async with self._session.post(
                self.webhook_url,
                json=pending.as_update(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                if 200 <= response.status < 300:
                    return True
                message = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            message = f"Connection failed: {exc}"
        self._last_error_date = int(time.time())
        self._last_error_message = message
        log.info("webhook delivery failed: %s", message)
        return False

    async def close(self) -> None:
        """Wake every waiter and stop pushing."""
        self._closed = True
        self._notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        if self._session is not None:
            await self._session.close()

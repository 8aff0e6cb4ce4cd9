"""Getting updates in safely: store each one in the inbox first, then hand it to PTB.

PTB's stock Updater confirms updates as soon as they sit in memory, so a hard kill would
lose them. Here an update is confirmed to Telegram (next getUpdates offset, or the webhook's
2xx answer) only after the inbox row is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.services.inbox import Inbox

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "poll_answer",
]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Dispatcher:
    """Hands stored, unhandled updates to the PTB Application, in update_id order."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], inbox: Inbox
    ) -> None:
        self.application = application
        self.inbox = inbox
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Handle every pending update; return how many were handled."""
        handled = 0
        async with self._lock:
            while batch := await self.inbox.pending(100):
                for update_id, payload in batch:
                    await self._handle(update_id, payload)
                    handled += 1
        return handled

    async def _handle(self, update_id: int, payload: dict[str, Any]) -> None:
        try:
            update = Update.de_json(payload, self.application.bot)
            await self.application.process_update(update)
        except Exception as exc:  # one bad update must not block the others
            log.exception("update %s could not be handled", update_id)
            await self.inbox.done(update_id, error=type(exc).__name__)
            return
        await self.inbox.done(update_id)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 2.0) -> None:
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("dispatch round failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)


class Poller:
    """Our own getUpdates loop: fetch → store → advance the offset → wake the dispatcher."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        inbox: Inbox,
        dispatcher: Dispatcher,
        timeout: int = 30,
    ) -> None:
        self.application = application
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.offset: int | None = None

    async def poll_once(self) -> int:
        """One getUpdates round; returns how many updates arrived."""
        bot = self.application.bot
        updates = await bot.get_updates(
            offset=self.offset,
            timeout=self.timeout,
            allowed_updates=ALLOWED_UPDATES,
            read_timeout=self.timeout + 10,
        )
        if not updates:
            return 0
        await self.inbox.record([(u.update_id, u.to_dict()) for u in updates])
        self.offset = updates[-1].update_id + 1  # confirms them at the next call
        self.dispatcher.wake()
        return len(updates)

    async def run_forever(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(Exception):
            await self.application.bot.delete_webhook()
        backoff = 1.0
        while not stop.is_set():
            try:
                await self.poll_once()
                backoff = 1.0
            except (InvalidToken, Conflict) as exc:
                log.error("polling stopped: %s", exc)
                raise
            except RetryAfter as exc:
                delay = exc.retry_after
                await _sleep(stop, delay if isinstance(delay, int | float) else 5.0)
            except (TimedOut, NetworkError) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0fs", exc, backoff)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, 60.0)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class WebhookServer:
    """Receives pushed updates; answers 200 only after the inbox commit."""

    def __init__(
        self, inbox: Inbox, dispatcher: Dispatcher, secret: str, path: str = "/telegram"
    ) -> None:
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.secret = secret
        self.path = path
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post(self.path, self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != self.secret:
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="bad update")
        await self.inbox.record([(update_id, payload)])
        self.dispatcher.wake()
        return web.Response(status=200, text="ok")

    async def start(self, host: str, port: int) -> int:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

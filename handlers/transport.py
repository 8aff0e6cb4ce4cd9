"""Getting updates in safely: store each one in the inbox first, then hand it to PTB.

PTB's stock Updater confirms updates as soon as they sit in memory, so a hard kill would
lose them. Here an update is confirmed to Telegram (next getUpdates offset, or the webhook's
2xx answer) only after the inbox row is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import Conflict, EndPointNotFound, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import metrics
from bot.fault_hooks import crash_point, handling_update
from bot.services.alerts.desk import AlertDesk
from bot.services.inbox import GivenUp, Inbox, StoredUpdate
from bot.services.loops import Fatal, LoopState
from handlers.incoming import area_of

log = logging.getLogger(__name__)
# We poll with do_api_request on purpose: raw JSON, so an update PTB cannot parse is stored and
# skipped instead of failing the whole getUpdates call (and every later one) in Bot.get_updates.
warnings.filterwarnings(
    "ignore", message=r".*Bot\.getUpdates.*", category=PTBUserWarning, module=__name__
)
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "poll_answer",
]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MIN_POLL_SECONDS = 1.0  # the least time between two getUpdates calls that found nothing


class Dispatcher:
    """Hands stored, unhandled updates to the PTB Application, in update_id order."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        inbox: Inbox,
        state: LoopState,
        alerts: AlertDesk | None = None,
        after_update: Callable[[], None] | None = None,
    ) -> None:
        self.application = application
        self.inbox = inbox
        self.state = state
        self.alerts = alerts
        self.after_update = after_update  # wakes the sender once the update's rows are committed
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Handle every pending update (and failed ones due again); return how many."""
        handled = 0
        async with self._lock:
            while batch := await self.inbox.claim():
                done = 0
                try:
                    for stored in batch:
                        await self._handle(stored)
                        done += 1
                finally:
                    if done < len(batch):  # stopped or failed mid-batch: the rest go back
                        with contextlib.suppress(Exception):
                            await self.inbox.release(batch[done:])
                handled += done
        return handled

    async def _handle(self, stored: StoredUpdate) -> None:
        """Handle one update and its bookkeeping in one transaction (Inbox.handling)."""
        async with self.inbox.handling(stored.update_id):
            await self._handle_in(stored)
        crash_point("after_commit")  # test mode: its work and its done mark are committed
        if self.after_update is not None:
            self.after_update()

    async def _handle_in(self, stored: StoredUpdate) -> None:
        update_id = stored.update_id
        try:
            update = Update.de_json(stored.payload, self.application.bot)
        except Exception as exc:  # it will not read better next time: given up at once
            log.exception("update %s could not be read", update_id, extra={"update_id": update_id})
            await self._failed(stored, "update.other", None, type(exc).__name__, retry=False)
            return
        try:
            with handling_update():
                await self.application.process_update(update)  # awaits the error handler too
        except Exception as exc:  # one bad update must not block the others
            log.exception(
                "update %s could not be handled", update_id, extra={"update_id": update_id}
            )
            self.inbox.take_failure(update_id)
            if self.alerts is not None:
                await self.alerts.update_failed(update_id, area_of(update), type(exc).__name__)
            error: str | None = type(exc).__name__
        else:
            error = self.inbox.take_failure(update_id)  # the error handler saw a handler fail
        if error is not None:
            chat = update.effective_chat
            await self._failed(stored, area_of(update), chat.id if chat else None, error)
            return
        metrics.UPDATES.labels("handled").inc()
        if self.alerts is not None:
            await self.alerts.update_handled(update_id, area_of(update))

    async def _failed(
        self, stored: StoredUpdate, what: str, chat_id: int | None, error: str, retry: bool = True
    ) -> None:
        """Mark the attempt failed; after the last one, tell the admins (never what it said)."""
        given_up = await self.inbox.failed(stored, error, retry)
        metrics.UPDATES.labels("failed").inc()
        if not given_up:
            return
        metrics.UPDATES.labels("given_up").inc()
        lost = GivenUp(stored.update_id, what, chat_id, error, stored.attempts + 1)
        await self.inbox.tell_given_up(lost)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 2.0) -> None:
        """Handle stored updates until `stop`; a failing round backs off (the database)."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception as exc:
                await _sleep(stop, self.state.failed(_reason(exc)))
                continue
            self.state.ok()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)


class Poller:
    """Our own getUpdates loop: fetch → store → advance the offset → wake the dispatcher.

    Updates are fetched as raw JSON and stored as they came, so one PTB cannot parse is
    recorded (and later marked failed by the dispatcher) instead of stopping the loop. Every
    failure – a second poller (409), the network, the database – backs off and recovers on its
    own; only a token Telegram refuses stops the service.
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        inbox: Inbox,
        dispatcher: Dispatcher,
        timeout: int,
        state: LoopState,
    ) -> None:
        self.application = application
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.state = state
        self.offset: int | None = None

    async def poll_once(self) -> int:
        """One getUpdates round; returns how many updates arrived."""
        kwargs: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            kwargs["offset"] = self.offset
        raw = await self.application.bot.do_api_request(
            "getUpdates", api_kwargs=kwargs, read_timeout=self.timeout + 10
        )
        updates = [u for u in raw if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if not updates:
            return 0
        await self.inbox.record([(int(u["update_id"]), u) for u in updates])
        self.offset = int(updates[-1]["update_id"]) + 1  # confirms them at the next call
        self.dispatcher.wake()
        return len(updates)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll until `stop`; raise only for a token Telegram refuses."""
        with contextlib.suppress(Exception):
            await self.application.bot.delete_webhook()
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            began = loop.time()
            try:
                arrived = await self.poll_once()
            except (InvalidToken, EndPointNotFound) as exc:
                # through do_api_request a refused token reads "endpoint not found" (401/404);
                # getUpdates always exists, so it is the token
                raise Fatal("Telegram refused BOT_TOKEN (check it with @BotFather)") from exc
            except RetryAfter as exc:
                delay = exc.retry_after
                await _sleep(stop, delay if isinstance(delay, int | float) else 5.0)
                continue
            except Exception as exc:
                await _sleep(stop, self.state.failed(_reason(exc)))
                continue
            self.state.ok()
            if not arrived:  # an empty answer: never ask again at once (timeout 0 would spin)
                await _sleep(stop, MIN_POLL_SECONDS - (loop.time() - began))


def _reason(exc: BaseException) -> str:
    """Why a round failed, in words an operator acts on; never message texts or SQL values."""
    if isinstance(exc, Conflict):
        return "409 Conflict: another process is polling with this bot token"
    if isinstance(exc, TelegramError):
        return f"Telegram: {type(exc).__name__}: {exc.message}"
    return type(exc).__name__  # a database error's text holds its parameters


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

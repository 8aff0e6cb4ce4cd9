"""SandboxServer: the Bot API stand-in, the user API and the chat page in one aiohttp app."""

from __future__ import annotations

import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.bot_api import BotApi
from sandbox.limits import RateLimiter
from sandbox.models import GENERAL_TOPIC, Chat, Topic, User
from sandbox.state import SandboxState
from sandbox.topics import create_topic, enable_forum, set_closed
from sandbox.user_api import UserApi

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


class SandboxServer:
    """A local Telegram: start it, add users and chats, point a bot at `{base_url}/bot`."""

    def __init__(
        self,
        bot_token: str = "7000000001:SANDBOX-TOKEN",
        bot_username: str = "loudao_bot",
        bot_name: str = "楼道助手",
        rate_limits: bool = True,
        privacy_mode: bool = False,
    ) -> None:
        bot_id = int(bot_token.split(":", 1)[0])
        self.bot_token = bot_token
        self.state = SandboxState(
            User(bot_id, bot_name, bot_username, role="bot", is_bot=True), privacy_mode
        )
        self.limiter = RateLimiter(enabled=rate_limits)
        self.bot_api = BotApi(self.state, bot_token, self.limiter)
        self.user_api = UserApi(self.state, self.bot_api)
        # room for Telegram's 50 MB document uploads, so the Bot API methods answer bigger ones
        # themselves (413); beyond this aiohttp refuses the body
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.add_routes(self.bot_api.routes())
        self.app.add_routes(self.user_api.routes())
        self.app.add_routes([web.get("/", self._index), web.static("/static", STATIC)])
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 = a free port); return the base URL."""
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = int(self._runner.addresses[0][1])
        self.base_url = f"http://{host}:{bound_port}"
        log.info("sandbox listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Wake long polls and shut the server down."""
        await self.state.updates.close()
        self.state.touch()  # answers the page's pending long polls
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    # -- world building ----------------------------------------------------------------
    def add_user(
        self,
        id: int,
        name: str,
        username: str | None = None,
        role: str = "",
        started: bool = True,
        language_code: str = "zh-hans",
    ) -> User:
        """Add a person (and their private chat with the bot; `started=False` refuses it)."""
        return self.state.add_user(id, name, username, role, started, language_code)

    def close_private(self, user_id: int, *, blocked: bool = False) -> None:
        """The person has not pressed Start yet (or, with `blocked`, blocked the bot): private
        messages to them get Telegram's 403 until they write to the bot."""
        user = self.state.users[user_id]
        if blocked:
            user.blocked = True
        else:
            user.started = False

    def add_chat(
        self,
        id: int,
        title: str,
        type: str = "supergroup",
        members: list[int] | None = None,
        bot_member: bool = True,
        bot_admin: bool = False,
        admins: list[int] | None = None,
        is_forum: bool = False,
    ) -> Chat:
        """Add a group or supergroup; no updates are sent (the bot was already there)."""
        chat = self.state.add_chat(
            id, title, type, list(members or []), bot_member, bot_admin, list(admins or [])
        )
        if is_forum:
            enable_forum(self.state, chat, True)
        return chat

    def set_forum(self, chat_id: int, enabled: bool = True) -> Chat:
        """Turn a supergroup's topics on (a General topic appears) or off."""
        chat = self.state.chat(chat_id)
        enable_forum(self.state, chat, enabled)
        return chat

    def add_topic(self, chat_id: int, name: str, by_user_id: int | None = None) -> int:
        """Open a topic in a forum, as a member would (its service message reaches the bot);
        return its message_thread_id."""
        chat = self.state.chat(chat_id)
        by = by_user_id if by_user_id is not None else (chat.members or [self.state.bot.id])[0]
        return create_topic(self.state, chat, name, by).thread_id

    def close_topic(
        self,
        chat_id: int,
        thread_id: int = GENERAL_TOPIC,
        closed: bool = True,
        by_user_id: int | None = None,
    ) -> Topic:
        """Close (or with closed=False reopen) a topic; General unless a thread id is given."""
        chat = self.state.chat(chat_id)
        by = by_user_id if by_user_id is not None else (chat.members or [self.state.bot.id])[0]
        return set_closed(self.state, chat, thread_id, closed, by)

    def upgrade_group(
        self, chat_id: int, new_id: int | None = None, by_user_id: int | None = None
    ) -> Chat:
        """Upgrade a basic group to a supergroup (a new -100… id); the bot gets both service
        messages, and every call naming the old id gets 400 with `migrate_to_chat_id`."""
        return self.state.upgrade_group(chat_id, new_id, by_user_id)

    # -- knobs for tests and benchmarks ------------------------------------------------
    def set_bot_admin(self, chat_id: int, admin: bool) -> None:
        """Promote the bot to admin of a group, or take its admin rights away."""
        self.state.chat(chat_id).bot_admin = admin

    def set_fault(
        self,
        drop: float = 0.0,
        duplicate: float = 0.0,
        delay: float = 0.0,
        error_5xx: float = 0.0,
        seed: int | None = None,
    ) -> None:
        """Drop/duplicate updates and fail calls with these probabilities; delay in seconds."""
        faults = self.state.faults
        faults.drop, faults.duplicate, faults.delay, faults.error_5xx = (
            drop,
            duplicate,
            delay,
            error_5xx,
        )
        if seed is not None:
            faults.rng = random.Random(seed)

    def configure_limits(
        self,
        per_chat_per_minute: int = 20,
        global_per_second: int = 30,
        enabled: bool = True,
    ) -> None:
        """Set the flood limits (a 429 with retry_after beyond them)."""
        self.limiter.configure(per_chat_per_minute, global_per_second, enabled)

    @property
    def privacy_mode(self) -> bool:
        """Whether the bot sees only commands and replies in groups where it is no admin."""
        return self.state.privacy_mode

    @privacy_mode.setter
    def privacy_mode(self, value: bool) -> None:
        self.state.privacy_mode = value

    @property
    def stats(self) -> Counter[str]:
        """Counters: sent, 429, calls, updates, 5xx, updates_dropped, updates_duplicated."""
        return self.state.stats

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return a chat's live messages as the user API shows them."""
        return [
            self.state.message_view(m)
            for m in self.state.messages.get(chat_id, {}).values()
            if not m.deleted
        ]

"""The Bot API routes: `/bot<token>/<method>` and `/file/bot<token>/<path>`."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.api_base import api_error_response
from sandbox.api_chats import ChatMethods
from sandbox.api_messages import MessageMethods
from sandbox.api_topics import TopicMethods
from sandbox.limits import RateLimiter
from sandbox.models import JSON, ApiError, bad_request
from sandbox.params import Params
from sandbox.state import SandboxState
from sandbox.updates import PollConflict

log = logging.getLogger(__name__)

Handler = Callable[[Params], Awaitable[Any]]


class BotApi(MessageMethods, ChatMethods, TopicMethods):
    """Implements the Bot API methods the product uses against a SandboxState."""

    def __init__(self, state: SandboxState, token: str, limiter: RateLimiter) -> None:
        super().__init__(state, token, limiter)
        self.methods: dict[str, Handler] = {
            name[2:].lower(): getattr(self, name) for name in dir(self) if name.startswith("m_")
        }

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        return [
            web.route("*", "/bot{token}/{method}", self.handle),
            web.get("/file/bot{token}/{path:.+}", self.download),
        ]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Dispatch one Bot API call."""
        state = self.state
        if request.match_info["token"] != self.token:
            return api_error_response(ApiError(401, "Unauthorized"))
        handler = self.methods.get(request.match_info["method"].lower())
        if handler is None:
            return api_error_response(ApiError(404, "Not Found"))
        state.stats["calls"] += 1
        state.stats[f"calls.{request.match_info['method']}"] += 1
        if state.faults.roll(state.faults.error_5xx):
            state.stats["5xx"] += 1
            return api_error_response(ApiError(502, "Bad Gateway"))
        try:
            params = await Params.read(request)
            result = await handler(params)
        except ApiError as error:
            if error.code == 429:
                state.stats["429"] += 1
            else:
                state.stats[f"error_{error.code}"] += 1
            return api_error_response(error)
        return web.json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Serve a file by the file_path getFile returned."""
        if request.match_info["token"] != self.token:
            return api_error_response(ApiError(401, "Unauthorized"))
        record = self.state.files_by_path.get(request.match_info["path"])
        if record is None:
            return api_error_response(ApiError(404, "Not Found"))
        return web.Response(body=record.data, content_type=record.mime)

    # -- bot and updates ---------------------------------------------------------------
    async def m_getMe(self, params: Params) -> JSON:
        """Describe the bot."""
        data = self.state.bot.to_api()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.state.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data

    async def m_logOut(self, params: Params) -> bool:
        """Pretend to log out."""
        return True

    async def m_close(self, params: Params) -> bool:
        """Pretend to close the bot instance."""
        return True

    async def m_getUpdates(self, params: Params) -> list[JSON]:
        """Long-poll for updates."""
        limit = max(1, min(100, params.integer("limit") or 100))
        allowed = params.obj("allowed_updates")
        try:
            return await self.state.updates.get_updates(
                params.integer("offset"),
                limit,
                params.number("timeout", 0.0),
                list(allowed) if isinstance(allowed, list) else None,
            )
        except PollConflict as conflict:
            raise ApiError(409, str(conflict)) from conflict

    async def m_setWebhook(self, params: Params) -> bool:
        """Switch to webhook mode."""
        url = params.text("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.obj("allowed_updates")
        self.state.updates.set_webhook(
            url,
            secret,
            list(allowed) if isinstance(allowed, list) else None,
            params.flag("drop_pending_updates"),
            params.integer("max_connections") or 40,
        )
        return True

    async def m_deleteWebhook(self, params: Params) -> bool:
        """Return to getUpdates mode."""
        self.state.updates.delete_webhook(params.flag("drop_pending_updates"))
        return True

    async def m_getWebhookInfo(self, params: Params) -> JSON:
        """Describe the webhook."""
        return self.state.updates.webhook_info()

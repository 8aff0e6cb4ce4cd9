"""Shared helpers of the Bot API method classes: the target chat, limits, replies, edits."""

from __future__ import annotations

import time

from aiohttp import web

from sandbox.limits import RateLimiter
from sandbox.models import JSON, ApiError, Chat, Message, bad_request
from sandbox.params import Params, reply_to
from sandbox.state import SandboxState
from sandbox.topics import landing


def api_error_response(error: ApiError) -> web.Response:
    """Render an error the way Telegram does."""
    body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)


class MethodsBase:
    """State and checks every Bot API method needs."""

    def __init__(self, state: SandboxState, token: str, limiter: RateLimiter) -> None:
        self.state = state
        self.token = token
        self.limiter = limiter
        self.callback_started: dict[str, float] = {}

    def _target(self, params: Params) -> Chat:
        """Return the chat in chat_id, refusing chats the bot cannot write to."""
        chat = self.state.chat(params.chat_id())
        self.state.writable(chat)
        if chat.type == "private":
            user = self.state.users[chat.id]
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif not chat.bot_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _rate_limit(self, chat: Chat) -> None:
        wait = self.limiter.acquire(chat.id, chat.is_group)
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _placement(self, chat: Chat, params: Params) -> tuple[int | None, int | None]:
        """Return (message replied to, forum topic) of a new message, refusing what Telegram
        refuses: a missing reply target, an unknown or closed topic (TOPIC_CLOSED)."""
        target_id, allow_without = reply_to(params)
        target = self.state.find(chat.id, target_id) if target_id is not None else None
        if target_id is not None and target is None:
            if not allow_without:
                raise bad_request("message to be replied not found")
            target_id = None
        thread = landing(chat, params.integer("message_thread_id"), target, allow_without)
        return target_id, thread

    def _bot_message(self, params: Params, verb: str) -> tuple[Chat, Message]:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not supported by the sandbox")
        chat = self._target(params)
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        message = self.state.find(chat.id, message_id)
        if message is None:
            raise bad_request(f"message to {verb} not found")
        if message.from_id != self.state.bot.id:
            raise bad_request(f"message can't be {verb}ed")
        return chat, message

    def _edited(self, message: Message) -> JSON:
        message.edit_date = int(time.time())
        self.state.touch()
        return self.state.message_api(message)

    @staticmethod
    def _not_modified() -> ApiError:
        return bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )

"""The Bot API routes: `/bot<token>/<method>` and `/file/bot<token>/<path>`."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.limits import RateLimiter
from sandbox.params import (
    MAX_CAPTION,
    MAX_TEXT,
    Params,
    formatted_text,
    reply_markup,
    reply_to,
)
from sandbox.state import JSON, ApiError, Chat, Message, PollRecord, SandboxState, bad_request
from sandbox.updates import PollConflict

log = logging.getLogger(__name__)

Handler = Callable[[Params], Awaitable[Any]]
CALLBACK_TTL = 15.0  # seconds Telegram waits for answerCallbackQuery
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def api_error_response(error: ApiError) -> web.Response:
    """Render an error the way Telegram does."""
    body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.code)


class BotApi:
    """Implements the Bot API methods the product uses against a SandboxState."""

    def __init__(self, state: SandboxState, token: str, limiter: RateLimiter) -> None:
        self.state = state
        self.token = token
        self.limiter = limiter
        self.callback_started: dict[str, float] = {}
        self.methods: dict[str, Handler] = {
            name.lower(): getattr(self, f"m_{name}")
            for name in [
                "getMe",
                "logOut",
                "close",
                "getUpdates",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "editMessageCaption",
                "deleteMessage",
                "answerCallbackQuery",
                "sendPhoto",
                "getFile",
                "sendPoll",
                "stopPoll",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "getChat",
                "getChatMember",
                "getChatMemberCount",
                "getChatAdministrators",
                "leaveChat",
                "pinChatMessage",
                "unpinChatMessage",
                "sendChatAction",
            ]
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

    # -- helpers -----------------------------------------------------------------------
    def _target(self, params: Params) -> Chat:
        """Return the chat in chat_id, refusing chats the bot cannot write to."""
        chat = self.state.chat(params.chat_id())
        if chat.type == "private":
            if not self.state.users[chat.id].started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif not chat.bot_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _rate_limit(self, chat: Chat) -> None:
        wait = self.limiter.acquire(chat.id, chat.is_group)
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _reply_target(self, chat: Chat, params: Params) -> int | None:
        target, allow_without = reply_to(params)
        if target is None:
            return None
        if self.state.find(chat.id, target) is None:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        return target

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

    # -- messages ----------------------------------------------------------------------
    async def m_sendMessage(self, params: Params) -> JSON:
        """Send a text message."""
        chat = self._target(params)
        text, entities = formatted_text(params, "text", MAX_TEXT, "entities")
        if not text.strip():
            raise bad_request("message text is empty")
        markup = reply_markup(params)
        target = self._reply_target(chat, params)
        self._rate_limit(chat)
        message = self.state.store(
            chat,
            self.state.bot.id,
            text=text,
            entities=entities,
            reply_to=target,
            reply_markup=markup,
        )
        self.state.stats["sent"] += 1
        return self.state.message_api(message)

    async def m_sendPhoto(self, params: Params) -> JSON:
        """Send a photo (upload or a known file_id)."""
        chat = self._target(params)
        if "photo" in params.files:
            data, mime = params.files["photo"]
            record = self.state.add_file(data, mime)
        else:
            file_id = params.text("photo", required=True) or ""
            if file_id.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            if file_id not in self.state.files:
                raise bad_request("wrong file identifier/HTTP URL specified")
            record = self.state.files[file_id]
        caption, entities = formatted_text(params, "caption", MAX_CAPTION, "caption_entities")
        markup = reply_markup(params)
        target = self._reply_target(chat, params)
        self._rate_limit(chat)
        message = self.state.store(
            chat,
            self.state.bot.id,
            caption=caption or None,
            entities=entities,
            photo_file_id=record.file_id,
            reply_to=target,
            reply_markup=markup,
        )
        self.state.stats["sent"] += 1
        return self.state.message_api(message)

    async def m_editMessageText(self, params: Params) -> JSON:
        """Edit a bot message's text (and keyboard; none given removes it)."""
        _, message = self._bot_message(params, "edit")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = formatted_text(params, "text", MAX_TEXT, "entities")
        if not text.strip():
            raise bad_request("message text is empty")
        markup = reply_markup(params)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise self._not_modified()
        message.text, message.entities, message.reply_markup = text, entities, markup
        return self._edited(message)

    async def m_editMessageCaption(self, params: Params) -> JSON:
        """Edit a bot photo's caption."""
        _, message = self._bot_message(params, "edit")
        if message.photo_file_id is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = formatted_text(params, "caption", MAX_CAPTION, "caption_entities")
        markup = reply_markup(params)
        if (caption or None, entities, markup) == (
            message.caption,
            message.entities,
            message.reply_markup,
        ):
            raise self._not_modified()
        message.caption, message.entities, message.reply_markup = caption or None, entities, markup
        return self._edited(message)

    async def m_editMessageReplyMarkup(self, params: Params) -> JSON:
        """Replace or remove a bot message's inline keyboard."""
        _, message = self._bot_message(params, "edit")
        markup = reply_markup(params)
        if markup == message.reply_markup:
            raise self._not_modified()
        message.reply_markup = markup
        return self._edited(message)

    async def m_deleteMessage(self, params: Params) -> bool:
        """Delete a message (others' messages only as a group admin)."""
        chat = self._target(params)
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        message = self.state.find(chat.id, message_id)
        if message is None:
            raise bad_request("message to delete not found")
        if message.from_id != self.state.bot.id and chat.is_group and not chat.bot_admin:
            raise bad_request("message can't be deleted")
        message.deleted = True
        chat.pinned = [m for m in chat.pinned if m != message_id]
        self.state.touch()
        return True

    async def m_answerCallbackQuery(self, params: Params) -> bool:
        """Answer a button press; the sandbox user API returns this to the presser."""
        query_id = params.text("callback_query_id", required=True) or ""
        future = self.state.callbacks.get(query_id)
        started = self.callback_started.get(query_id, 0.0)
        if future is None or future.done() or time.monotonic() - started > CALLBACK_TTL:
            raise bad_request(_QUERY_INVALID)
        text = params.text("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        del self.state.callbacks[query_id]
        self.callback_started.pop(query_id, None)
        future.set_result(
            {
                "answered": True,
                "text": text,
                "show_alert": params.flag("show_alert"),
                "url": params.text("url"),
            }
        )
        return True

    def register_callback(self, query_id: str) -> None:
        """Remember when a callback query started, for CALLBACK_TTL."""
        self.callback_started[query_id] = time.monotonic()

    async def m_sendChatAction(self, params: Params) -> bool:
        """Accept a chat action such as typing."""
        self._target(params)
        return True

    # -- files ---------------------------------------------------------------------------
    async def m_getFile(self, params: Params) -> JSON:
        """Describe a file so it can be downloaded from /file/bot<token>/<file_path>."""
        file_id = params.text("file_id", required=True) or ""
        record = self.state.files.get(file_id)
        if record is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
            "file_path": record.path,
        }

    # -- polls -------------------------------------------------------------------------
    async def m_sendPoll(self, params: Params) -> JSON:
        """Send a poll."""
        chat = self._target(params)
        question = params.text("question") or ""
        if not 1 <= len(question) <= 300:
            raise bad_request(
                "poll question length must not exceed 300"
                if question
                else "poll question must be non-empty"
            )
        raw_options = params.obj("options")
        if not isinstance(raw_options, list):
            raise bad_request("options is empty")
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in raw_options]
        if len(options) < 2:
            raise bad_request("poll must have at least 2 option")
        if len(options) > 12:
            raise bad_request("poll can't have more than 12 options")
        if any(not 1 <= len(o) <= 100 for o in options):
            raise bad_request("poll options length must not exceed 100")
        poll_type = params.text("type") or "regular"
        correct = params.integer("correct_option_id")
        if poll_type == "quiz" and (correct is None or not 0 <= correct < len(options)):
            raise bad_request("wrong correct option ID specified")
        markup = reply_markup(params)
        target = self._reply_target(chat, params)
        self._rate_limit(chat)
        poll = PollRecord(
            id=self.state.next_token("5"),
            chat_id=chat.id,
            message_id=chat.next_message_id,
            question=question,
            options=options,
            is_anonymous=params.flag("is_anonymous", True),
            type=poll_type,
            allows_multiple_answers=params.flag("allows_multiple_answers"),
            correct_option_id=correct if poll_type == "quiz" else None,
            is_closed=params.flag("is_closed"),
        )
        self.state.polls[poll.id] = poll
        message = self.state.store(
            chat, self.state.bot.id, poll_id=poll.id, reply_to=target, reply_markup=markup
        )
        self.state.stats["sent"] += 1
        return self.state.message_api(message)

    async def m_stopPoll(self, params: Params) -> JSON:
        """Close a poll the bot sent."""
        chat = self._target(params)
        message_id = params.integer("message_id", required=True)
        message = self.state.find(chat.id, message_id or 0)
        if message is None or message.poll_id is None:
            raise bad_request("message with poll to stop not found")
        if message.from_id != self.state.bot.id:
            raise bad_request("poll can't be stopped")
        poll = self.state.polls[message.poll_id]
        if poll.is_closed:
            raise bad_request("poll has already been closed")
        poll.is_closed = True
        if params.has("reply_markup"):
            message.reply_markup = reply_markup(params)
        self.state.touch()
        return poll.to_api()

    # -- commands ----------------------------------------------------------------------
    @staticmethod
    def _commands_key(params: Params) -> str:
        scope = params.obj("scope")
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        chat = scope.get("chat_id", "") if isinstance(scope, dict) else ""
        return f"{scope_type}:{chat}:{params.text('language_code') or ''}"

    async def m_setMyCommands(self, params: Params) -> bool:
        """Store the bot's command list."""
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty")
        if len(commands) > 100:
            raise bad_request("too many commands")
        clean: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.match(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command["command"], "description": description})
        self.state.commands[self._commands_key(params)] = clean
        return True

    async def m_getMyCommands(self, params: Params) -> list[JSON]:
        """Return the stored command list."""
        return self.state.commands.get(self._commands_key(params), [])

    async def m_deleteMyCommands(self, params: Params) -> bool:
        """Forget a command list."""
        self.state.commands.pop(self._commands_key(params), None)
        return True

    # -- chats -------------------------------------------------------------------------
    async def m_getChat(self, params: Params) -> JSON:
        """Return a ChatFullInfo object."""
        chat = self._target(params)
        data = self.state.chat_api(chat)
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if chat.pinned:
            pinned = self.state.find(chat.id, chat.pinned[-1])
            if pinned is not None:
                data["pinned_message"] = self.state.message_api(pinned)
        return data

    async def m_getChatMember(self, params: Params) -> JSON:
        """Return one member's status."""
        chat = self._target(params)
        user_id = params.integer("user_id", required=True)
        assert user_id is not None
        if user_id not in self.state.users:
            raise bad_request("user not found")
        return self.state.chat_member_api(chat, user_id)

    async def m_getChatMemberCount(self, params: Params) -> int:
        """Count members, the bot included."""
        chat = self._target(params)
        return len(chat.members) + (1 if chat.bot_member else 0)

    async def m_getChatAdministrators(self, params: Params) -> list[JSON]:
        """List the chat's administrators."""
        chat = self._target(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = [m for m in chat.members if m in chat.admins]
        if chat.bot_admin:
            ids.append(self.state.bot.id)
        return [self.state.chat_member_api(chat, user_id) for user_id in ids]

    async def m_leaveChat(self, params: Params) -> bool:
        """Leave a group."""
        chat = self._target(params)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.state.membership_update(chat, self.state.bot.id, self.state.bot.id, add=False)
        return True

    async def m_pinChatMessage(self, params: Params) -> bool:
        """Pin a message (groups need an admin bot)."""
        chat = self._target(params)
        if chat.is_group and not chat.bot_admin:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        message_id = params.integer("message_id", required=True)
        message = self.state.find(chat.id, message_id or 0)
        if message is None:
            raise bad_request("message to pin not found")
        chat.pinned = [m for m in chat.pinned if m != message.message_id]
        chat.pinned.append(message.message_id)
        if chat.is_group:
            self.state.store(
                chat,
                self.state.bot.id,
                service={"pinned_message": self.state.message_api(message, with_reply=False)},
            )
        self.state.touch()
        return True

    async def m_unpinChatMessage(self, params: Params) -> bool:
        """Unpin one message, or the most recent pin."""
        chat = self._target(params)
        if chat.is_group and not chat.bot_admin:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        message_id = params.integer("message_id")
        if message_id is None:
            if chat.pinned:
                chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        else:
            raise bad_request("message to unpin not found")
        self.state.touch()
        return True

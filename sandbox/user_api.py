"""The sandbox user API under /sandbox/api/: what people (tests, benchmarks, the page) do."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from aiohttp import web

from sandbox.api_base import api_error_response
from sandbox.bot_api import BotApi
from sandbox.models import JSON, ApiError, Chat, bad_request
from sandbox.state import SandboxState
from sandbox.topics import create_topic, enable_forum, set_closed

CALLBACK_WAIT = 5.0  # seconds a press waits for the bot's answerCallbackQuery


def _error(error: ApiError) -> web.Response:
    return api_error_response(error)


def decode_photo(value: Any) -> tuple[bytes, str]:
    """Decode a base64 photo, optionally a data: URL; return (bytes, mime type)."""
    if not isinstance(value, str):
        raise bad_request("photo must be a base64 string")
    mime = "image/jpeg"
    if value.startswith("data:"):
        header, _, value = value.partition(",")
        mime = header[5:].split(";")[0] or mime
    try:
        return base64.b64decode(value, validate=True), mime
    except (binascii.Error, ValueError) as exc:
        raise bad_request("photo is not valid base64") from exc


def _int(body: JSON, name: str, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required")
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"{name} must be an integer") from exc


class UserApi:
    """JSON endpoints that act as people in chats."""

    def __init__(self, state: SandboxState, bot_api: BotApi) -> None:
        self.state = state
        self.bot_api = bot_api
        self.callback_wait = CALLBACK_WAIT

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        p = "/sandbox/api"
        return [
            web.get(f"{p}/state", self.get_state),
            web.get(f"{p}/version", self.get_version),
            web.get(f"{p}/stats", self.get_stats),
            web.post(f"{p}/config", self.post_config),
            web.post(f"{p}/messages", self.post_message),
            web.post(f"{p}/callbacks", self.post_callback),
            web.post(f"{p}/poll_answers", self.post_poll_answer),
            web.get(f"{p}/chats/{{chat_id}}/messages", self.get_messages),
            web.post(f"{p}/users", self.post_user),
            web.post(f"{p}/chats", self.post_chat),
            web.post(f"{p}/chats/{{chat_id}}/members", self.post_member),
            web.post(f"{p}/chats/{{chat_id}}/forum", self.post_forum),
            web.post(f"{p}/chats/{{chat_id}}/topics", self.post_topic),
            web.post(f"{p}/chats/{{chat_id}}/topics/{{thread_id}}", self.post_topic_state),
            web.post(f"{p}/chats/{{chat_id}}/upgrade", self.post_upgrade),
            web.get("/sandbox/files/{file_id}", self.get_file),
        ]

    @staticmethod
    async def _body(request: web.Request) -> JSON:
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("body must be a JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("body must be a JSON object")
        return body

    async def _run(self, request: web.Request, action: Any) -> web.Response:
        try:
            result = await action(request)
        except ApiError as error:
            return _error(error)
        return web.json_response(result)

    # -- reading -----------------------------------------------------------------------
    async def get_state(self, request: web.Request) -> web.Response:
        """Return the bot, users and chats."""
        state = self.state
        bot = state.bot.to_api()
        bot.update(name=state.bot.name, privacy_mode=state.privacy_mode)
        users = [u.to_view() for u in state.users.values() if not u.is_bot]
        return web.json_response(
            {
                "bot": bot,
                "users": users,
                "chats": [self._chat_overview(c) for c in state.chats.values()],
                "version": state.version,
            }
        )

    def _chat_overview(self, chat: Chat) -> JSON:
        """A chat's view plus its last live message, for the page's chat list."""
        view = chat.to_view()
        live = [m for m in self.state.messages.get(chat.id, {}).values() if not m.deleted]
        last = live[-1] if live else None
        view["last_message_id"] = last.message_id if last else 0
        view["last"] = None
        if last is not None:
            text = last.text if last.text is not None else (last.caption or "")
            if last.photo_file_id and not text:
                text = "[图片]"
            elif last.document_file_id and not text:
                text = f"[文件] {self.state.files[last.document_file_id].file_name or ''}"
            elif last.poll_id:
                text = "[投票] " + self.state.polls[last.poll_id].question
            elif last.service:
                text = "[系统消息]"
            view["last"] = {"from": self.state.users[last.from_id].name, "text": text[:80]}
        return view

    async def get_version(self, request: web.Request) -> web.Response:
        """Long-poll: answer when anything changed after `since` (or after `timeout` s)."""
        since = int(request.query.get("since", "0"))
        timeout = min(30.0, float(request.query.get("timeout", "25")))
        version = await self.state.wait_change(since, timeout)
        return web.json_response({"version": version})

    async def get_stats(self, request: web.Request) -> web.Response:
        """Return the counters."""
        return web.json_response(dict(self.state.stats))

    async def post_config(self, request: web.Request) -> web.Response:
        """Set faults, limits and privacy mode: {"faults", "limits", "privacy_mode"}."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            faults = self.state.faults
            for name, value in (body.get("faults") or {}).items():
                if name not in ("drop", "duplicate", "delay", "error_5xx"):
                    raise bad_request(f"unknown fault {name}")
                setattr(faults, name, float(value))
            limits = body.get("limits") or {}
            self.bot_api.limiter.configure(
                per_chat_per_minute=limits.get("per_chat_per_minute"),
                global_per_second=limits.get("global_per_second"),
                enabled=limits.get("enabled"),
            )
            if "privacy_mode" in body:
                self.state.privacy_mode = bool(body["privacy_mode"])
            return {"ok": True}

        return await self._run(request, act)

    async def get_messages(self, request: web.Request) -> web.Response:
        """Return a chat's live messages after `after_id`, oldest first."""
        try:
            chat = self.state.chat(int(request.match_info["chat_id"]))
        except ValueError:
            return _error(bad_request("chat not found"))
        except ApiError as error:
            return _error(error)
        after = int(request.query.get("after_id", "0"))
        messages = [
            self.state.message_view(m)
            for m in self.state.messages.get(chat.id, {}).values()
            if m.message_id > after and not m.deleted
        ]
        return web.json_response(messages)

    async def get_file(self, request: web.Request) -> web.StreamResponse:
        """Serve an uploaded or sent photo or document to the page."""
        record = self.state.files.get(request.match_info["file_id"])
        if record is None:
            raise web.HTTPNotFound()
        return web.Response(body=record.data, content_type=record.mime)

    # -- acting ------------------------------------------------------------------------
    async def post_message(self, request: web.Request) -> web.Response:
        """Post a message as a person."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            photo, mime = (None, "image/jpeg")
            if body.get("photo"):
                photo, mime = decode_photo(body["photo"])
            message = self.state.user_message(
                chat_id=_int(body, "chat_id") or 0,
                from_user_id=_int(body, "from_user_id") or 0,
                text=str(body.get("text") or ""),
                reply_to=_int(body, "reply_to_message_id", required=False),
                photo=photo,
                photo_mime=mime,
                thread_id=_int(body, "message_thread_id", required=False),
                mentions=[int(m) for m in body.get("mentions") or []],
                anonymous=bool(body.get("anonymous")),
            )
            return self.state.message_view(message)

        return await self._run(request, act)

    async def post_callback(self, request: web.Request) -> web.Response:
        """Press an inline button; wait (bounded) for the bot's answer."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            state = self.state
            chat = state.chat(_int(body, "chat_id") or 0)
            user = state.user(_int(body, "from_user_id") or 0)
            message_id = _int(body, "message_id") or 0
            data = str(body.get("data") or "")
            if user.id not in chat.members:
                raise ApiError(403, "Forbidden: the user is not a member of this chat")
            state.writable(chat)
            message = state.find(chat.id, message_id)
            if message is None:
                raise bad_request("message not found")
            buttons = [
                button
                for row in (message.reply_markup or {}).get("inline_keyboard", [])
                for button in row
            ]
            if not any(b.get("callback_data") == data for b in buttons):
                raise bad_request("no button with this callback_data on the message")
            query_id = state.next_token("cb")
            future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
            state.callbacks[query_id] = future
            self.bot_api.register_callback(query_id)
            state.updates.push(
                "callback_query",
                {
                    "id": query_id,
                    "from": user.to_api(),
                    "message": state.message_api(message),
                    "chat_instance": str(abs(chat.id) * 7 + 1),
                    "data": data,
                },
            )
            try:
                answer = await asyncio.wait_for(asyncio.shield(future), self.callback_wait)
            except TimeoutError:
                answer = {"answered": False, "text": None, "show_alert": False, "url": None}
            return {"callback_query_id": query_id, **answer}

        return await self._run(request, act)

    async def post_poll_answer(self, request: web.Request) -> web.Response:
        """Vote in a poll (an empty option_ids retracts the vote)."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            state = self.state
            poll = state.polls.get(str(body.get("poll_id")))
            if poll is None:
                raise bad_request("poll not found")
            user = state.user(_int(body, "from_user_id") or 0)
            chat = state.chat(poll.chat_id)
            if user.id not in chat.members:
                raise ApiError(403, "Forbidden: the user is not a member of this chat")
            if poll.is_closed:
                raise bad_request("poll is closed")
            options = [int(o) for o in body.get("option_ids") or []]
            if any(not 0 <= o < len(poll.options) for o in options):
                raise bad_request("option id out of range")
            if len(options) > 1 and not poll.allows_multiple_answers:
                raise bad_request("this poll allows one answer")
            if options:
                poll.votes[user.id] = options
            else:
                poll.votes.pop(user.id, None)
            state.updates.push("poll", poll.to_api())
            if not poll.is_anonymous:
                state.updates.push(
                    "poll_answer",
                    {
                        "poll_id": poll.id,
                        "user": user.to_api(),
                        "option_ids": options,
                        "option_persistent_ids": [str(o) for o in options],
                    },
                )
            state.touch()
            return poll.to_api()

        return await self._run(request, act)

    async def post_user(self, request: web.Request) -> web.Response:
        """Create a person."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            user_id = _int(body, "id", required=False) or (max(self.state.users) + 1)
            user = self.state.add_user(
                user_id,
                str(body.get("name") or f"用户{user_id}"),
                body.get("username"),
                str(body.get("role") or ""),
                started=bool(body.get("started", True)),
                language_code=str(body.get("language_code") or "zh-hans"),
            )
            return user.to_view()

        return await self._run(request, act)

    async def post_chat(self, request: web.Request) -> web.Response:
        """Create a group; the bot is added to it (my_chat_member) unless bot_member is false."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            chat_id = _int(body, "id", required=False) or self.state.new_supergroup_id()
            if chat_id in self.state.chats:
                raise bad_request("chat already exists")
            members = [int(m) for m in body.get("members") or []]
            bot_member = bool(body.get("bot_member", True))
            chat = self.state.add_chat(
                chat_id,
                str(body.get("title") or "新群"),
                str(body.get("type") or "supergroup"),
                members,
                bot_member=False,
                bot_admin=bool(body.get("bot_admin", False)),
                admins=[int(a) for a in body.get("admins") or []],
            )
            if body.get("is_forum"):
                enable_forum(self.state, chat, True)
            if bot_member:
                by = members[0] if members else self.state.bot.id
                self.state.membership_update(chat, self.state.bot.id, by, add=True)
            return chat.to_view()

        return await self._run(request, act)

    async def post_member(self, request: web.Request) -> web.Response:
        """Add or remove a member (`action`: add/remove; user_id may be the bot)."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            chat = self.state.chat(int(req.match_info["chat_id"]))
            if chat.type == "private":
                raise bad_request("private chats have fixed members")
            user_id = _int(body, "user_id") or 0
            action = str(body.get("action") or "add")
            if action not in ("add", "remove"):
                raise bad_request("action must be add or remove")
            by_user_id = _int(body, "by_user_id", required=False) or user_id
            self.state.membership_update(chat, user_id, by_user_id, add=action == "add")
            return chat.to_view()

        return await self._run(request, act)

    # -- forum topics ------------------------------------------------------------------
    def _group(self, request: web.Request) -> Chat:
        try:
            return self.state.chat(int(request.match_info["chat_id"]))
        except ValueError as exc:
            raise bad_request("chat not found") from exc

    def _actor(self, chat: Chat, body: JSON) -> int:
        """Who does it: `by_user_id`, else the group's first member."""
        by = _int(body, "by_user_id", required=False)
        if by is None:
            return (chat.members or [self.state.bot.id])[0]
        if by not in chat.members:
            raise ApiError(403, "Forbidden: the user is not a member of this chat")
        return by

    async def post_forum(self, request: web.Request) -> web.Response:
        """Turn a supergroup's topics on or off: {"enabled": true}."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            chat = self._group(req)
            enable_forum(self.state, chat, bool(body.get("enabled", True)))
            return chat.to_view()

        return await self._run(request, act)

    async def post_topic(self, request: web.Request) -> web.Response:
        """Open a topic as a member: {"name", "by_user_id"?}; returns it with its thread id."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            chat = self._group(req)
            name = str(body.get("name") or "")
            return create_topic(self.state, chat, name, self._actor(chat, body)).to_view()

        return await self._run(request, act)

    async def post_topic_state(self, request: web.Request) -> web.Response:
        """Close or reopen a topic (thread id 1: General): {"closed": true, "by_user_id"?}."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            chat = self._group(req)
            try:
                thread_id = int(req.match_info["thread_id"])
            except ValueError as exc:
                raise bad_request("message thread not found") from exc
            closed = bool(body.get("closed", True))
            topic = set_closed(self.state, chat, thread_id, closed, self._actor(chat, body))
            return topic.to_view()

        return await self._run(request, act)

    async def post_upgrade(self, request: web.Request) -> web.Response:
        """Upgrade a basic group to a supergroup ({"new_id"?, "by_user_id"?}); return it."""

        async def act(req: web.Request) -> JSON:
            body = await self._body(req)
            chat = self.state.upgrade_group(
                int(req.match_info["chat_id"]),
                _int(body, "new_id", required=False),
                _int(body, "by_user_id", required=False),
            )
            return chat.to_view()

        return await self._run(request, act)

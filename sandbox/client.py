"""SandboxClient: act as people in the sandbox from tests and benchmarks."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

JSON = dict[str, Any]


class SandboxError(Exception):
    """The sandbox user API refused a request."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"sandbox answered {status}: {body}")
        self.status = status
        self.body = body


def _describe(messages: list[JSON]) -> str:
    lines = []
    for m in messages:
        sender = m["from"].get("username") or m["from"].get("first_name")
        buttons = [
            b.get("text")
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        extra = f" buttons={buttons}" if buttons else ""
        edited = " (edited)" if m.get("edited") else ""
        lines.append(f"  #{m['message_id']} {sender}: {m.get('text')!r}{edited}{extra}")
    return "\n".join(lines) or "  (no messages)"


class SandboxClient:
    """A small aiohttp client for /sandbox/api/."""

    def __init__(self, base_url: str, poll_interval: float = 0.05) -> None:
        self.base_url = base_url.rstrip("/")
        self.poll_interval = poll_interval
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """Return the HTTP session, created on first use."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _call(self, method: str, path: str, body: JSON | None = None) -> Any:
        url = f"{self.base_url}/sandbox/api/{path}"
        async with self.session.request(method, url, json=body) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                raise SandboxError(response.status, data)
            return data

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- reading -----------------------------------------------------------------------
    async def state(self) -> JSON:
        """Return the bot, users and chats."""
        result: JSON = await self._call("GET", "state")
        return result

    async def stats(self) -> JSON:
        """Return the server's counters."""
        result: JSON = await self._call("GET", "stats")
        return result

    async def messages(self, chat_id: int, after_id: int = 0) -> list[JSON]:
        """Return a chat's messages after after_id, oldest first, edits applied."""
        result: list[JSON] = await self._call(
            "GET", f"chats/{chat_id}/messages?after_id={after_id}"
        )
        return result

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[JSON], bool],
        timeout: float = 10.0,
        after_id: int = 0,
    ) -> JSON:
        """Poll until a message (after after_id) satisfies predicate; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            messages = await self.messages(chat_id, after_id)
            for message in messages:
                if predicate(message):
                    return message
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no matching message in chat {chat_id} after {timeout}s; "
                    f"messages:\n{_describe(messages)}"
                )
            await asyncio.sleep(self.poll_interval)

    # -- acting ------------------------------------------------------------------------
    async def say(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        reply_to: int | None = None,
        photo: bytes | None = None,
        thread_id: int | None = None,
        mentions: Sequence[int] = (),
        anonymous: bool = False,
    ) -> JSON:
        """Post a message as a person (in a forum topic with `thread_id`); return it.

        `mentions` are people picked from the member list: their names in the text become
        text_mention entities carrying the user, as for people without a @username. An
        `anonymous` admin writes as the group (sender_chat), as Telegram lets admins do."""
        body: JSON = {"chat_id": chat_id, "from_user_id": user_id, "text": text}
        if anonymous:
            body["anonymous"] = True
        if mentions:
            body["mentions"] = list(mentions)
        if reply_to is not None:
            body["reply_to_message_id"] = reply_to
        if thread_id is not None:
            body["message_thread_id"] = thread_id
        if photo is not None:
            body["photo"] = base64.b64encode(photo).decode("ascii")
        result: JSON = await self._call("POST", "messages", body)
        return result

    async def press(self, user_id: int, message: JSON, button_text: str) -> JSON:
        """Press the inline button with this text on a message; return the bot's answer."""
        buttons = [
            button
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        for button in buttons:
            if button.get("text") == button_text and "callback_data" in button:
                return await self.press_data(
                    user_id, message["chat_id"], message["message_id"], button["callback_data"]
                )
        raise AssertionError(
            f"no button {button_text!r} on message #{message.get('message_id')} "
            f"({message.get('text')!r}); buttons: {[b.get('text') for b in buttons]}"
        )

    async def press_data(self, user_id: int, chat_id: int, message_id: int, data: str) -> JSON:
        """Press a button by its raw callback_data (the server checks it is on the message)."""
        result: JSON = await self._call(
            "POST",
            "callbacks",
            {"chat_id": chat_id, "message_id": message_id, "from_user_id": user_id, "data": data},
        )
        return result

    async def answer_poll(self, user_id: int, poll_id: str, option_ids: list[int]) -> JSON:
        """Vote in a poll."""
        result: JSON = await self._call(
            "POST",
            "poll_answers",
            {"poll_id": poll_id, "from_user_id": user_id, "option_ids": option_ids},
        )
        return result

    async def add_user(
        self, id: int, name: str, username: str | None = None, role: str = ""
    ) -> JSON:
        """Create a person."""
        result: JSON = await self._call(
            "POST", "users", {"id": id, "name": name, "username": username, "role": role}
        )
        return result

    async def add_chat(self, title: str, members: list[int], **options: Any) -> JSON:
        """Create a group and add the bot to it (the bot gets my_chat_member)."""
        result: JSON = await self._call(
            "POST", "chats", {"title": title, "members": members, **options}
        )
        return result

    async def set_member(
        self, chat_id: int, user_id: int, add: bool = True, by_user_id: int | None = None
    ) -> JSON:
        """Add or remove a member (or the bot) from a group."""
        body: JSON = {"user_id": user_id, "action": "add" if add else "remove"}
        if by_user_id is not None:
            body["by_user_id"] = by_user_id
        result: JSON = await self._call("POST", f"chats/{chat_id}/members", body)
        return result

    async def set_forum(self, chat_id: int, enabled: bool = True) -> JSON:
        """Turn a supergroup's topics on or off."""
        result: JSON = await self._call("POST", f"chats/{chat_id}/forum", {"enabled": enabled})
        return result

    async def add_topic(self, chat_id: int, name: str, by_user_id: int | None = None) -> int:
        """Open a topic in a forum as a member; return its message_thread_id."""
        body: JSON = {"name": name}
        if by_user_id is not None:
            body["by_user_id"] = by_user_id
        result: JSON = await self._call("POST", f"chats/{chat_id}/topics", body)
        return int(result["message_thread_id"])

    async def set_topic_closed(
        self, chat_id: int, thread_id: int = 1, closed: bool = True, by_user_id: int | None = None
    ) -> JSON:
        """Close (or reopen) a topic; thread 1 is General."""
        body: JSON = {"closed": closed}
        if by_user_id is not None:
            body["by_user_id"] = by_user_id
        result: JSON = await self._call("POST", f"chats/{chat_id}/topics/{thread_id}", body)
        return result

    async def upgrade_group(
        self, chat_id: int, new_id: int | None = None, by_user_id: int | None = None
    ) -> JSON:
        """Upgrade a basic group to a supergroup; return the supergroup."""
        body: JSON = {"new_id": new_id, "by_user_id": by_user_id}
        result: JSON = await self._call("POST", f"chats/{chat_id}/upgrade", body)
        return result

    async def configure(self, **config: Any) -> None:
        """Set faults/limits/privacy_mode on a sandbox in another process."""
        await self._call("POST", "config", json.loads(json.dumps(config)))

"""Bot API methods about chats and the bot's commands: getChat, members, pins, leaveChat."""

from __future__ import annotations

import re

from sandbox.api_base import MethodsBase
from sandbox.models import JSON, bad_request
from sandbox.params import Params

_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class ChatMethods(MethodsBase):
    """setMyCommands and friends, getChat, getChatMember(s), leaveChat, (un)pinChatMessage."""

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
                thread_id=message.thread_id,
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

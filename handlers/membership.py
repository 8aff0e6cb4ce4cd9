"""The bot was added to or removed from a group: greet, wait for /bind, or leave."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from bot import i18n
from bot.services.chats import ChatGate
from bot.services.container import Services

PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    locale = services.settings.locale

    async def changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type == "private":
            return
        chat = change.chat
        was_in = change.old_chat_member.status in PRESENT
        is_in = change.new_chat_member.status in PRESENT
        if is_in and not was_in:
            adder = change.from_user.id if change.from_user else None
            gate = await services.chats.bot_added(
                chat.id, chat.title or "", adder, update.update_id
            )
            if gate is ChatGate.LEAVE:
                with contextlib.suppress(TelegramError):
                    await context.bot.leave_chat(chat.id)
                return
            key = "chat.hello_bound" if gate is ChatGate.SERVE else "chat.hello_pending"
            await services.replies.reply(chat.id, i18n.t(locale, key), update.update_id)
            services.wake_sender()
        elif was_in and not is_in:
            await services.chats.bot_removed(chat.id, chat.title or "", update.update_id)
            services.wake_sender()

    application.add_handler(ChatMemberHandler(changed, ChatMemberHandler.MY_CHAT_MEMBER))

"""Runs before the features for every update: stay silent in, and leave, groups not ours."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot import i18n
from bot.services.chats import ChatGate
from bot.services.container import Services
from handlers.errors import answer

log = logging.getLogger(__name__)
GATE_GROUP = -100


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.my_chat_member is not None:
            return  # membership changes are handled by handlers.membership
        chat = update.effective_chat
        if chat is None:
            return
        user = update.effective_user
        if chat.type == "private" and user is not None and services.reach is not None:
            await services.reach.seen(user.id)  # the bot may write to them from now on
        decision = await services.chats.gate(chat.id, chat.type, update.update_id)
        if decision is ChatGate.SERVE:
            return
        if decision is ChatGate.IGNORE:
            raise ApplicationHandlerStop
        if decision is ChatGate.LEAVE:
            log.info("leaving chat %s: not bound or allowed", chat.id, extra={"chat_id": chat.id})
            with contextlib.suppress(TelegramError):
                await context.bot.leave_chat(chat.id)
            raise ApplicationHandlerStop
        message = update.effective_message
        text = (message.text or "") if message else ""
        if text.startswith("/bind"):
            return
        if message is not None and _addresses_bot(text, context.bot.username):
            await answer(services, update, i18n.t(services.settings.locale, "chat.not_bound_yet"))
        raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)


def _addresses_bot(text: str, username: str) -> bool:
    return f"@{username}".lower() in text.lower()

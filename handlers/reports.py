"""Group messages that address the bot: hand them to the report desk."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.services.container import Services
from bot.services.reports import Report, ReportDesk
from handlers.incoming import parse_message, strip_mention


def register(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services, desk: ReportDesk
) -> None:
    async def addressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        username = context.bot.username
        incoming = parse_message(update, username, services.settings.locale)
        if incoming is None or incoming.is_private or not incoming.mentions_bot:
            return
        text = strip_mention(incoming.text, username)
        if not text:
            return
        await desk.acknowledge(
            Report(
                incoming.update_id, incoming.chat_id, incoming.message_id, incoming.user_id, text
            )
        )
        services.wake_sender()

    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & (filters.TEXT | filters.CAPTION), addressed)
    )

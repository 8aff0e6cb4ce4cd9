"""A group became a supergroup: follow it before the gate sees the new chat as a stranger."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.services.container import Services

MIGRATION_GROUP = -110  # before the gate (-100): the new id is not bound until this ran


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    async def upgraded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or services.migrations is None:
            return
        if message.migrate_to_chat_id:  # the old group's last message
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:  # the supergroup's first message
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await services.migrations.upgraded(old, new, via="update", update_id=update.update_id)
        services.wake_sender()
        raise ApplicationHandlerStop  # a service message: nothing else to do with it

    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, upgraded), group=MIGRATION_GROUP
    )

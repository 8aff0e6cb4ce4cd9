"""/stats: the committee's figures, in a private chat."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot.services.container import Services
from bot.services.kpi.desk import StatsRequest
from handlers.command import Command, command


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk = services.stats
    if desk is None:
        return

    async def stats(cmd: Command) -> None:
        await desk.stats(
            StatsRequest(
                user_id=cmd.user.id,
                chat_id=cmd.chat.id,
                private=cmd.private,
                words=" ".join(cmd.args),
                locale=cmd.locale,
                update_id=cmd.update_id,
                message_id=cmd.message.message_id,
            )
        )

    application.add_handler(CommandHandler("stats", command(services, stats)))

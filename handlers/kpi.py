"""/stats and /export: the committee's figures and the tickets table, in a private chat."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot.services.container import Services
from bot.services.kpi.desk import StatsRequest
from bot.services.reports.chat_export import ExportAsk
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
    exporter = services.export
    if exporter is None:
        return

    async def export(cmd: Command) -> str:
        return await exporter.export(
            ExportAsk(
                user_id=cmd.user.id,
                chat_id=cmd.chat.id,
                private=cmd.private,
                words=" ".join(cmd.args),
                locale=cmd.locale,
                update_id=cmd.update_id,
            )
        )

    application.add_handler(CommandHandler("export", command(services, export)))

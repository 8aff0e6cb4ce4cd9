"""/stats: the committee's figures, in a private chat."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot.services.container import Services
from handlers.command import Command, command


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk = services.stats
    if desk is None:
        return

    async def stats(cmd: Command) -> str:
        return await desk.stats(cmd.user.id, cmd.private, " ".join(cmd.args), cmd.locale)

    application.add_handler(CommandHandler("stats", command(services, stats)))

"""/ical in a private chat: a staff member's secret calendar link (/ical new: a fresh one)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot.services.container import Services
from handlers.command import Command, command


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    if services.ical is None:
        return
    desk = services.ical

    async def ical(cmd: Command) -> str:
        return await desk.link(cmd.user.id, cmd.args, cmd.update_id)

    callback = command(services, ical, private_only="duty.error.private_only")
    application.add_handler(CommandHandler("ical", callback))

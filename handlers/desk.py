"""/desk: a supervisor or admin gets a one-time link to the web desk, in a private chat."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot.services.container import Services
from handlers.command import Command, command


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    sign_in = services.desk
    if sign_in is None:
        return

    async def desk(cmd: Command) -> str:
        return await sign_in.link(cmd.user.id, cmd.private, cmd.locale)

    application.add_handler(CommandHandler("desk", command(services, desk)))

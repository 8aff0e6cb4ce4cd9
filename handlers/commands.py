"""/start, /help, /bind and /join: parse, call one service, reply."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot import i18n
from bot.domain.errors import InvalidInput
from bot.domain.registry import Role
from bot.services.chats import role_names
from bot.services.container import Services
from handlers.command import Command, command
from handlers.probe import TelegramProbe


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    async def start(cmd: Command) -> str:
        locale = cmd.locale
        if not cmd.private:
            return i18n.t(locale, "help.group_hint")
        if cmd.arg() == "my" and services.tickets is not None:  # the link "我的工单" gives
            return await services.tickets.queries.my(cmd.user.id, locale)
        identity = await services.chats.identity(cmd.user.id)
        if not identity.people:
            return i18n.t(locale, "start.resident", bot=f"@{cmd.bot_username}")
        person = identity.people[0]
        community = await services.chats.community_name(person.community_id)
        key = "start.admin" if identity.is_(Role.ADMIN) else "start.staff"
        return i18n.t(
            locale,
            key,
            name=person.name,
            community=community,
            roles=role_names(locale, identity.roles),
        )

    async def bind(cmd: Command) -> str:
        if cmd.private:
            raise InvalidInput("bind.group_only")
        target = " ".join(cmd.args)
        if not target:
            raise InvalidInput("bind.usage")
        result = await services.chats.bind(
            cmd.chat.id, cmd.chat.title or "", cmd.user.id, target, cmd.update_id
        )
        return result.text

    async def join(cmd: Command) -> str:
        if not cmd.args:
            raise InvalidInput("join.usage")
        person, community = await services.chats.join(cmd.args[0], cmd.user.id, cmd.update_id)
        return i18n.t(
            cmd.locale,
            "join.ok",
            name=person.name,
            community=community,
            roles=role_names(cmd.locale, set(person.roles)),
        )

    probe = TelegramProbe(application.bot)

    async def status(cmd: Command) -> str:
        """The deployment doctor's report, for admins (the same as `loudao check`)."""
        identity = await services.chats.identity(cmd.user.id)
        if not identity.is_(Role.ADMIN) or services.doctor is None:
            raise InvalidInput("doctor.status_denied")
        report = await services.doctor.examine(probe)
        return report.render(cmd.locale)

    application.add_handler(CommandHandler(["start", "help"], command(services, start)))
    application.add_handler(
        CommandHandler("status", command(services, status, private_only="doctor.status_denied"))
    )
    application.add_handler(CommandHandler("bind", command(services, bind)))
    application.add_handler(
        CommandHandler("join", command(services, join, private_only="join.private_only"))
    )

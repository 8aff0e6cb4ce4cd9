"""/report /mine /my /ticket /audit /cancel /close /merge /unmerge /level /kind: parse, reply."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot import i18n
from bot.domain.errors import InvalidInput
from bot.services.container import Services
from bot.services.tickets.desk import TicketDesk
from handlers.command import Command, command


class _TicketCommands:
    """One method per command: read the words, call the desk, return the reply."""

    def __init__(self, tickets: TicketDesk, services: Services) -> None:
        self.tickets = tickets
        self.services = services

    async def report(self, cmd: Command) -> None:
        chat, user = cmd.chat, cmd.user
        await self.tickets.report.start(
            chat.id,
            cmd.private,
            user.id,
            user.full_name,
            cmd.message.message_id,
            cmd.update_id,
            cmd.thread_id,
        )

    async def mine(self, cmd: Command) -> str:
        if not cmd.private:
            return i18n.t(cmd.locale, "tickets.lists.private_only")
        return await self.tickets.queries.mine(cmd.user.id, cmd.locale)

    async def my(self, cmd: Command) -> str:
        if not cmd.private:
            return i18n.t(cmd.locale, "tickets.lists.private_only")
        return await self.tickets.queries.my(cmd.user.id, cmd.locale)

    async def ticket(self, cmd: Command) -> str:
        number = cmd.arg()
        if number is None:
            raise InvalidInput("tickets.command.ticket_usage")
        community = None
        if not cmd.private:
            info = await self.services.chats.chat(cmd.chat.id)
            community = info.community_id if info else None
        return await self.tickets.queries.show(
            cmd.user.id, number, cmd.private, community, cmd.locale
        )

    async def audit(self, cmd: Command) -> str:
        number = cmd.arg()
        if number is None:
            raise InvalidInput("audit.usage")
        return await self.tickets.audit.for_admin(cmd.user.id, number, cmd.locale)

    async def cancel(self, cmd: Command) -> str:
        if len(cmd.args) < 2:
            raise InvalidInput("tickets.command.cancel_usage")
        reason = " ".join(cmd.args[1:])
        return await self.tickets.commands.cancel(cmd.user.id, cmd.args[0], reason, cmd.update_id)

    async def close(self, cmd: Command) -> str:
        if len(cmd.args) < 2:
            raise InvalidInput("tickets.command.close_usage")
        reason = " ".join(cmd.args[1:])
        return await self.tickets.commands.close(cmd.user.id, cmd.args[0], reason, cmd.update_id)

    async def merge(self, cmd: Command) -> str:
        if len(cmd.args) != 2:
            raise InvalidInput("tickets.command.merge_usage")
        source, target = cmd.args
        return await self.tickets.commands.merge(cmd.user.id, source, target, cmd.update_id)

    async def unmerge(self, cmd: Command) -> str:
        if len(cmd.args) != 1:
            raise InvalidInput("tickets.command.unmerge_usage")
        return await self.tickets.commands.unmerge(cmd.user.id, cmd.args[0], cmd.update_id)

    async def correct(self, cmd: Command) -> str:
        if len(cmd.args) < 2:
            raise InvalidInput("tickets.fix.usage")
        return await self.tickets.corrections.correct(
            cmd.user.id, cmd.args[0], cmd.args[1:], cmd.update_id
        )


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    if services.tickets is None:
        return
    h = _TicketCommands(services.tickets, services)
    commands = {
        ("level", "kind"): h.correct,
        ("report",): h.report,
        ("mine",): h.mine,
        ("my",): h.my,
        ("ticket",): h.ticket,
        ("cancel",): h.cancel,
        ("close",): h.close,
        ("merge",): h.merge,
        ("unmerge",): h.unmerge,
    }
    for names, run in commands.items():
        application.add_handler(CommandHandler(list(names), command(services, run)))
    # the history names staff and what residents did: never shown in a group
    audit = command(services, h.audit, private_only="audit.private_only")
    application.add_handler(CommandHandler("audit", audit))

"""The knowledge base in chat: `/faq …` for admins and the suggestion buttons.

`/faq add|edit|del|show|list|gaps` work in a private chat for admins and supervisors.
Pressing a "您是想问：" button posts that entry's answer.

Questions reach the desk through the tickets intake handler, which owns every free-text
message and calls `FaqDesk.answer` (the `QuestionDesk` port).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.faq.admin import FaqAdmin
from bot.services.faq.desk import FaqDesk
from handlers.buttons import on_press
from handlers.command import Command, command
from handlers.incoming import topic_of

PtbApp = Application[Any, Any, Any, Any, Any, Any]
FAQ_COMMANDS = -1


def register(application: PtbApp, services: Services) -> None:
    desk, admin = services.faq, services.faq_admin
    if desk is None or admin is None:
        return
    _register_commands(application, services, admin)
    _register_buttons(application, services, desk)


def _register_commands(application: PtbApp, services: Services, admin: FaqAdmin) -> None:
    async def faq_command(cmd: Command) -> str:
        action, rest = _split_command(cmd.message.text or "")
        user, uid, locale = cmd.user.id, cmd.update_id, cmd.locale
        if action == "add":
            return await admin.add(user, rest, uid, locale)
        if action == "edit":
            return await admin.edit(user, rest, uid, locale)
        if action in ("del", "delete", "rm"):
            return await admin.delete(user, rest, uid, locale)
        if action == "show":
            return await admin.show(user, rest, locale)
        if action == "list":
            return await admin.listing(user, rest, locale)
        if action == "gaps":
            return await admin.gaps(user, locale)
        return await admin.usage(user, locale)

    # Group -1: before the report handler in group 0, which takes every group message; an
    # update still reaches group 0 afterwards.
    callback = command(services, faq_command, private_only="faq.private_only")
    application.add_handler(CommandHandler("faq", callback), group=FAQ_COMMANDS)


def _split_command(text: str) -> tuple[str, str]:
    """'/faq add x | y | z' → ('add', 'x | y | z'), keeping the answer's line breaks."""
    body = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    head, _, rest = body.lstrip().partition(" ")
    if "\n" in head:  # '/faq add\nx | …'
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    return head.lower(), rest.strip()


def _register_buttons(application: PtbApp, services: Services, desk: FaqDesk) -> None:
    async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat_id = message.chat.id if message is not None else pressed.presser_id
        locale = str(pressed.spec.payload.get("locale") or services.settings.locale)
        await desk.show(
            pressed.spec.community_id,
            str(pressed.spec.payload.get("entry_id", "")),
            chat_id,
            message.message_id if message is not None else None,
            update.update_id,
            locale,
            topic_of(message),
        )
        await query.answer()

    on_press(application, "faq.", show)

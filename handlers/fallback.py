"""Commands the bot does not have: in private (or named with our @name in a group) the person is
told so, with what the bot can do. Registered after every command, in the commands' group."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.services.container import Services
from handlers.incoming import locale_for
from handlers.tickets import parse

PtbApp = Application[Any, Any, Any, Any, Any, Any]


def known_commands(application: PtbApp) -> set[str]:
    """Every command some handler of any group takes (/faq is taken before the others)."""
    return {
        name.lower()
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }


def command_of(text: str) -> tuple[str, str | None]:
    """Split a command: "/foo@some_bot args" → ("foo", "some_bot"); "/foo" → ("foo", None)."""
    word = text.split(maxsplit=1)[0].removeprefix("/")
    name, _, bot = word.partition("@")
    return name.lower(), (bot.lower() or None)


def register(application: PtbApp, services: Services) -> None:
    tickets = services.tickets
    if tickets is None:
        return

    async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        name, bot = command_of(message.text)
        me = (context.bot.username or "").lower()
        if name in known_commands(application) or (bot is not None and bot != me):
            return
        if chat.type != "private" and bot is None:
            return  # "/foo" in a group may be another bot's: only "/foo@loudao_bot" is ours
        incoming = parse(update, context.bot.username)
        if incoming is None:
            return
        await tickets.intake.answers.unknown_command(
            incoming, locale_for(update, services.settings.locale)
        )
        services.wake_sender()

    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, unknown))

"""/report, /mine, /my, /ticket, /cancel, /merge, /unmerge, /level, /kind: parse, call, reply."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import i18n
from bot.domain.errors import InvalidInput
from bot.services.container import Services
from bot.services.tickets.desk import TicketDesk
from handlers.incoming import locale_for


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk = services.tickets
    if desk is None:
        return
    tickets: TicketDesk = desk
    default = services.settings.locale

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = (
            update.effective_message,
            update.effective_user,
            update.effective_chat,
        )
        if message is None or user is None or chat is None:
            return
        await tickets.report.start(
            chat.id,
            chat.type == "private",
            user.id,
            user.full_name,
            message.message_id,
            update.update_id,
        )
        services.wake_sender()

    async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _private_list(update, "mine")

    async def my(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _private_list(update, "my")

    async def _private_list(update: Update, which: str) -> None:
        message, user, chat = (
            update.effective_message,
            update.effective_user,
            update.effective_chat,
        )
        if message is None or user is None or chat is None:
            return
        locale = locale_for(update, default)
        if chat.type != "private":
            text = i18n.t(locale, "tickets.lists.private_only")
        elif which == "mine":
            text = await tickets.queries.mine(user.id, locale)
        else:
            text = await tickets.queries.my(user.id, locale)
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = (
            update.effective_message,
            update.effective_user,
            update.effective_chat,
        )
        if message is None or user is None or chat is None:
            return
        if not context.args:
            raise InvalidInput("tickets.command.ticket_usage")
        private = chat.type == "private"
        community = None
        if not private:
            info = await services.chats.chat(chat.id)
            community = info.community_id if info else None
        text = await tickets.queries.show(
            user.id, context.args[0], private, community, locale_for(update, default)
        )
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = context.args or []
        if len(args) < 2:
            raise InvalidInput("tickets.command.cancel_usage")
        text = await tickets.commands.cancel(
            user.id, args[0], " ".join(args[1:]), update.update_id
        )
        services.wake_sender()
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def merge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = context.args or []
        if len(args) != 2:
            raise InvalidInput("tickets.command.merge_usage")
        text = await tickets.commands.merge(user.id, args[0], args[1], update.update_id)
        services.wake_sender()
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def unmerge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = context.args or []
        if len(args) != 1:
            raise InvalidInput("tickets.command.unmerge_usage")
        text = await tickets.commands.unmerge(user.id, args[0], update.update_id)
        services.wake_sender()
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def correct(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = context.args or []
        if len(args) < 2:
            raise InvalidInput("tickets.fix.usage")
        text = await tickets.corrections.correct(user.id, args[0], args[1:], update.update_id)
        services.wake_sender()
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    application.add_handler(CommandHandler(["level", "kind"], correct))
    application.add_handler(CommandHandler("report", report))
    application.add_handler(CommandHandler("mine", mine))
    application.add_handler(CommandHandler("my", my))
    application.add_handler(CommandHandler("ticket", ticket))
    application.add_handler(CommandHandler("cancel", cancel))
    application.add_handler(CommandHandler("merge", merge))
    application.add_handler(CommandHandler("unmerge", unmerge))

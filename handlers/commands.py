"""/start, /help, /bind and /join: parse, call one service, reply."""

from __future__ import annotations

from typing import Any

from telegram import Chat, Message, Update, User
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import i18n
from bot.domain.errors import InvalidInput
from bot.domain.registry import Role
from bot.services.chats import role_names
from bot.services.container import Services
from handlers.incoming import locale_for


def _parts(update: Update) -> tuple[Message, User, Chat] | None:
    """The message, its sender and its chat, when the update has all three."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return None
    return message, user, chat


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    default = services.settings.locale

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        parts = _parts(update)
        if parts is None:
            return
        message, user, chat = parts
        locale = locale_for(update, default)
        if chat.type != "private":
            await message.reply_text(i18n.t(locale, "help.group_hint"), parse_mode=ParseMode.HTML)
            return
        identity = await services.chats.identity(user.id)
        bot_name = f"@{context.bot.username}"
        if not identity.people:
            text = i18n.t(locale, "start.resident", bot=bot_name)
        else:
            person = identity.people[0]
            community = await services.chats.community_name(person.community_id)
            key = "start.admin" if identity.is_(Role.ADMIN) else "start.staff"
            text = i18n.t(
                locale,
                key,
                name=person.name,
                community=community,
                roles=role_names(locale, identity.roles),
            )
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        parts = _parts(update)
        if parts is None:
            return
        message, user, chat = parts
        if chat.type == "private":
            raise InvalidInput("bind.group_only")
        target = " ".join(context.args or [])
        if not target:
            raise InvalidInput("bind.usage")
        result = await services.chats.bind(
            chat.id, chat.title or "", user.id, target, update.update_id
        )
        await message.reply_text(result.text, parse_mode=ParseMode.HTML)

    async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        parts = _parts(update)
        if parts is None:
            return
        message, user, chat = parts
        locale = locale_for(update, default)
        if chat.type != "private":
            raise InvalidInput("join.private_only")
        if not context.args:
            raise InvalidInput("join.usage")
        person, community = await services.chats.join(context.args[0], user.id, update.update_id)
        text = i18n.t(
            locale,
            "join.ok",
            name=person.name,
            community=community,
            roles=role_names(locale, set(person.roles)),
        )
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    application.add_handler(CommandHandler(["start", "help"], start))
    application.add_handler(CommandHandler("bind", bind))
    application.add_handler(CommandHandler("join", join))

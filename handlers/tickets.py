"""Ordinary messages and ticket buttons: parse them, hand them to the ticket desk.

The one handler for non-command text and photo messages, in groups and in private chats.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.tickets.desk import TicketDesk
from bot.services.tickets.dto import Origin, Replied, TicketMessage
from handlers.buttons import on_press
from handlers.incoming import opens_its_topic, sender, sender_of, strip_mention, topic_of

OBSERVE_GROUP = -90  # after the gate (-100): remember who writes with which @username


def _entities(message: Message) -> dict[MessageEntity, str]:
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    return message.parse_entities(kinds) or message.parse_caption_entities(kinds)


def parse(update: Update, bot_username: str) -> TicketMessage | None:
    """Describe a new text or photo message for the ticket desk; None for anything else."""
    message, user, chat = update.message, sender(update), update.effective_chat
    if message is None or user is None or chat is None:
        return None
    entities = _entities(message)
    names = [v.lstrip("@").lower() for e, v in entities.items() if e.type == MessageEntity.MENTION]
    ids = tuple(e.user.id for e in entities if e.type == MessageEntity.TEXT_MENTION and e.user)
    me = bot_username.lower()
    reply = None
    r = message.reply_to_message
    if r is not None and not opens_its_topic(message, r):
        author = sender_of(r)
        reply = Replied(
            message_id=r.message_id,
            user_id=author.id if author else None,
            user_name=author.full_name if author else "",
            is_bot=bool(author and author.is_bot),
            text=strip_mention(r.text or r.caption or "", bot_username),
            photo_file_id=r.photo[-1].file_id if r.photo else None,
        )
    return TicketMessage(
        update_id=update.update_id,
        chat_id=chat.id,
        private=chat.type == "private",
        message_id=message.message_id,
        user_id=user.id,
        user_name=user.full_name,
        username=user.username,
        text=strip_mention(message.text or message.caption or "", bot_username),
        photo_file_id=message.photo[-1].file_id if message.photo else None,
        mentions_bot=me in names,
        bot_username=bot_username,
        mentioned_user_ids=ids,
        mentioned_usernames=tuple(n for n in names if n != me),
        reply=reply,
        thread_id=topic_of(message),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk = services.tickets
    if desk is None:
        return
    tickets: TicketDesk = desk

    async def observe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = sender(update)
        if user is not None and not user.is_bot and user.id > 0:  # a person's @username
            await tickets.intake.remember(user.id, user.username)

    async def message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = parse(update, context.bot.username)
        if incoming is None or incoming.user_id == context.bot.id:
            return
        await tickets.on_message(incoming)
        services.wake_sender()
        raise ApplicationHandlerStop  # the one intake: no later handler group sees it again

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        message = query.message
        origin = Origin(message.chat.id, message.message_id, update.update_id, topic_of(message))
        answer = await tickets.on_press(press, origin)
        await query.answer(answer[:200] or None)

    application.add_handler(TypeHandler(Update, observe), group=OBSERVE_GROUP)
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE
            & (filters.TEXT | filters.PHOTO | filters.CAPTION)
            & ~filters.COMMAND,
            message,
        )
    )
    on_press(application, "ticket.", pressed)

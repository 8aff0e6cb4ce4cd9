"""/duty /roster /cover /swap /leave /workday, the page's 接单, the follow-up button and note."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.duty.desk import DutyDesk
from bot.services.escalation.desk import EscalationDesk, FollowUpNote
from bot.services.tickets.dto import Origin
from handlers.buttons import on_press
from handlers.incoming import locale_for

NOTE_GROUP = -5  # before ticket intake (0): a reply to the follow-up prompt is its note


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    if services.duty is None or services.escalation is None:
        return
    desk: DutyDesk = services.duty
    escalation: EscalationDesk = services.escalation
    default = services.settings.locale

    async def duty(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        chat = update.effective_chat
        if message is None or user is None or chat is None:
            return
        arg = context.args[0] if context.args else None
        text = await desk.on_duty(chat.id, chat.type == "private", user.id, arg)
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def private_only(update: Update) -> bool:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return False
        if chat.type != "private":
            locale = locale_for(update, default)
            await message.reply_text(i18n.t(locale, "duty.error.private_only"))
            return False
        return True

    async def roster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not await private_only(update):
            return
        text = await desk.roster(user.id, context.args[0] if context.args else None)
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    def roster_change(
        change: Callable[[int, Sequence[str], int], Awaitable[str]],
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
        """/cover, /swap and /leave: private only; the people concerned are told by the outbox."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message, user = update.effective_message, update.effective_user
            if message is None or user is None or not await private_only(update):
                return
            text = await change(user.id, context.args or [], update.update_id)
            services.wake_sender()
            await message.reply_text(text, parse_mode=ParseMode.HTML)

        return handle

    async def workday(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not await private_only(update):
            return
        text = await desk.workday(user.id, context.args or [])
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.message, update.effective_user, update.effective_chat
        if message is None or user is None or chat is None or message.reply_to_message is None:
            return
        handled = await escalation.followup_note(
            FollowUpNote(
                update_id=update.update_id,
                chat_id=chat.id,
                user_id=user.id,
                message_id=message.message_id,
                reply_to_message_id=message.reply_to_message.message_id,
                text=message.text or message.caption or "",
            )
        )
        if handled:
            services.wake_sender()
            raise ApplicationHandlerStop

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        origin = Origin(query.message.chat.id, query.message.message_id, update.update_id)
        if press.spec.kind == "duty.take":
            answer = await escalation.take(press, origin)
        else:
            answer = await escalation.followup_done(press, origin)
        await query.answer(answer[:200] or None)

    application.add_handler(CommandHandler("duty", duty))
    application.add_handler(CommandHandler("roster", roster))
    application.add_handler(CommandHandler("cover", roster_change(desk.cover)))
    application.add_handler(CommandHandler("swap", roster_change(desk.swap)))
    application.add_handler(CommandHandler("leave", roster_change(desk.leave)))
    application.add_handler(CommandHandler("workday", workday))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND, note
        ),
        group=NOTE_GROUP,
    )
    on_press(application, "duty.", pressed)

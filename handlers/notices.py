"""/notice (guided flow), /notices (list with buttons) and /outage: parse, call, done.

Replies are queued in the outbox by the services; these handlers only route updates.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.domain.errors import LoudaoError
from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.notices.admin import MANAGE, NoticeDesk
from bot.services.notices.flow import FLOW, NoticeFlow
from handlers.buttons import on_press
from handlers.command import Command, command
from handlers.errors import answer
from handlers.incoming import locale_for, sender

# Typed answers to the /notice flow are looked at before other private-message handlers.
FLOW_TEXT_GROUP = -10


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    notices = services.notices
    if notices is None:
        return
    desk = NoticeDesk(notices)
    flow = NoticeFlow(notices)

    async def notice(cmd: Command) -> None:
        await flow.start(cmd.user.id, cmd.update_id)

    async def notices_list(cmd: Command) -> None:
        await desk.list_notices(cmd.user.id, cmd.update_id)

    async def outage(cmd: Command) -> None:
        await desk.outage(cmd.user.id, cmd.message.text or "", cmd.update_id)

    async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, sender(update)
        if message is None or user is None or not message.text:
            return
        try:
            handled = await flow.text(user.id, message.text, update.update_id)
        except LoudaoError as exc:
            locale = locale_for(update, services.settings.locale)
            await answer(services, update, i18n.t(locale, exc.key, **exc.params))
            raise ApplicationHandlerStop from None
        if handled:
            services.wake_sender()
            raise ApplicationHandlerStop

    async def pressed_flow(
        update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed
    ) -> None:
        query = update.callback_query
        assert query is not None
        message_id = query.message.message_id if query.message is not None else None
        answer = await flow.press(pressed, message_id, update.update_id)
        with contextlib.suppress(TelegramError):
            await query.answer(answer)

    async def pressed_manage(
        update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed
    ) -> None:
        query = update.callback_query
        assert query is not None
        chat_id = query.message.chat.id if query.message is not None else pressed.presser_id
        message_id = query.message.message_id if query.message is not None else None
        answer = await desk.manage(pressed, chat_id, message_id, update.update_id)
        with contextlib.suppress(TelegramError):
            await query.answer(answer)

    for name, run in {"notice": notice, "notices": notices_list, "outage": outage}.items():
        callback = command(services, run, private_only="notice.private_only")
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed),
        group=FLOW_TEXT_GROUP,
    )
    on_press(application, FLOW, pressed_flow)
    on_press(application, MANAGE, pressed_manage)

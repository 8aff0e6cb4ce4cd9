"""/duty /roster /cover /swap /leave /workday, the page's 接单, the follow-up button and note."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.duty.desk import DutyDesk
from bot.services.escalation.desk import EscalationDesk, FollowUpNote
from bot.services.tickets.dto import Origin
from handlers.buttons import on_press
from handlers.command import Command, command
from handlers.incoming import sender

NOTE_GROUP = -5  # before ticket intake (0): a reply to the follow-up prompt is its note


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    if services.duty is None or services.escalation is None:
        return
    desk: DutyDesk = services.duty
    escalation: EscalationDesk = services.escalation

    async def duty(cmd: Command) -> str:
        return await desk.on_duty(cmd.chat.id, cmd.private, cmd.user.id, cmd.arg())

    async def roster(cmd: Command) -> str:
        return await desk.roster(cmd.user.id, cmd.arg())

    def roster_change(
        change: Callable[[int, Sequence[str], int], Awaitable[str]],
    ) -> Callable[[Command], Awaitable[str]]:
        """/cover, /swap and /leave; the people concerned are told by the outbox."""

        async def run(cmd: Command) -> str:
            return await change(cmd.user.id, cmd.args, cmd.update_id)

        return run

    async def workday(cmd: Command) -> str:
        return await desk.workday(cmd.user.id, cmd.args)

    async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.message, sender(update), update.effective_chat
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

    application.add_handler(CommandHandler("duty", command(services, duty)))
    private = {
        "roster": roster,
        "cover": roster_change(desk.cover),
        "swap": roster_change(desk.swap),
        "leave": roster_change(desk.leave),
        "workday": workday,
    }
    for name, run in private.items():
        callback = command(services, run, private_only="duty.error.private_only")
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND, note
        ),
        group=NOTE_GROUP,
    )
    on_press(application, "duty.", pressed)

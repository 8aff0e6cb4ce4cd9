"""/points, /award and the approvers' 「同意」「不同意」: volunteer points, in private chats only
(a group never hears whose points these are)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.points.desk import DECIDE, AwardAsk
from handlers.buttons import on_press
from handlers.command import Command, command


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk = services.points
    if desk is None:
        return

    async def points(cmd: Command) -> str:
        return await desk.mine(cmd.user.id, cmd.locale)

    async def award(cmd: Command) -> str:
        return await desk.propose(AwardAsk(cmd.user.id, tuple(cmd.args), cmd.update_id))

    private = "points.private_only"
    application.add_handler(
        CommandHandler("points", command(services, points, private_only=private))
    )
    application.add_handler(
        CommandHandler("award", command(services, award, private_only=private))
    )

    async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        payload = press.spec.payload
        text = await desk.decide(
            press.presser_id, int(payload["proposal"]), bool(payload["accept"])
        )
        await services.replies.reply(press.presser_id, text, update.update_id, kind="points")
        await query.answer(text)

    on_press(application, DECIDE, pressed)

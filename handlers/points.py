"""/points, /award, /shop, /redeem and their buttons (the approvers' 「同意」「不同意」, a
resident's 「兑换」, staff's 「已发放」): volunteer points, in private chats only (a group never
hears whose points these are)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.points.desk import DECIDE, AwardAsk
from bot.services.points.shop import HAND_OUT, REDEEM
from handlers.buttons import on_press
from handlers.command import Command, command


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk, shop = services.points, services.shop
    if desk is None or shop is None:
        return

    async def points(cmd: Command) -> str:
        return await desk.mine(cmd.user.id, cmd.locale)

    async def award(cmd: Command) -> str:
        return await desk.propose(AwardAsk(cmd.user.id, tuple(cmd.args), cmd.update_id))

    async def shelf(cmd: Command) -> str:
        if cmd.args[:1] == ["add"]:
            return await shop.add(cmd.user.id, tuple(cmd.args[1:]))
        return await shop.shelf(cmd.user.id, cmd.update_id)

    async def redeem(cmd: Command) -> str:
        if len(cmd.args) != 1:
            return await shop.check(cmd.user.id, "", cmd.update_id)
        return await shop.check(cmd.user.id, cmd.args[0], cmd.update_id)

    private = "points.private_only"
    for name, run in (("shop", shelf), ("redeem", redeem)):
        application.add_handler(CommandHandler(name, command(services, run, private_only=private)))
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

    async def redeemed(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        text = await shop.redeem(press.presser_id, int(press.spec.payload["item"]))
        await services.replies.reply(press.presser_id, text, update.update_id, kind="redeem")
        await query.answer()

    async def handed(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        text = await shop.hand_out(press.presser_id, str(press.spec.payload["code"]))
        await services.replies.reply(press.presser_id, text, update.update_id, kind="hand_out")
        await query.answer(text)

    on_press(application, REDEEM, redeemed)
    on_press(application, HAND_OUT, handed)

"""/points, /award, /shop, /redeem and their buttons (the approvers' 「同意」「不同意」, a
resident's 「兑换」, staff's 「已发放」): volunteer points, in private chats only (a group never
hears whose points these are)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.points.activities import ATTEND, JOIN, ActivityDesk
from bot.services.points.desk import DECIDE, AwardAsk
from bot.services.points.shop import HAND_OUT, REDEEM, ShopDesk
from handlers.buttons import on_press
from handlers.command import Command, command

PRIVATE = "points.private_only"


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    desk, shop = services.points, services.shop
    if desk is None or shop is None:
        return

    async def points(cmd: Command) -> str:
        if cmd.args[:1] == ["name"]:
            words = tuple(cmd.args[1:])
            return await desk.naming(cmd.user.id, words, cmd.user.first_name, cmd.locale)
        return await desk.mine(cmd.user.id, cmd.locale)

    async def award(cmd: Command) -> str:
        return await desk.propose(AwardAsk(cmd.user.id, tuple(cmd.args), cmd.update_id))

    async def correct(cmd: Command) -> str:
        return await desk.correct(AwardAsk(cmd.user.id, tuple(cmd.args), cmd.update_id))

    for name, run in (("points", points), ("award", award), ("correct", correct)):
        application.add_handler(CommandHandler(name, command(services, run, private_only=PRIVATE)))

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
    _register_shop(application, services, shop)
    if services.activities is not None:
        _register_activities(application, services, services.activities)


def _register_shop(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services, shop: ShopDesk
) -> None:
    async def shelf(cmd: Command) -> str:
        if cmd.args[:1] == ["add"]:
            return await shop.add(cmd.user.id, tuple(cmd.args[1:]))
        return await shop.shelf(cmd.user.id, cmd.update_id)

    async def redeem(cmd: Command) -> str:
        code = cmd.args[0] if len(cmd.args) == 1 else ""
        return await shop.check(cmd.user.id, code, cmd.update_id)

    for name, run in (("shop", shelf), ("redeem", redeem)):
        application.add_handler(CommandHandler(name, command(services, run, private_only=PRIVATE)))

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


def _register_activities(
    application: Application[Any, Any, Any, Any, Any, Any],
    services: Services,
    desk: ActivityDesk,
) -> None:
    async def activity(cmd: Command) -> str:
        return await desk.command(cmd.user.id, _rest(cmd.message.text or ""), cmd.update_id)

    application.add_handler(
        CommandHandler("activity", command(services, activity, private_only=PRIVATE))
    )

    async def joined(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        text = await desk.join(press.presser_id, int(press.spec.payload["activity"]))
        await query.answer(text, show_alert=True)  # in the group: only the presser sees it

    async def came(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        payload = press.spec.payload
        text = await desk.attend(press.presser_id, int(payload["activity"]), int(payload["who"]))
        await services.replies.reply(press.presser_id, text, update.update_id, kind="attend")
        await query.answer(text)

    on_press(application, JOIN, joined)
    on_press(application, ATTEND, came)


def _rest(text: str) -> str:
    """The words after the command, line breaks kept."""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""

"""/household, /consult, /vote, /paper, the ballot buttons and the care list's 「已联系」: the
register, consultations and check-on calls, in private chats only (a group never hears a
household)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.households.care import CONTACTED
from bot.services.households.consult import VOTE, ConsultAsk
from bot.services.households.register import HouseholdAsk
from handlers.buttons import on_press
from handlers.command import Command, command


def _rest(text: str) -> str:
    """The words after the command, line breaks kept."""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    register_desk, desk = services.households, services.consultations
    if register_desk is None or desk is None:
        return

    async def household(cmd: Command) -> str:
        return await register_desk.household(
            HouseholdAsk(cmd.user.id, cmd.private, tuple(cmd.args), cmd.locale, cmd.update_id)
        )

    async def consult(cmd: Command) -> str:
        return await desk.open(
            ConsultAsk(
                cmd.user.id, cmd.private, _rest(cmd.message.text or ""), cmd.locale,
                cmd.update_id,
            )
        )  # fmt: skip

    async def vote(cmd: Command) -> str:
        return await desk.ballots_for(cmd.user.id, cmd.locale, cmd.update_id)

    async def paper(cmd: Command) -> str:
        return await desk.paper(cmd.user.id, cmd.args, cmd.locale, cmd.update_id)

    private = "households.private_only"
    application.add_handler(CommandHandler("household", command(services, household)))
    application.add_handler(CommandHandler("consult", command(services, consult)))
    application.add_handler(CommandHandler("vote", command(services, vote, private_only=private)))
    application.add_handler(
        CommandHandler("paper", command(services, paper, private_only=private))
    )

    async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        payload = press.spec.payload
        text = await desk.vote(
            press.presser_id, int(payload["consultation"]), int(payload["option"]),
            update.update_id,
        )  # fmt: skip
        await services.replies.reply(press.presser_id, text, update.update_id, kind="vote")
        await query.answer(text)

    on_press(application, VOTE, pressed)
    care = services.care
    if care is None:
        return

    async def reached(update: Update, _: ContextTypes.DEFAULT_TYPE, press: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        payload = press.spec.payload
        text = await care.contacted(
            press.presser_id, int(payload["round"]), int(payload["household"])
        )
        await services.replies.reply(press.presser_id, text, update.update_id, kind="care")
        await query.answer(text)

    on_press(application, CONTACTED, reached)

"""One callback handler for every inline button: check the presser, then run the action's kind.

Feature modules call `on_press(application, "kind.prefix", action)`; the action receives the
Update, the context and the checked `Pressed` record. Refusals are answered politely by the
error handler (a short alert), and nothing changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.services.buttons import ButtonExpired, Buttons, Pressed
from bot.services.container import Services

Action = Callable[[Update, ContextTypes.DEFAULT_TYPE, Pressed], Awaitable[None]]
_ACTIONS = "loudao_button_actions"


def on_press(
    application: Application[Any, Any, Any, Any, Any, Any], kind_prefix: str, action: Action
) -> None:
    """Run `action` for pressed buttons whose kind starts with `kind_prefix`."""
    actions: dict[str, Action] = application.bot_data.setdefault(_ACTIONS, {})
    actions[kind_prefix] = action


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    buttons = Buttons(services.uow, services.clock)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.from_user is None:
            return
        presser, chat = query.from_user.id, query.message.chat.id if query.message else None

        async def is_group_admin() -> bool:
            assert chat is not None
            try:
                member = await context.bot.get_chat_member(chat, presser)
            except TelegramError:
                return False  # cannot tell: the button is not theirs
            return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)

        press = await buttons.press(query.data or "", presser, chat, is_group_admin)
        actions: dict[str, Action] = context.bot_data.get(_ACTIONS, {})
        match = max((k for k in actions if press.spec.kind.startswith(k)), key=len, default=None)
        if match is None:
            raise ButtonExpired()
        await actions[match](update, context, press)
        services.wake_sender()

    application.add_handler(CallbackQueryHandler(pressed))

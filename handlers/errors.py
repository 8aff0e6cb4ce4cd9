"""The one error handler: a polite reply for refusals, a logged traceback for the rest."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot import i18n
from bot.domain.errors import LoudaoError
from bot.domain.message_parts import shorten
from bot.services.container import Services
from handlers.incoming import area_of, locale_for, topic_of

log = logging.getLogger(__name__)


def register(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if not isinstance(update, Update):
            log.error("error outside an update", exc_info=error)
            return
        locale = locale_for(update, services.settings.locale)
        refused = isinstance(error, LoudaoError)
        if isinstance(error, LoudaoError):
            text = i18n.t(locale, error.key, **error.params)
            log.info(
                "refused update %s: %s",
                update.update_id,
                error.key,
                extra={"update_id": update.update_id, "key": error.key},
            )
        else:
            # Log the update id only: message texts may hold room or phone numbers.
            log.error(
                "update %s failed",
                update.update_id,
                exc_info=error,
                extra={"update_id": update.update_id},
            )
            text = i18n.t(locale, "error.generic")
            if services.inbox is not None:  # it is tried again: the resident need not resend
                services.inbox.handler_failed(update.update_id, type(error).__name__)
                text = i18n.t(locale, "error.retrying")
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(_plain(text), show_alert=True)
        elif update.effective_message is not None:
            # an apology once per update, however many attempts fail
            await answer(services, update, text, "reply" if refused else "apology")
        if services.alerts is not None and not isinstance(error, LoudaoError):
            # after the reply: the person waiting first; the admins hear when it keeps failing
            await services.alerts.update_failed(
                update.update_id, area_of(update), type(error).__name__
            )

    application.add_error_handler(on_error)


def _plain(text: str) -> str:
    """Callback answers are plain text of at most 200 characters."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))[:200]


async def answer(services: Services, update: Update, text: str, kind: str = "reply") -> None:
    """Reply through the outbox; if even that fails (the database is down), reply directly."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    try:
        await services.replies.reply(
            chat.id, text, update.update_id, message.message_id, topic_of(message), kind
        )
        services.wake_sender()
    except Exception as exc:
        why = type(exc).__name__  # its text may hold the statement's values
        log.warning(
            "reply to update %s not queued (%s); sent directly",
            update.update_id,
            why,
            extra={"update_id": update.update_id, "chat_id": chat.id},
        )
        with contextlib.suppress(TelegramError):
            await message.reply_text(shorten(text), parse_mode=ParseMode.HTML)

"""Deliver outbox items through PTB's Bot, translating Telegram errors into delivery outcomes."""

from __future__ import annotations

from typing import Any

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, error
from telegram.constants import ParseMode

from bot.services.ports import (
    ChatMigrated,
    ChatUnavailable,
    OutcomeUnknown,
    PermanentFailure,
    RetryLater,
    TopicClosed,
    TransientFailure,
    Upload,
)


def keyboard(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    """Build inline buttons from plain rows of {"text", "callback_data"}."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in rows
        ]
    )


# The request was written and no answer came: Telegram may have acted on it. Not these: a
# connection that could not be made, or a pool with no free connection (nothing was sent).
_NO_ANSWER = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError)


def _may_have_arrived(exc: error.TelegramError) -> bool:
    """Whether a network error came after the request was (perhaps) delivered to Telegram."""
    return isinstance(exc.__cause__, _NO_ANSWER)


def _file(value: Upload | str) -> InputFile | str:
    """An upload made at send time, or a file_id Telegram gave us before."""
    if isinstance(value, Upload):
        return InputFile(value.data, filename=value.filename)
    return value


def _caption(payload: dict[str, Any]) -> str | None:
    """A file's caption (rows queued before files had their own key kept it under "text")."""
    caption = payload.get("caption", payload.get("text"))
    return str(caption) if caption else None


class TelegramGateway:
    """The outbox sender's only way out to Telegram."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        try:
            return await self._call(chat_id, method, payload)
        except error.RetryAfter as exc:
            delay = exc.retry_after
            raise RetryLater(
                delay if isinstance(delay, int | float) else delay.total_seconds()
            ) from exc
        except error.ChatMigrated as exc:  # the group became a supergroup: a new chat id
            raise ChatMigrated(exc.new_chat_id) from exc
        except error.Forbidden as exc:
            raise ChatUnavailable(exc.message) from exc
        except error.BadRequest as exc:
            if "message is not modified" in exc.message.lower():
                return None  # an edit that changes nothing is a success
            if "chat not found" in exc.message.lower():
                raise ChatUnavailable(exc.message) from exc
            if "topic_closed" in exc.message.lower():
                raise TopicClosed(exc.message) from exc
            raise PermanentFailure(exc.message) from exc
        except (error.TimedOut, error.NetworkError) as exc:
            if "request entity too large" in exc.message.lower():
                raise PermanentFailure(exc.message) from exc  # a 413: the file is too big
            if _may_have_arrived(exc):
                raise OutcomeUnknown(type(exc.__cause__).__name__) from exc
            raise TransientFailure(str(exc)) from exc
        except error.TelegramError as exc:
            raise TransientFailure(str(exc)) from exc

    async def _call(self, chat_id: int, method: str, p: dict[str, Any]) -> int | None:
        markup = keyboard(p.get("buttons"))
        parse_mode = p.get("parse_mode", ParseMode.HTML)
        if method == "send_message":
            msg: Message | bool = await self.bot.send_message(
                chat_id,
                p["text"],
                parse_mode=parse_mode,
                reply_markup=markup,
                reply_to_message_id=p.get("reply_to_message_id"),
                allow_sending_without_reply=True,
                message_thread_id=p.get("message_thread_id"),  # the forum topic, None: General
                disable_notification=p.get("silent", False),
                disable_web_page_preview=True,
            )
        elif method == "send_photo":
            msg = await self.bot.send_photo(
                chat_id,
                _file(p["photo"]),
                caption=_caption(p),
                parse_mode=parse_mode,
                reply_markup=markup,
                reply_to_message_id=p.get("reply_to_message_id"),
                allow_sending_without_reply=True,
                message_thread_id=p.get("message_thread_id"),
            )
        elif method == "send_document":
            msg = await self.bot.send_document(
                chat_id,
                _file(p["document"]),
                caption=_caption(p),
                parse_mode=parse_mode,
                reply_markup=markup,
                reply_to_message_id=p.get("reply_to_message_id"),
                allow_sending_without_reply=True,
                message_thread_id=p.get("message_thread_id"),
                disable_notification=p.get("silent", False),
            )
        elif method == "edit_text":
            msg = await self.bot.edit_message_text(
                p["text"],
                chat_id=chat_id,
                message_id=p["message_id"],
                parse_mode=parse_mode,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        elif method == "edit_buttons":
            msg = await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=p["message_id"], reply_markup=markup
            )
        elif method == "pin":
            await self.bot.pin_chat_message(chat_id, p["message_id"], disable_notification=True)
            return p["message_id"]  # type: ignore[no-any-return]
        elif method == "delete":
            await self.bot.delete_message(chat_id, p["message_id"])
            return None
        else:
            raise PermanentFailure(f"unknown outbox method {method!r}")
        return msg.message_id if isinstance(msg, Message) else None

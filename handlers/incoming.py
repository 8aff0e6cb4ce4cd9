"""Parse a PTB Update into a plain, typed description of what a person did."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageEntity, Update

from bot import i18n


@dataclass(frozen=True)
class Incoming:
    update_id: int
    chat_id: int
    chat_type: str  # private|group|supergroup
    chat_title: str
    user_id: int
    language: str
    text: str
    message_id: int
    mentions_bot: bool
    mentioned_usernames: tuple[str, ...]
    reply_to_message_id: int | None
    reply_to_user_id: int | None
    photo_file_id: str | None

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"


def _mentions(message: Message) -> tuple[str, ...]:
    entities = message.parse_entities([MessageEntity.MENTION]) or message.parse_caption_entities(
        [MessageEntity.MENTION]
    )
    return tuple(value.lstrip("@").lower() for value in entities.values())


def parse_message(update: Update, bot_username: str, default_locale: str) -> Incoming | None:
    """Describe a new text or photo message; None for anything else."""
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if message is None or user is None or chat is None or update.message is None:
        return None
    text = message.text or message.caption or ""
    mentioned = _mentions(message)
    reply = message.reply_to_message
    return Incoming(
        update_id=update.update_id,
        chat_id=chat.id,
        chat_type=chat.type,
        chat_title=chat.title or "",
        user_id=user.id,
        language=i18n.pick_locale(user.language_code, default_locale),
        text=text,
        message_id=message.message_id,
        mentions_bot=bot_username.lower() in mentioned,
        mentioned_usernames=mentioned,
        reply_to_message_id=reply.message_id if reply else None,
        reply_to_user_id=reply.from_user.id if reply and reply.from_user else None,
        photo_file_id=message.photo[-1].file_id if message.photo else None,
    )


def strip_mention(text: str, bot_username: str) -> str:
    """Remove '@bot' from the text so the rest can be understood."""
    out = text.replace(f"@{bot_username}", " ")
    lower = bot_username.lower()
    if lower != bot_username:
        out = out.replace(f"@{lower}", " ")
    return " ".join(out.split())


def locale_for(update: Update, default_locale: str) -> str:
    """Private replies follow the user's language; group replies the community's."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is not None and chat.type != "private":
        return default_locale
    return i18n.pick_locale(user.language_code if user else None, default_locale)

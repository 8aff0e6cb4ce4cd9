"""Small readings of a PTB Update shared by the handlers: the text without @bot, the locale."""

from __future__ import annotations

from telegram import Chat, Message, Update, User

from bot import i18n
from bot.domain.intake.language import written_in


def strip_mention(text: str, bot_username: str) -> str:
    """Remove '@bot' from the text so the rest can be understood."""
    out = text.replace(f"@{bot_username}", " ")
    lower = bot_username.lower()
    if lower != bot_username:
        out = out.replace(f"@{lower}", " ")
    return " ".join(out.split())


def sender(update: Update) -> User | None:
    """Who wrote a message: its user – or, for a message sent on behalf of a chat, that chat.

    An anonymous admin writes as the group and a channel as itself: Telegram then puts one
    stand-in account in `from` for all of them (GroupAnonymousBot 1087968824, Telegram
    777000, Channel_Bot 136817688) and the real sender in `sender_chat`. The chat's id (a
    negative number, no person's) is who acted: an anonymous admin of one group is never
    taken for one of another, and no person's rights or tickets are theirs. Button presses
    always come from the person (callback queries carry no sender_chat)."""
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return as_user(message.sender_chat)
    return update.effective_user


def sender_of(message: Message) -> User | None:
    """Who wrote `message` (a replied-to message, say): as `sender` does for an update."""
    if message.sender_chat is not None:
        return as_user(message.sender_chat)
    return message.from_user


def as_user(chat: Chat) -> User:
    """The chat a message was sent on behalf of, in the shape of its sender."""
    return User(chat.id, chat.title or chat.full_name or "", False, username=chat.username)


def area_of(update: Update) -> str:
    """What kind of update this is, as alerts name it: update.group, update.button ..."""
    if update.callback_query is not None:
        return "update.button"
    if update.my_chat_member is not None or update.chat_member is not None:
        return "update.member"
    chat = update.effective_chat
    if update.effective_message is None or chat is None:
        return "update.other"
    return "update.private" if chat.type == "private" else "update.group"


def topic_of(message: object) -> int | None:
    """The forum topic a message is in, to answer in; None in General or outside forums.

    Only a topic message's thread is a place to send to: a reply elsewhere in a supergroup
    carries its reply chain's first message as message_thread_id, which is no topic.
    """
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


def opens_its_topic(message: Message, replied: Message) -> bool:
    """Whether `replied` is only the service message that opened the topic `message` is in:
    Telegram shows every topic message that replies to nothing as a reply to it."""
    return bool(message.is_topic_message) and replied.message_id == message.message_thread_id


def locale_for(update: Update, default_locale: str) -> str:
    """A reply to a message is in the language it was written in (an English message gets
    English); otherwise private replies follow the user's language, group replies the
    community's. Commands are read by the user's language only: their words are codes."""
    chat = update.effective_chat
    user = sender(update)
    message = update.effective_message
    said = (message.text or message.caption or "") if message is not None else ""
    written = written_in(said) if said and not said.startswith("/") else None
    if written is not None:
        return written
    if chat is not None and chat.type != "private":
        return default_locale
    return i18n.pick_locale(user.language_code if user else None, default_locale)

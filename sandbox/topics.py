"""Forum topics: turning topics on, creating and closing topics, and where a new message lands.

As on Telegram: a topic's thread id is the id of the `forum_topic_created` service message that
opened it; the General topic (id 1) is where messages without a thread id go, and it cannot be
named with message_thread_id (1 is "message thread not found"); nothing can be sent to a closed
topic (400 TOPIC_CLOSED); a reply follows its target into the target's topic unless the sender
allowed sending without the reply, and then it needs the thread id to stay there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.models import GENERAL_TOPIC, JSON, TOPIC_COLORS, Chat, Message, Topic, bad_request

if TYPE_CHECKING:  # the state renders and stores; it asks `landing` where a message goes
    from sandbox.state import SandboxState

MAX_TOPIC_NAME = 128


def enable_forum(state: SandboxState, chat: Chat, enabled: bool) -> None:
    """Turn topics on (the General topic appears) or off (every topic is gone)."""
    if chat.type != "supergroup":
        raise bad_request("the chat is not a supergroup")
    if enabled:
        chat.topics.setdefault(GENERAL_TOPIC, Topic(GENERAL_TOPIC, "General"))
        # message 1 of a Telegram supergroup is its creation, so no topic can be thread 1
        chat.next_message_id = max(chat.next_message_id, GENERAL_TOPIC + 1)
    else:
        chat.topics.clear()
    state.touch()


def require_forum(chat: Chat) -> None:
    """Refuse topic methods outside forum supergroups, as Telegram does."""
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")


def topic_of(chat: Chat, thread_id: int) -> Topic:
    """Return a topic (General is 1) or raise 'message thread not found'."""
    require_forum(chat)
    topic = chat.topics.get(thread_id)
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def create_topic(
    state: SandboxState, chat: Chat, name: str, by_user_id: int, icon_color: int | None = None
) -> Topic:
    """Open a topic with its service message; its thread id is that message's id."""
    require_forum(chat)
    if not name.strip():
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > MAX_TOPIC_NAME:
        raise bad_request("TOPIC_TITLE_INVALID")
    color = icon_color if icon_color is not None else TOPIC_COLORS[0]
    if color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")  # one of the six colours apps draw
    thread_id = chat.next_message_id
    topic = Topic(thread_id, name, color)
    chat.topics[thread_id] = topic
    created = {"forum_topic_created": {"name": name, "icon_color": color}}
    message = state.store(chat, by_user_id, service=created, thread_id=thread_id)
    _tell_bot(state, chat, message)
    return topic


def set_closed(
    state: SandboxState, chat: Chat, thread_id: int, closed: bool, by_user_id: int
) -> Topic:
    """Close or reopen a topic (General too); other topics than General post a service message."""
    topic = topic_of(chat, thread_id)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    if thread_id != GENERAL_TOPIC:
        service: JSON = {"forum_topic_closed" if closed else "forum_topic_reopened": {}}
        message = state.store(chat, by_user_id, service=service, thread_id=thread_id)
        _tell_bot(state, chat, message)
    state.touch()
    return topic


def landing(
    chat: Chat, thread_id: int | None, reply_target: Message | None, allow_without_reply: bool
) -> int | None:
    """The topic a new message goes to (None: General, or not a forum); refuse closed ones."""
    if not chat.is_forum:
        return None
    if thread_id is not None:
        if thread_id == GENERAL_TOPIC or thread_id not in chat.topics:
            raise bad_request("message thread not found")
        where: int | None = thread_id
    elif reply_target is not None and not allow_without_reply:
        where = reply_target.thread_id
    else:
        where = None
    if chat.topics[where or GENERAL_TOPIC].closed:
        raise bad_request("TOPIC_CLOSED")
    return where


def _tell_bot(state: SandboxState, chat: Chat, message: Message) -> None:
    if chat.bot_member:
        state.updates.push("message", state.message_api(message))

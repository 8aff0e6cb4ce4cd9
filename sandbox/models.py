"""The sandbox's records: users, chats, messages, files and polls, and the API error type."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from sandbox.entities import Entity

JSON = dict[str, Any]
GROUP_TYPES = frozenset({"group", "supergroup"})
GENERAL_TOPIC = 1  # a forum's General topic; a message sent without a thread id lands there
TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)


class ApiError(Exception):
    """A Bot API (or sandbox API) error with Telegram's code and description."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    @property
    def parameters(self) -> JSON:
        """Telegram's ResponseParameters: what the bot can do about the error."""
        found = {"retry_after": self.retry_after, "migrate_to_chat_id": self.migrate_to_chat_id}
        return {name: value for name, value in found.items() if value is not None}


def bad_request(text: str) -> ApiError:
    """Return a 400 error with Telegram's 'Bad Request: ' prefix."""
    return ApiError(400, f"Bad Request: {text}")


def group_upgraded(supergroup_id: int) -> ApiError:
    """Return Telegram's answer about a basic group that became a supergroup."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=supergroup_id,
    )


# The user Telegram puts in `from` of every message an anonymous group admin sends (with the
# group as `sender_chat`); the Bot API keeps `from` for backward compatibility
GROUP_ANONYMOUS_BOT_ID = 1087968824


@dataclass
class User:
    """A Telegram account (a person, or the bot itself)."""

    id: int
    name: str
    username: str | None = None
    role: str = ""
    is_bot: bool = False
    started: bool = True  # has pressed Start in a private chat with the bot
    blocked: bool = False  # has blocked the bot (writing to it again unblocks, as on Telegram)
    language_code: str = "zh-hans"

    def to_api(self) -> JSON:
        """Return a Bot API User object."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.name}
        if self.username:
            data["username"] = self.username
        if not self.is_bot:
            data["language_code"] = self.language_code
        return data

    def to_view(self) -> JSON:
        """Return the sandbox API view."""
        return {"id": self.id, "name": self.name, "username": self.username, "role": self.role}


def group_anonymous_bot() -> User:
    """Telegram's stand-in sender of anonymous admins' messages (one account for all groups)."""
    return User(GROUP_ANONYMOUS_BOT_ID, "Group", "GroupAnonymousBot", is_bot=True, started=False)


@dataclass
class Topic:
    """A forum topic: its thread id is the id of the service message that created it."""

    thread_id: int
    name: str
    icon_color: int = TOPIC_COLORS[0]
    closed: bool = False

    def to_api(self) -> JSON:
        """Return a Bot API ForumTopic object."""
        return {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }

    def to_view(self) -> JSON:
        """Return the sandbox API view."""
        return {"message_thread_id": self.thread_id, "name": self.name, "closed": self.closed}


@dataclass
class Chat:
    """A private chat, group or supergroup (a forum when it has topics)."""

    id: int
    title: str
    type: str
    members: list[int] = field(default_factory=list)
    admins: set[int] = field(default_factory=set)
    bot_member: bool = True
    bot_admin: bool = False
    next_message_id: int = 1
    pinned: list[int] = field(default_factory=list)
    topics: dict[int, Topic] = field(default_factory=dict)  # empty unless a forum
    migrated_to: int | None = None  # a basic group upgraded to this supergroup: deactivated

    @property
    def is_group(self) -> bool:
        """Return whether this is a group or supergroup."""
        return self.type in GROUP_TYPES

    @property
    def is_forum(self) -> bool:
        """Return whether topics are enabled (the General topic exists then)."""
        return GENERAL_TOPIC in self.topics

    def to_view(self) -> JSON:
        """Return the sandbox API view."""
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "members": list(self.members),
            "admins": sorted(self.admins),
            "bot_member": self.bot_member,
            "bot_admin": self.bot_admin,
            "pinned": list(self.pinned),
            "is_forum": self.is_forum,
            "topics": [t.to_view() for t in self.topics.values()],
            "migrated_to": self.migrated_to,
        }


@dataclass
class FileRecord:
    """An uploaded file (a photo or a document) the bot may fetch with getFile."""

    file_id: str
    file_unique_id: str
    data: bytes
    path: str
    width: int
    height: int
    mime: str
    kind: str = "photo"  # or "document"
    file_name: str | None = None  # a document's name as uploaded

    def document_api(self) -> JSON:
        """Return a Bot API Document object."""
        data: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "mime_type": self.mime,
            "file_size": len(self.data),
        }
        if self.file_name:
            data["file_name"] = self.file_name
        return data


@dataclass
class PollRecord:
    """A poll the bot sent."""

    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    correct_option_id: int | None
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)

    def to_api(self) -> JSON:
        """Return a Bot API Poll object."""
        counts = [0] * len(self.options)
        for option_ids in self.votes.values():
            for option in option_ids:
                counts[option] += 1
        data: JSON = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"text": text, "voter_count": count, "persistent_id": str(index)}
                for index, (text, count) in enumerate(zip(self.options, counts, strict=True))
            ],
            "total_voter_count": len(self.votes),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.type != "quiz",
            "members_only": False,
        }
        if self.correct_option_id is not None:
            data["correct_option_id"] = self.correct_option_id
        return data


@dataclass
class Message:
    """One message in a chat, as stored by the sandbox."""

    chat_id: int
    message_id: int
    from_id: int
    date: int
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    photo_file_id: str | None = None
    document_file_id: str | None = None
    poll_id: str | None = None
    reply_to: int | None = None
    reply_markup: JSON | None = None
    edit_date: int | None = None
    service: JSON | None = None
    deleted: bool = False
    thread_id: int | None = None  # the forum topic it is in; None: General, or not a forum
    reply_root: int | None = None  # the first message of the reply chain it belongs to
    # sent on behalf of a chat (an anonymous admin posts as the group itself): `from_id` is
    # then Telegram's stand-in user for every such message, GroupAnonymousBot
    sender_chat_id: int | None = None


def image_size(data: bytes) -> tuple[int, int]:
    """Read width and height from PNG, GIF or JPEG bytes; (1, 1) if unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return 1, 1

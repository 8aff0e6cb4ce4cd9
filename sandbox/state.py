"""The sandbox's world: who is in which chat, what was said, and what the bot gets to see."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from sandbox.entities import command_of, text_mentions, user_entities
from sandbox.models import (
    GENERAL_TOPIC,
    GROUP_ANONYMOUS_BOT_ID,
    GROUP_TYPES,
    JSON,
    ApiError,
    Chat,
    FileRecord,
    Message,
    PollRecord,
    User,
    bad_request,
    group_anonymous_bot,
    group_upgraded,
    image_size,
)
from sandbox.topics import landing
from sandbox.updates import Faults, UpdateQueue


class SandboxState:
    """Everything the sandbox knows, plus the bot's update queue."""

    def __init__(self, bot: User, privacy_mode: bool) -> None:
        self.bot = bot
        self.privacy_mode = privacy_mode
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, dict[int, Message]] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.polls: dict[str, PollRecord] = {}
        self.commands: dict[str, list[JSON]] = {}
        self.stats: Counter[str] = Counter()
        self.faults = Faults()
        self.updates = UpdateQueue(self.faults, self.stats)
        self.callbacks: dict[str, asyncio.Future[JSON]] = {}
        self.version = 0
        self._changed = asyncio.Event()
        self._counter = 0

    # -- change notification (for the page and wait helpers) -----------------------------
    def touch(self) -> None:
        """Record that something visible changed."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, since: int, timeout: float) -> int:
        """Wait until version > since or timeout; return the current version."""
        if self.version <= since:
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        return self.version

    def next_token(self, prefix: str) -> str:
        """Return a fresh opaque identifier."""
        self._counter += 1
        digest = hashlib.sha1(f"{prefix}{self._counter}".encode()).hexdigest()[:16]
        return f"{prefix}{self._counter}{digest}"

    # -- users and chats ---------------------------------------------------------------
    def add_user(
        self,
        id: int,
        name: str,
        username: str | None,
        role: str,
        started: bool = True,
        language_code: str = "zh-hans",
    ) -> User:
        """Create a person and their private chat with the bot."""
        user = User(id, name, username, role, started=started, language_code=language_code)
        self.users[id] = user
        if id not in self.chats:
            self.chats[id] = Chat(id, name, "private", members=[id])
            self.messages[id] = {}
        self.touch()
        return user

    def add_chat(
        self,
        id: int,
        title: str,
        type: str,
        members: list[int],
        bot_member: bool,
        bot_admin: bool,
        admins: list[int],
    ) -> Chat:
        """Create a group or supergroup."""
        if type not in GROUP_TYPES:
            raise bad_request(f"unsupported chat type {type!r}")
        missing = [m for m in members if m not in self.users]
        if missing:
            raise bad_request(f"unknown users {missing}")
        chat = Chat(id, title, type, list(members), set(admins), bot_member, bot_admin)
        self.chats[id] = chat
        self.messages.setdefault(id, {})
        self.touch()
        return chat

    def chat(self, chat_id: int) -> Chat:
        """Return a chat or raise Telegram's 'chat not found'."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    @staticmethod
    def writable(chat: Chat) -> None:
        """Refuse a basic group that became a supergroup, as Telegram does (400, new id)."""
        if chat.migrated_to is not None:
            raise group_upgraded(chat.migrated_to)

    def new_supergroup_id(self) -> int:
        """Return a fresh supergroup id (-100…), below every chat there is."""
        return min(-1_009_000_000_000, *self.chats) - 1

    def user(self, user_id: int) -> User:
        """Return a user or raise a 400."""
        user = self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return user

    def chat_api(self, chat: Chat) -> JSON:
        """Return a Bot API Chat object."""
        if chat.type == "private":
            user = self.users[chat.id]
            data: JSON = {"id": chat.id, "type": "private", "first_name": user.name}
            if user.username:
                data["username"] = user.username
            return data
        data = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.type == "group":
            data["all_members_are_administrators"] = False
        if chat.is_forum:
            data["is_forum"] = True
        return data

    def member_status(self, chat: Chat, user_id: int) -> str:
        """Return creator/administrator/member/left for a user in a chat."""
        if user_id == self.bot.id:
            if not chat.bot_member:
                return "left"
            return "administrator" if chat.bot_admin or chat.type == "private" else "member"
        if user_id not in chat.members:
            return "left"
        if (
            chat.is_group
            and chat.members
            and chat.members[0] == user_id
            and user_id in chat.admins
        ):
            return "creator"
        return "administrator" if user_id in chat.admins else "member"

    def chat_member_api(self, chat: Chat, user_id: int) -> JSON:
        """Return a Bot API ChatMember object."""
        status = self.member_status(chat, user_id)
        data: JSON = {"status": status, "user": self.user(user_id).to_api()}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            rights = [
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
            ]
            data.update(dict.fromkeys(rights, True))
            data.update(
                can_be_edited=False,
                is_anonymous=False,
                can_promote_members=False,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return data

    # -- messages ----------------------------------------------------------------------
    def store(self, chat: Chat, from_id: int, **fields: Any) -> Message:
        """Append a message with the chat's next message id (and its reply chain's root)."""
        message = Message(chat.id, chat.next_message_id, from_id, int(time.time()), **fields)
        chat.next_message_id += 1
        target = self.find(chat.id, message.reply_to) if message.reply_to is not None else None
        if target is not None:
            message.reply_root = target.thread_id or target.reply_root or target.message_id
        self.messages.setdefault(chat.id, {})[message.message_id] = message
        self.touch()
        return message

    def find(self, chat_id: int, message_id: int) -> Message | None:
        """Return a live (not deleted) message."""
        message = self.messages.get(chat_id, {}).get(message_id)
        return message if message is not None and not message.deleted else None

    def message_api(self, message: Message, with_reply: bool = True) -> JSON:
        """Return a Bot API Message object."""
        chat = self.chats[message.chat_id]
        data: JSON = {
            "message_id": message.message_id,
            "from": self.users[message.from_id].to_api(),
            "chat": self.chat_api(chat),
            "date": message.date,
        }
        if message.sender_chat_id is not None:
            data["sender_chat"] = self.chat_api(self.chats[message.sender_chat_id])
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.photo_file_id is not None:
            data["photo"] = [self.photo_size(self.files[message.photo_file_id])]
        if message.document_file_id is not None:
            data["document"] = self.files[message.document_file_id].document_api()
        if message.caption is not None:
            data["caption"] = message.caption
            if message.entities:
                data["caption_entities"] = message.entities
        if message.poll_id is not None:
            data["poll"] = self.polls[message.poll_id].to_api()
        if message.service:
            data.update(message.service)
        if message.reply_markup is not None:
            data["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        data.update(self._thread_api(chat, message))
        replied = message.reply_to
        if replied is None and message.thread_id not in (None, message.message_id):
            replied = message.thread_id  # in a topic, a message "replies" to the topic's start
        if replied is not None and with_reply:
            target = self.find(message.chat_id, replied)
            if target is not None:
                data["reply_to_message"] = self.message_api(target, with_reply=False)
        return data

    @staticmethod
    def _thread_api(chat: Chat, message: Message) -> JSON:
        """message_thread_id as Telegram gives it: a topic's, else a supergroup reply chain's.

        Only the first is a place to send to (is_topic_message); a reply chain's root is not.
        """
        if chat.type != "supergroup":
            return {}
        if message.thread_id is not None:
            return {"message_thread_id": message.thread_id, "is_topic_message": True}
        if message.reply_root is not None:
            return {"message_thread_id": message.reply_root}
        return {}

    def message_view(self, message: Message) -> JSON:
        """Return the sandbox API view of a message (flat, for tests and the page)."""
        view: JSON = {
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "date": message.date,
            "from": self.users[message.from_id].to_api(),
            "sender_chat": (
                self.chat_api(self.chats[message.sender_chat_id])
                if message.sender_chat_id is not None
                else None
            ),
            "text": message.text if message.text is not None else (message.caption or ""),
            "caption": message.caption,
            "entities": message.entities,
            "reply_markup": message.reply_markup,
            "reply_to_message_id": message.reply_to,
            "edited": message.edit_date is not None,
            "photo_url": None,
            "document": None,
            "poll": None,
            "service": None,
            "message_thread_id": message.thread_id,  # its forum topic; None: General / no forum
        }
        if message.photo_file_id is not None:
            view["photo_url"] = f"/sandbox/files/{message.photo_file_id}"
            view["photo_file_id"] = message.photo_file_id
        if message.document_file_id is not None:
            record = self.files[message.document_file_id]
            view["document"] = {
                **record.document_api(),
                "url": f"/sandbox/files/{record.file_id}",
            }
        if message.poll_id is not None:
            view["poll"] = self.polls[message.poll_id].to_api()
        if message.service:
            view["service"] = message.service
        return view

    # -- files -------------------------------------------------------------------------
    def add_file(
        self,
        data: bytes,
        mime: str = "image/jpeg",
        kind: str = "photo",
        file_name: str | None = None,
    ) -> FileRecord:
        """Store an uploaded photo or document under a new file_id."""
        token = self.next_token("AgAC" if kind == "photo" else "BQAC")
        width, height = image_size(data) if kind == "photo" else (0, 0)
        if kind == "photo":
            extension = {"image/png": "png", "image/gif": "gif"}.get(mime, "jpg")
        else:
            extension = PurePath(file_name or "file").suffix.lstrip(".") or "bin"
        folder = "photos" if kind == "photo" else "documents"
        record = FileRecord(
            file_id=token,
            file_unique_id=hashlib.sha1(kind.encode() + data).hexdigest()[:16],
            data=data,
            path=f"{folder}/file_{len(self.files)}.{extension}",
            width=width,
            height=height,
            mime=mime,
            kind=kind,
            file_name=file_name,
        )
        self.files[token] = record
        self.files_by_path[record.path] = record
        return record

    @staticmethod
    def photo_size(record: FileRecord) -> JSON:
        """Return a Bot API PhotoSize object."""
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "width": record.width,
            "height": record.height,
            "file_size": len(record.data),
        }

    # -- what users do -----------------------------------------------------------------
    def known_usernames(self, chat: Chat) -> list[str]:
        """Return usernames that become mentions in this chat."""
        names = [self.bot.username or ""]
        names += [self.users[m].username or "" for m in chat.members if m in self.users]
        return names

    def bot_sees(self, chat: Chat, message: Message) -> bool:
        """Apply Telegram's privacy mode to a user's message."""
        if not chat.bot_member:
            return False
        if chat.type == "private":
            return True
        if not self.privacy_mode or chat.bot_admin:
            return True
        if message.service:
            return True
        if message.reply_to is not None:
            target = self.find(chat.id, message.reply_to)
            if target is not None and target.from_id == self.bot.id:
                return True
        command = command_of(message.text or message.caption or "", message.entities)
        if command is None:
            return False
        _, target_name = command
        return target_name is None or target_name.lower() == (self.bot.username or "").lower()

    def user_message(
        self,
        chat_id: int,
        from_user_id: int,
        text: str,
        reply_to: int | None,
        photo: bytes | None,
        photo_mime: str = "image/jpeg",
        thread_id: int | None = None,
        mentions: Sequence[int] = (),
        anonymous: bool = False,
    ) -> Message:
        """Store what a person wrote (in a forum: in a topic or General) and hand it to the bot
        if the bot would see it; `mentions` are people picked from the member list by name
        (text_mention entities). An `anonymous` admin writes as the group itself: Telegram
        gives the group as `sender_chat` and GroupAnonymousBot as `from`, never the person."""
        chat = self.chat(chat_id)
        self.writable(chat)
        self.user(from_user_id)
        if from_user_id not in chat.members:
            raise ApiError(403, "Forbidden: the user is not a member of this chat")
        sender_chat = None
        if anonymous:
            if not chat.is_group or from_user_id not in chat.admins:
                raise bad_request("only a group's administrators can write anonymously")
            self.users.setdefault(GROUP_ANONYMOUS_BOT_ID, group_anonymous_bot())
            from_user_id, sender_chat = GROUP_ANONYMOUS_BOT_ID, chat.id
        target = self.find(chat_id, reply_to) if reply_to is not None else None
        if reply_to is not None and target is None:
            raise bad_request("message to be replied not found")
        if not text and photo is None:
            raise bad_request("message text is empty")
        if thread_id == GENERAL_TOPIC:
            thread_id = None  # the page and tests may name General by its id
        thread_id = landing(chat, thread_id, target, allow_without_reply=False)
        entities = user_entities(text, self.known_usernames(chat))
        entities = sorted(entities + self._picked(text, mentions), key=lambda e: e["offset"])
        if photo is not None:
            record = self.add_file(photo, photo_mime)
            message = self.store(
                chat,
                from_user_id,
                caption=text or None,
                entities=entities,
                photo_file_id=record.file_id,
                reply_to=reply_to,
                thread_id=thread_id,
                sender_chat_id=sender_chat,
            )
        else:
            message = self.store(
                chat,
                from_user_id,
                text=text,
                entities=entities,
                reply_to=reply_to,
                thread_id=thread_id,
                sender_chat_id=sender_chat,
            )
        if chat.type == "private":
            self.users[from_user_id].started = True
            self.users[from_user_id].blocked = False
        if self.bot_sees(chat, message):
            self.updates.push("message", self.message_api(message))
        return message

    def _picked(self, text: str, mentions: Sequence[int]) -> list[JSON]:
        people = []
        for user_id in mentions:
            user = self.users.get(user_id)
            if user is None:
                raise bad_request(f"no user {user_id} to mention")
            people.append((user.name, user.to_api()))
        try:
            return text_mentions(text, people)
        except ValueError as exc:
            raise bad_request(str(exc)) from exc

    def membership_update(self, chat: Chat, user_id: int, by_user_id: int, add: bool) -> None:
        """Add or remove someone (or the bot) and send the updates Telegram would send."""
        subject = self.user(user_id)
        actor = self.user(by_user_id)
        old = self.chat_member_api(chat, user_id)
        if user_id == self.bot.id:
            chat.bot_member = add
        elif add and user_id not in chat.members:
            chat.members.append(user_id)
        elif not add and user_id in chat.members:
            chat.members.remove(user_id)
            chat.admins.discard(user_id)
        new = self.chat_member_api(chat, user_id)
        change = {
            "chat": self.chat_api(chat),
            "from": actor.to_api(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        if user_id == self.bot.id:
            self.updates.push("my_chat_member", change)
        elif chat.bot_member and chat.bot_admin:
            self.updates.push("chat_member", change)
        key = "new_chat_members" if add else "left_chat_member"
        value: Any = [subject.to_api()] if add else subject.to_api()
        service = self.store(chat, by_user_id, service={key: value})
        if chat.bot_member or user_id == self.bot.id:
            self.updates.push("message", self.message_api(service))
        self.touch()

    def upgrade_group(self, chat_id: int, new_id: int | None, by_user_id: int | None) -> Chat:
        """Upgrade a basic group to a supergroup, as Telegram does when its creator asks.

        The supergroup gets a new id and the group's title, members, admins and the bot's
        membership and rights; the group is deactivated (every call naming it gets the 400
        with `migrate_to_chat_id`). The supergroup's first message says
        `migrate_from_chat_id`, the group's last one `migrate_to_chat_id`; a member bot gets
        both as message updates, in that order."""
        old = self.chat(chat_id)
        self.writable(old)
        if old.type != "group":
            raise bad_request("CHAT_ID_INVALID")  # only a basic group can be upgraded
        owners = [m for m in old.members if m in old.admins] or old.members  # bots cannot
        by = by_user_id if by_user_id is not None else (owners[0] if owners else 0)
        if by not in old.members:
            raise ApiError(403, "Forbidden: the user is not a member of this chat")
        supergroup_id = new_id if new_id is not None else self.new_supergroup_id()
        if supergroup_id in self.chats or not str(supergroup_id).startswith("-100"):
            raise bad_request("the supergroup id must be new and start with -100")
        new = Chat(
            supergroup_id,
            old.title,
            "supergroup",
            list(old.members),
            set(old.admins),
            old.bot_member,
            old.bot_admin,
        )
        self.chats[supergroup_id] = new
        self.messages[supergroup_id] = {}
        old.migrated_to = supergroup_id
        came = self.store(new, by, service={"migrate_from_chat_id": old.id})
        went = self.store(old, by, service={"migrate_to_chat_id": supergroup_id})
        if old.bot_member:
            self.updates.push("message", self.message_api(came))
            self.updates.push("message", self.message_api(went))
        return new

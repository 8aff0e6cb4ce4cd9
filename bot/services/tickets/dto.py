"""Plain descriptions of what people did, as the ticket use cases receive them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Replied:
    """The message someone replied to."""

    message_id: int
    user_id: int | None
    user_name: str
    is_bot: bool
    text: str
    photo_file_id: str | None


@dataclass(frozen=True)
class TicketMessage:
    """A non-command text or photo message, in a group or a private chat."""

    update_id: int
    chat_id: int
    private: bool
    message_id: int
    user_id: int
    user_name: str
    username: str | None
    text: str  # the bot's @mention already removed
    photo_file_id: str | None
    mentions_bot: bool
    bot_username: str
    mentioned_user_ids: tuple[int, ...] = ()  # text_mention entities (people without @name)
    mentioned_usernames: tuple[str, ...] = ()  # @names other than the bot's, lower case
    reply: Replied | None = None

    @property
    def addressed(self) -> bool:
        """The bot was mentioned, or this is a private chat."""
        return self.mentions_bot or self.private


@dataclass(frozen=True)
class Origin:
    """Where a pressed button sits and which update pressed it."""

    chat_id: int
    message_id: int
    update_id: int

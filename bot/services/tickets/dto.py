"""Plain descriptions of what people did, as the ticket use cases receive them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.intake import Classification
from bot.domain.records import CommunityInfo


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
    thread_id: int | None = None  # the forum topic it was written in; answers go there

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
    thread_id: int | None = None  # the forum topic the button's message is in


@dataclass(frozen=True)
class Subject:
    """What a ticket would be made from: whose problem, which words, which message."""

    text: str
    reporter_id: int
    reporter_name: str
    on_behalf_by: int | None
    message_id: int
    photo_file_id: str | None


@dataclass(frozen=True)
class OpenTicket:
    """Open a ticket for what `subject` reported, as intake read it (`reading`)."""

    community: CommunityInfo
    chat_id: int
    subject: Subject
    reading: Classification
    building: str | None
    source: str  # mention|staff_mention|reply|emergency|report|question|private
    source_key: str  # unique per origin: the same update never opens two tickets
    update_id: int | None
    staff_ids: tuple[int, ...] = ()  # staff the resident @-ed
    category: str | None = None  # chosen by the resident (/report) over the reading's
    thread_id: int | None = None  # the forum topic of the report: its card goes there
    outage_id: int | None = None  # reported just after this outage notice's end
    outage_note: str | None = None  # that outage in words, for staff
    locale: str | None = None  # what the reporter is answered in (None: the community's);
    # cards and staff's cards stay in the community's language

    @property
    def kind(self) -> str:
        """The ticket's category: the one chosen, else the one intake read."""
        return self.category or self.reading.category

    @property
    def level(self) -> int:
        """An emergency stays one; a category other than the reading's is everyday (2)."""
        r = self.reading
        return 1 if r.level == 1 else (r.level if self.kind == r.category else 2)

    @property
    def unit(self) -> str | None:
        """The unit read from the text, when it belongs to the ticket's building."""
        return self.reading.unit if self.building == self.reading.building else None

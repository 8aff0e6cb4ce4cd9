"""The ticket as services see it: a plain record read from storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.tickets.states import OPEN_STATES, Status


class Closure(StrEnum):
    """How a closed ticket ended: the resident confirmed it, or nobody answered in time."""

    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"


class Verdict(StrEnum):
    SATISFIED = "satisfied"
    MOSTLY = "mostly"
    NOT_SOLVED = "not_solved"


@dataclass(frozen=True)
class Ticket:
    id: int
    community_id: int
    number: str  # "A-0042"
    status: Status
    category: str
    level: int
    building: str | None
    unit: str | None
    room: str | None  # private: never in a group
    phone: str | None  # private: never in a group
    text: str  # private: may hold details; groups see only the card
    chat_id: int
    message_id: int | None  # the report message the card replies to
    reporter_id: int
    reporter_name: str  # private
    on_behalf_by: int | None
    source: str  # mention|staff_mention|reply|card_reply|emergency|report|question|private|outage
    assignee_id: int | None  # Telegram user id
    assignee_name: str | None
    card_outbox_id: int | None
    card_version: int
    verdict_outbox_id: int | None
    created_at: datetime
    updated_at: datetime
    respond_by: datetime | None = None
    due_at: datetime | None = None
    verdict_due_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    closure: Closure | None = None
    verdict: Verdict | None = None
    referred_to: str | None = None
    cancel_reason: str | None = None
    merged_into_id: int | None = None
    last_note: str | None = None
    followers: tuple[int, ...] = field(default=())
    photos: tuple[str, ...] = field(default=())
    thread_id: int | None = None  # the forum topic of the report: the group hears of it there
    outage_id: int | None = None  # reported after this outage notice's end: likely linked
    outage_note: str | None = None  # that outage in words, for staff ("停水 12月1日 23:00…")
    # the first time each milestone was reached, and how often it was reopened (the figures)
    accepted_at: datetime | None = None
    controlled_at: datetime | None = None
    planned_at: datetime | None = None
    reopen_count: int = 0

    @property
    def label(self) -> str:
        """The number as people see it: #A-0042."""
        return f"#{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def involves(self, telegram_id: int) -> bool:
        """Is this person the reporter, the one who reported on their behalf, or a follower?"""
        return (
            telegram_id in (self.reporter_id, self.on_behalf_by) or telegram_id in self.followers
        )


@dataclass(frozen=True)
class NewTicket:
    """What intake knows when a ticket is opened."""

    community_id: int
    source_key: str  # unique per origin (the update), so a repeat finds the same ticket
    source: str
    category: str
    level: int
    building: str | None
    unit: str | None
    room: str | None
    phone: str | None
    text: str
    chat_id: int
    message_id: int | None
    reporter_id: int
    reporter_name: str
    on_behalf_by: int | None = None
    thread_id: int | None = None
    outage_id: int | None = None  # the outage notice it came after (its end, or "restored")
    outage_note: str | None = None  # which outage, in words staff read


@dataclass(frozen=True)
class Follower:
    telegram_id: int
    chat_id: int | None
    message_id: int | None
    via_ticket_id: int | None = None
    thread_id: int | None = None  # the forum topic of their message


@dataclass(frozen=True)
class Prompt:
    """A private message to staff that a reply answers: the card itself, or "write the note"."""

    outbox_id: int
    ticket_id: int
    kind: str  # card|progress|resolve
    telegram_id: int
    answered: bool


@dataclass(frozen=True)
class Draft:
    """A /report in the making."""

    chat_id: int
    telegram_id: int
    community_id: int
    step: str
    data: dict[str, object]
    expires_at: datetime

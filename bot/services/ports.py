"""The ports services are written against; storage and handlers provide the real ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol

from bot.domain.notices.records import (
    DeliveryRecord,
    DraftRecord,
    NoticeRecord,
    OccurrenceRecord,
)
from bot.domain.records import (
    AuditRecord,
    ButtonSpec,
    ChatInfo,
    CommunityInfo,
    LoadReport,
    OutboundMessage,
    OutboxItem,
    PersonInfo,
)
from bot.domain.registry import CommunitySpec
from bot.domain.tickets import Draft, Follower, NewTicket, Prompt, Ticket
from faq.kb import FaqEntry
from faq.records import GapInfo, ImportReport


class RegistryRepo(Protocol):
    async def upsert_community(self, spec: CommunitySpec, now: datetime) -> LoadReport: ...
    async def community(self, community_id: int) -> CommunityInfo | None: ...
    async def community_by_code(self, code: str) -> CommunityInfo | None: ...
    async def communities(self) -> list[CommunityInfo]: ...


class ChatRepo(Protocol):
    async def get(self, chat_id: int) -> ChatInfo | None: ...
    async def bind(
        self,
        chat_id: int,
        community_id: int,
        kind: str,
        ref: str | None,
        unit: str | None,
        title: str,
        now: datetime,
    ) -> None: ...
    async def set_status(
        self, chat_id: int, status: str, now: datetime, title: str | None = None
    ) -> None: ...
    async def of_community(self, community_id: int) -> list[ChatInfo]: ...


class PeopleRepo(Protocol):
    async def by_telegram_id(self, telegram_id: int) -> list[PersonInfo]: ...
    async def claim(self, code: str, telegram_id: int, now: datetime) -> PersonInfo | None: ...
    async def of_community(self, community_id: int) -> list[PersonInfo]: ...


class InboxRepo(Protocol):
    async def record(self, update_id: int, payload: dict[str, Any], now: datetime) -> bool: ...
    async def pending(self, limit: int) -> list[tuple[int, dict[str, Any]]]: ...
    async def mark(
        self, update_id: int, status: str, now: datetime, error: str | None = None
    ) -> None: ...


class OutboxRepo(Protocol):
    async def enqueue(self, message: OutboundMessage, now: datetime) -> int | None: ...
    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]: ...
    async def mark_sent(self, item_id: int, message_id: int | None, now: datetime) -> None: ...
    async def retry_later(
        self, item_id: int, at: datetime, error: str, count_attempt: bool
    ) -> None: ...
    async def mark_failed(self, item_id: int, error: str, now: datetime) -> None: ...
    async def fail_pending_for_chat(self, chat_id: int, error: str, now: datetime) -> int: ...
    async def sent_message_id(self, item_id: int) -> int | None: ...
    async def status(self, item_id: int) -> str | None: ...
    async def by_dedup_key(self, dedup_key: str) -> int | None: ...


class AuditRepo(Protocol):
    async def record(self, event: AuditRecord, now: datetime) -> None: ...
    async def count(self, action: str | None = None) -> int: ...


class ButtonRepo(Protocol):
    async def create(self, spec: ButtonSpec, now: datetime) -> str: ...
    async def get(self, button_id: str) -> ButtonSpec | None: ...


class UnitOfWork(Protocol):
    """One transaction over all repositories; leaving without commit() rolls back."""

    @property
    def registry(self) -> RegistryRepo: ...
    @property
    def chats(self) -> ChatRepo: ...
    @property
    def people(self) -> PeopleRepo: ...
    @property
    def inbox(self) -> InboxRepo: ...
    @property
    def outbox(self) -> OutboxRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def buttons(self) -> ButtonRepo: ...

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class DeliveryError(Exception):
    """Base of what a Gateway raises when a message cannot be delivered now."""


class RetryLater(DeliveryError):
    """Telegram asked us to slow down (429 RetryAfter)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TransientFailure(DeliveryError):
    """A network hiccup or 5xx: try again with backoff."""


class ChatUnavailable(DeliveryError):
    """403: the bot was removed from the chat or blocked by the user."""


class PermanentFailure(DeliveryError):
    """400 and friends: the message itself is wrong; retrying will not help."""


class Gateway(Protocol):
    """Delivers one outbox item through the Bot API; returns the Telegram message id."""

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None: ...


@dataclass(frozen=True)
class Question:
    """A message that reads like a question, for the knowledge base to try."""

    update_id: int
    chat_id: int
    message_id: int
    user_id: int
    text: str
    addressed: bool  # the bot was mentioned, or this is a private chat
    private: bool
    community_id: int | None
    building: str | None
    locale: str


class FaqOutcome(StrEnum):
    ANSWERED = "answered"
    SUGGESTED = "suggested"
    NONE = "none"


class QuestionDesk(Protocol):
    """The FAQ's side of intake: answer, suggest, or say there is nothing good."""

    async def answer(self, question: Question) -> FaqOutcome: ...


# --- notices (issue 7) ---------------------------------------------------------------------


class NoticeRepo(Protocol):
    async def add(self, notice: NoticeRecord, now: datetime) -> int | None: ...
    async def get(self, notice_id: int) -> NoticeRecord | None: ...
    async def by_key(self, community_id: int, key: str) -> NoticeRecord | None: ...
    async def of_community(
        self, community_id: int, statuses: tuple[str, ...], source: str | None = None
    ) -> list[NoticeRecord]: ...
    async def claim_due(self, now: datetime, limit: int) -> list[NoticeRecord]: ...
    async def save(self, notice: NoticeRecord, now: datetime) -> None: ...
    async def add_occurrence(
        self, notice_id: int, occurrence: datetime, now: datetime
    ) -> bool: ...
    async def add_delivery(
        self,
        notice_id: int,
        occurrence: datetime,
        chat_id: int,
        status: str,
        now: datetime,
        outbox_id: int | None = None,
        error: str | None = None,
    ) -> bool: ...
    async def queue_deliveries(
        self,
        notice_id: int,
        occurrence: datetime,
        messages: list[OutboundMessage],
        now: datetime,
        pin: bool = False,
    ) -> int: ...
    async def settle_from_outbox(self, now: datetime) -> int: ...
    async def unsettled_occurrences(self, limit: int) -> list[OccurrenceRecord]: ...
    async def deliveries(self, notice_id: int, occurrence: datetime) -> list[DeliveryRecord]: ...
    async def settle_occurrence(
        self, notice_id: int, occurrence: datetime, sent: int, failed: int, now: datetime
    ) -> bool: ...
    async def last_occurrence(self, notice_id: int) -> OccurrenceRecord | None: ...
    async def count_deliveries(self, notice_id: int, status: str | None = None) -> int: ...
    async def start_draft(
        self, community_id: int, author_telegram_id: int, update_id: int, now: datetime
    ) -> tuple[DraftRecord, bool]: ...
    async def draft(self, draft_id: int) -> DraftRecord | None: ...
    async def awaiting_draft(self, author_telegram_id: int) -> DraftRecord | None: ...
    async def save_draft(self, draft: DraftRecord, now: datetime) -> None: ...


class NoticeUnitOfWork(UnitOfWork, Protocol):
    """The unit of work as the notices feature sees it: every repository plus `notices`."""

    @property
    def notices(self) -> NoticeRepo: ...

    async def __aenter__(self) -> NoticeUnitOfWork: ...


class NoticeUnitOfWorkFactory(Protocol):
    def __call__(self) -> NoticeUnitOfWork: ...


# --- FAQ (issue 6) -------------------------------------------------------------------------


class FaqRepo(Protocol):
    async def revision(self, community_id: int) -> int: ...
    async def source_hash(self, community_id: int) -> str | None: ...
    async def entries(self, community_id: int) -> list[FaqEntry]: ...
    async def get(self, community_id: int, entry_id: str) -> FaqEntry | None: ...
    async def put(
        self, community_id: int, entry: FaqEntry, now: datetime, actor: int | None = None
    ) -> bool: ...
    async def delete(self, community_id: int, entry_id: str, now: datetime) -> bool: ...
    async def load(
        self,
        community_id: int,
        entries: Sequence[FaqEntry],
        now: datetime,
        *,
        replace: bool,
        source: tuple[str, str] | None = None,
    ) -> ImportReport: ...
    async def claim_cooldown(
        self, chat_id: int, entry_id: str, update_id: int, now: datetime, since: datetime
    ) -> bool: ...
    async def record_gap(
        self, community_id: int, key: str, text: str, update_id: int | None, now: datetime
    ) -> None: ...
    async def gaps(self, community_id: int, limit: int) -> list[GapInfo]: ...
    async def forget_gaps(self, community_id: int, keys: Sequence[str]) -> int: ...


class FaqUnitOfWork(UnitOfWork, Protocol):
    """The unit of work as the FAQ sees it: every repository plus `faq`."""

    @property
    def faq(self) -> FaqRepo: ...

    async def __aenter__(self) -> FaqUnitOfWork: ...


class FaqUnitOfWorkFactory(Protocol):
    def __call__(self) -> FaqUnitOfWork: ...


# --- tickets (issue 4) ---------------------------------------------------------------------


class TicketRepo(Protocol):
    async def create(self, new: NewTicket, now: datetime) -> Ticket: ...
    async def by_source_key(self, source_key: str) -> Ticket | None: ...
    async def get(self, ticket_id: int, lock: bool = False) -> Ticket | None: ...
    async def by_number(self, number: str, community_id: int | None = None) -> Ticket | None: ...
    async def by_message(self, chat_id: int, message_id: int) -> Ticket | None: ...
    async def update(
        self, ticket_id: int, changes: Mapping[str, Any], now: datetime
    ) -> Ticket: ...
    async def open_like(
        self, community_id: int, building: str, category: str, since: datetime
    ) -> list[Ticket]: ...
    async def assigned_to(self, telegram_id: int, open_only: bool = True) -> list[Ticket]: ...
    async def of_resident(self, telegram_id: int, limit: int = 20) -> list[Ticket]: ...
    async def claim_verdict_due(self, now: datetime, limit: int = 50) -> list[Ticket]: ...
    async def add_follower(self, ticket_id: int, follower: Follower, now: datetime) -> bool: ...
    async def followers(self, ticket_id: int) -> list[Follower]: ...
    async def remove_followers_via(self, ticket_id: int, via_ticket_id: int) -> int: ...
    async def add_note(
        self,
        ticket_id: int,
        kind: str,
        author_id: int | None,
        text: str,
        photo_file_id: str | None,
        update_id: int | None,
        now: datetime,
    ) -> bool: ...
    async def notes(self, ticket_id: int) -> list[tuple[str, str, datetime]]: ...
    async def add_photo(
        self, ticket_id: int, file_id: str, added_by: int | None, now: datetime
    ) -> bool: ...
    async def add_prompt(self, prompt: Prompt, chat_id: int, now: datetime) -> None: ...
    async def prompt_for_message(self, chat_id: int, message_id: int) -> Prompt | None: ...
    async def pending_prompt(self, telegram_id: int, since: datetime) -> Prompt | None: ...
    async def answer_prompts(self, ticket_id: int, telegram_id: int) -> None: ...
    async def remember_username(self, telegram_id: int, username: str, now: datetime) -> None: ...
    async def user_by_username(self, username: str) -> int | None: ...
    async def draft(self, chat_id: int, telegram_id: int, now: datetime) -> Draft | None: ...
    async def save_draft(self, draft: Draft, now: datetime) -> None: ...
    async def drop_draft(self, chat_id: int, telegram_id: int) -> None: ...


class TicketUnitOfWork(UnitOfWork, Protocol):
    """The unit of work as the tickets feature sees it: every repository plus `tickets`."""

    @property
    def tickets(self) -> TicketRepo: ...

    async def __aenter__(self) -> TicketUnitOfWork: ...


class TicketUnitOfWorkFactory(Protocol):
    def __call__(self) -> TicketUnitOfWork: ...

"""The ports services are written against; storage and handlers provide the real ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol

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

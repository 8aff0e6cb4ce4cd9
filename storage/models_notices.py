"""Tables of the notices feature: notices, their occurrences, and one delivery row per group."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId


class Notice(Base):
    """A notice of one community: text, audience, schedule and how far it has been handled."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        Index("ix_notices_due", "status", "next_due"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str | None] = mapped_column(String(80))  # file:<id> | u<update_id>[-reminder]
    source: Mapped[str] = mapped_column(String(16), default="chat")  # chat|file|outage
    template: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)  # free text; escaped when rendered
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    target: Mapped[dict[str, Any]]
    schedule: Mapped[dict[str, Any]]
    pin: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_hours: Mapped[dict[str, Any] | None]
    max_lateness_minutes: Mapped[int | None] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|paused|...
    author_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    last_done: Mapped[datetime | None]
    next_due: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NoticeOccurrence(Base):
    """One scheduled time of a notice that went out; settled once every delivery is."""

    __tablename__ = "notice_occurrences"
    __table_args__ = (UniqueConstraint("notice_id", "occurrence"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    occurrence: Mapped[datetime]
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None] = mapped_column(index=True)


class NoticeDelivery(Base):
    """One occurrence × one group: pending → queued (outbox) → sent | failed (with reason)."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "occurrence", "chat_id"),
        Index("ix_notice_deliveries_status", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    occurrence: Mapped[datetime]
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class NoticeDraft(Base):
    """A notice being put together in the guided /notice chat flow."""

    __tablename__ = "notice_drafts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    awaiting: Mapped[str | None] = mapped_column(String(64))  # what the next typed text fills
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|done|cancelled
    origin_update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    updated_at: Mapped[datetime]

"""FAQ tables: knowledge-base entries per community, answer cool-downs and unanswered questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId


class FaqBase(Base):
    """One community's knowledge base as a whole: its revision and the file last loaded."""

    __tablename__ = "faq_bases"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # Bumped on every change, so a process holding a cached matcher knows to rebuild it.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    source_file: Mapped[str | None] = mapped_column(String(512))
    source_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class FaqEntryRow(Base):
    """One knowledge-base entry; `data` is the entry exactly as in the YAML file."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("community_id", "entry_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    entry_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(BigInteger)  # Telegram id; None = a file


class FaqCooldown(Base):
    """When an entry was last answered unasked in a group (at most once per cool-down)."""

    __tablename__ = "faq_cooldowns"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answered_at: Mapped[datetime]
    update_id: Mapped[int | None] = mapped_column(BigInteger)


class FaqGap(Base):
    """A question the knowledge base could not answer, counted per normalised wording."""

    __tablename__ = "faq_gaps"
    __table_args__ = (UniqueConstraint("community_id", "key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(191))
    text: Mapped[str] = mapped_column(Text)  # the latest wording, shown to admins only
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)


class FaqOutcomeRow(Base):
    """What became of one question the FAQ met: the committee counts these (issue 18).

    direct|menu|chosen|unanswered|unasked; one row per update (handled twice, counted once).
    Holds no text.
    """

    __tablename__ = "faq_outcomes"
    __table_args__ = (
        UniqueConstraint("update_id", "outcome"),
        Index("ix_faq_outcomes_community_at", "community_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int | None] = mapped_column(BigInteger)

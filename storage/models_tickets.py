"""Ticket tables: tickets, their counters, followers, notes, photos, staff prompts, drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId


class TicketCounter(Base):
    """The last ticket number handed out in a community (#A-0042 → 42)."""

    __tablename__ = "ticket_counters"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


#: the predicates of the partial indexes: a query that wants one uses the same text, since a
#: bound parameter (status IN ($1, $2 …)) cannot prove to a generic plan that the index applies
OPEN_TICKET = text("status IN ('new', 'assigned', 'accepted', 'in_progress', 'reopened')")
UNERASED_ENDED_TICKET = text("erased_at IS NULL AND status IN ('closed', 'cancelled', 'referred')")


class TicketRow(Base):
    """One reported problem from intake to the resident's verdict."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("community_id", "seq"),
        Index("ix_tickets_open_match", "community_id", "building", "category", "status"),
        # the committee's figures (issue 18): one community's tickets opened in a period
        Index("ix_tickets_community_created", "community_id", "created_at"),
        # the web desk's list: one community's tickets newest first, a page at a time by id
        Index("ix_tickets_community_id", "community_id", "id"),
        Index("ix_tickets_verdict_due", "status", "verdict_due_at"),
        # district scale (issue 16): a group message → its ticket; /my; the handoff; retention
        Index("ix_tickets_chat_message", "chat_id", "message_id"),
        Index("ix_tickets_card_outbox", "card_outbox_id"),
        Index(
            "ix_tickets_on_behalf_by",
            "on_behalf_by",
            postgresql_where=text("on_behalf_by IS NOT NULL"),
            sqlite_where=text("on_behalf_by IS NOT NULL"),
        ),
        Index(
            "ix_tickets_open",
            "community_id",
            "id",
            postgresql_where=OPEN_TICKET,
            sqlite_where=OPEN_TICKET,
        ),
        Index(
            "ix_tickets_to_erase",
            func.coalesce(text("closed_at"), text("updated_at")),
            postgresql_where=UNERASED_ENDED_TICKET,
            sqlite_where=UNERASED_ENDED_TICKET,
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(24), index=True)
    # the update that created it: a repeated or re-handled update finds it instead of a new one
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    building: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(16))
    room: Mapped[str | None] = mapped_column(String(16))  # private
    phone: Mapped[str | None] = mapped_column(String(32))  # private
    text: Mapped[str] = mapped_column(Text)  # private
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # the forum topic; None: General
    reporter_id: Mapped[int] = mapped_column(BigInteger, index=True)
    reporter_name: Mapped[str] = mapped_column(String(128), default="")  # private
    on_behalf_by: Mapped[int | None] = mapped_column(BigInteger)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(64))
    card_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    card_version: Mapped[int] = mapped_column(Integer, default=0)
    verdict_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    respond_by: Mapped[datetime | None]  # filled by the SLA module (deadlines issue)
    due_at: Mapped[datetime | None]
    verdict_due_at: Mapped[datetime | None]  # when an unanswered verdict closes it
    # every promise made when it was opened (or re-read), {"acknowledge_by": ISO 8601, …}:
    # the figures judge a ticket by the deadlines it was given, whatever the policy is now
    promised: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # the first time each milestone was reached (the figures' "time taken")
    accepted_at: Mapped[datetime | None]
    controlled_at: Mapped[datetime | None]  # the first progress note: under control
    planned_at: Mapped[datetime | None]  # a complex matter's plan (「方案：…」)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closure: Mapped[str | None] = mapped_column(String(16))  # confirmed|unconfirmed
    verdict: Mapped[str | None] = mapped_column(String(16))  # satisfied|mostly|not_solved
    referred_to: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)
    last_note: Mapped[str | None] = mapped_column(Text)
    # the outage notice a ticket opened after its end is about, and which outage, for staff
    outage_id: Mapped[int | None] = mapped_column(BigInteger)
    outage_note: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # when room, phone and the private texts were erased (LOUDAO_KEEP_PRIVATE_DAYS after closing)
    erased_at: Mapped[datetime | None]


class TicketFollower(Base):
    """Someone with the same problem ("me too"): told when it is resolved, may give the verdict."""

    __tablename__ = "ticket_followers"
    __table_args__ = (UniqueConstraint("ticket_id", "telegram_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    via_ticket_id: Mapped[int | None] = mapped_column(BigInteger)  # came with a merged ticket
    created_at: Mapped[datetime]


class TicketNote(Base):
    """A progress note, resolution note or reason, in the order they were written."""

    __tablename__ = "ticket_notes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text, default="")
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime]
    # a resident's note (kind "resident"): when it is to go to the assignee, and when it went
    forward_at: Mapped[datetime | None]
    forwarded_at: Mapped[datetime | None]


class TicketPhoto(Base):
    """A photo attached to a ticket (Telegram file_id; the file stays with Telegram)."""

    __tablename__ = "ticket_photos"
    __table_args__ = (UniqueConstraint("ticket_id", "file_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(String(255))
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class TicketPrompt(Base):
    """A private message we sent staff that a reply answers (the card, "write the progress")."""

    __tablename__ = "ticket_prompts"
    __table_args__ = (Index("ix_ticket_prompts_ticket_id", "ticket_id"),)
    outbox_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # card|progress|resolve|page:<reason>
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    answered: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class KnownUsername(Base):
    """The @username a Telegram user last wrote with, so "@zhang9003" finds a staff member."""

    __tablename__ = "known_usernames"
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime]


class ReportDraft(Base):
    """A /report being filled in step by step (survives restarts; expires when abandoned)."""

    __tablename__ = "report_drafts"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[str] = mapped_column(String(16))  # building|category|text|photo|confirm
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]

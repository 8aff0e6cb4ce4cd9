"""The database schema as SQLAlchemy 2 typed models (changes go through Alembic migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import BigId, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}  # noqa: RUF012


class Community(Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # roster, sla, file references
    updated_at: Mapped[datetime]


class Grid(Base):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("community_id", "number"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(128))
    grid_code: Mapped[str | None] = mapped_column(String(16))
    units: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BuildingAlias(Base):
    """Extra names an admin gave a building; the standard ones (3号楼, 三号楼, 3#) are derived."""

    __tablename__ = "building_aliases"
    __table_args__ = (UniqueConstraint("building_id", "alias"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64), index=True)


class Chat(Base):
    """A Telegram group the bot is in (or was told about) and what it covers."""

    __tablename__ = "chats"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(255), default="")
    coverage_kind: Mapped[str | None] = mapped_column(String(16))  # community|grid|building|unit
    coverage_ref: Mapped[str | None] = mapped_column(String(16))  # grid code or building number
    coverage_unit: Mapped[str | None] = mapped_column(String(16))
    # bound|pending|dead|left|migrated (a basic group that became the supergroup `migrated_to`)
    status: Mapped[str] = mapped_column(String(16), default="bound")
    source: Mapped[str] = mapped_column(String(16), default="registry")  # registry|bind
    # a forum's topic for notices (the community file's notice_topic); None: General
    notice_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
    migrated_to: Mapped[int | None] = mapped_column(BigInteger)


class Person(Base):
    """Staff, grid workers and building leaders; residents are not registered."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        UniqueConstraint("community_id", "telegram_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    join_code: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    roles: Mapped[list[Any]] = mapped_column(default=list)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    buildings: Mapped[list[Any]] = mapped_column(default=list)
    grids: Mapped[list[Any]] = mapped_column(default=list)
    phone: Mapped[str | None] = mapped_column(String(32))  # private: never in groups or logs
    # the @username from the community file (lower case, no @): "@zhang9003" finds them
    username: Mapped[str | None] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PrivateChat(Base):
    """Whether the bot can write to a person in private: learned from Start and from 403s.

    Telegram refuses a private message to someone who never pressed Start (or who blocked the
    bot); the bot learns it only by trying, and remembers it so nobody is routed to in vain.
    """

    __tablename__ = "private_chats"
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))  # open|closed
    reason: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime]


class InboxUpdate(Base):
    """Every Telegram update, stored before it is handled; update_id makes repeats no-ops."""

    __tablename__ = "inbox_updates"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_inbox_updates_due", "status", "next_attempt_at"),
        Index("ix_inbox_updates_received_at", "received_at"),  # retention's batches
    )
    # pending → done; or failed (error, attempts, next_attempt_at: tried again then) → done, or
    # given up (next_attempt_at NULL) after the last attempt
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|handling|done|failed
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    # status "handling" until then: one dispatcher has it (after a crash, others may take it)
    claimed_until: Mapped[datetime | None]
    # the process that has it: once that process's `alive:` lease lapses, others take it at once
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class Lease(Base):
    """A named job one process holds at a time, until `until` unless renewed (SQLite's inbox
    consumer: it has no SKIP LOCKED)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]


class RegistryVersion(Base):
    """One row: a number every change of the registry (communities, buildings, chats, people)
    raises, so each process knows when its in-memory copy is stale (storage/registry_cache)."""

    __tablename__ = "registry_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class SendPaceRow(Base):
    """The next free moment to send, shared by every process on one PostgreSQL database, so
    that together they keep within Telegram's overall limit (storage/send_pace.py)."""

    __tablename__ = "send_pace"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime]


PRIVATE_UNERASED = text("erased_at IS NULL AND chat_id > 0")


class OutboxMessage(Base):
    """A message that matters, stored first and delivered once by the sender."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # a reply to a message the bot sent → its outbox row (cards, prompts, follow-ups)
        Index("ix_outbox_chat_message", "chat_id", "sent_message_id"),
        # retention: private messages whose text is still kept
        Index(
            "ix_outbox_private_unerased",
            "created_at",
            postgresql_where=PRIVATE_UNERASED,
            sqlite_where=PRIVATE_UNERASED,
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    method: Mapped[str] = mapped_column(String(32))  # send_message|edit_text|send_photo|pin|...
    payload: Mapped[dict[str, Any]]
    purpose: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|sending|sent|failed|unknown (sent or not: nobody knows, see OutboxSender)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # set just before the request goes to Telegram, cleared when its outcome is known: a row
    # reclaimed with it set may have been delivered (the process died or stopped mid-send)
    attempted_at: Mapped[datetime | None]
    # private messages keep their text only LOUDAO_KEEP_UPDATES_DAYS (then the payload is emptied)
    erased_at: Mapped[datetime | None]


class ButtonAction(Base):
    """What an inline button does: callback_data carries only this row's opaque id."""

    __tablename__ = "button_actions"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(96), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    allowed_user_ids: Mapped[list[Any]] = mapped_column(default=list)  # empty = anyone
    allowed_roles: Mapped[list[Any]] = mapped_column(default=list)
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only record of who changed what, when, and from which update."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_action", "action", "community_id"),
        # one ticket's history (/audit, `loudao audit`), oldest first
        Index("ix_audit_log_subject", "community_id", "subject", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), default="")
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

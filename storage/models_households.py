"""Households tables: the register, linked accounts and their one-time codes, consultations
and their ballots (one row per household: a changed vote replaces it, the audit log keeps
the history)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
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


class HouseholdRow(Base):
    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("community_id", "building", "unit", "room"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    building: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16), default="")  # "" without units (NULLs differ)
    room: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    area_centi: Mapped[int | None] = mapped_column(Integer)  # m² × 100, exact
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class HouseholdMemberRow(Base):
    """A Telegram account of a household: one household per account and community."""

    __tablename__ = "household_members"
    __table_args__ = (UniqueConstraint("community_id", "telegram_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[int] = mapped_column(BigInteger)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    voter: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_at: Mapped[datetime]


class HouseholdCodeRow(Base):
    """A one-time code that links the account sending it to a household."""

    __tablename__ = "household_codes"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None]


class ConsultationRow(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_open_deadline", "closed_at", "deadline"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]]
    buildings: Mapped[list[Any]]
    voters: Mapped[str] = mapped_column(String(8))
    rule: Mapped[dict[str, Any]]
    secret: Mapped[bool] = mapped_column(Boolean)
    deadline: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_by: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # made once per update
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # claimed once by whichever process closes it
    result: Mapped[dict[str, Any] | None]


class BallotRow(Base):
    __tablename__ = "consultation_ballots"
    __table_args__ = (UniqueConstraint("consultation_id", "household_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE")
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    option: Mapped[int] = mapped_column(Integer)
    paper: Mapped[bool] = mapped_column(Boolean, default=False)
    cast_by: Mapped[int] = mapped_column(BigInteger)  # the voter's or the building leader's id
    cast_at: Mapped[datetime]
    changes: Mapped[int] = mapped_column(Integer, default=0)


class CareEntryRow(Base):
    """A household on the care list, with the day its consent was given."""

    __tablename__ = "care_entries"
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    reason: Mapped[str] = mapped_column(String(16))
    consent_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class CareRoundRow(Base):
    """One round of check-on calls, started once per outage (or emergency) covering homes."""

    __tablename__ = "care_rounds"
    __table_args__ = (
        UniqueConstraint("community_id", "source_key"),
        Index("ix_care_rounds_report", "reported_at", "report_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(32))  # outage:<notice id>
    kind: Mapped[str] = mapped_column(String(16))  # water | power | gas | lift
    buildings: Mapped[list[Any]]  # empty: the whole community
    started_at: Mapped[datetime]
    report_at: Mapped[datetime]  # when the admins hear who was not reached
    reported_at: Mapped[datetime | None]


class CareCheckRow(Base):
    __tablename__ = "care_checks"
    __table_args__ = (UniqueConstraint("round_id", "household_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("care_rounds.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    contacted_at: Mapped[datetime | None]
    contacted_by: Mapped[int | None] = mapped_column(BigInteger)

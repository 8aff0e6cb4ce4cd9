"""Duty tables: escalation steps, roster overrides and workday overrides from chat, follow-ups,
and once-a-day runs (the morning handoff)."""

from __future__ import annotations

from datetime import date, datetime

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId

PENDING_STEP = text("fired_at IS NULL AND cancelled_at IS NULL")


class EscalationRow(Base):
    """One durable timer of a ticket: at `due_at`, remind or page `target` – exactly once."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("ticket_id", "step_no"),
        # only the steps still to fire: the tick's one query reads the head of this index
        Index(
            "ix_escalations_pending",
            "due_at",
            "id",
            postgresql_where=PENDING_STEP,
            sqlite_where=PENDING_STEP,
        ),
        Index("ix_escalations_outcome", "outcome", "fired_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, index=True)  # tickets.id (no FK)
    community_id: Mapped[int] = mapped_column(BigInteger)
    step_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # remind|page
    target_key: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    target_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(24))  # accept|acknowledge_by|respond_by|...
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # sent|reminded|moot|skipped|failed
    # a step whose firing failed: how often, the error's class (no data), and when to try again
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(64))
    retry_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class RosterOverrideRow(Base):
    """A cover, swap or leave entered in chat; the community file's overrides stay in YAML."""

    __tablename__ = "roster_overrides"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # cover|swap|leave
    staff_key: Mapped[str] = mapped_column(String(16))
    by_key: Mapped[str | None] = mapped_column(String(16))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    # the command's update: the same update handled twice stores one override
    update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime]


class WorkdayOverrideRow(Base):
    """`/workday 2027-02-07 on|off`: wins over the community file and the State calendar."""

    __tablename__ = "workday_overrides"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class FollowUpRow(Base):
    """The follow-up call after an emergency (回访): a task for the assignee with a note."""

    __tablename__ = "ticket_followups"
    ticket_id: Mapped[int] = mapped_column(  # tickets.id (no FK: see the migration)
        BigInteger, primary_key=True, autoincrement=False
    )
    community_id: Mapped[int] = mapped_column(BigInteger)
    assignee_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime | None]
    task_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    prompt_outbox_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class DailyRunRow(Base):
    """A once-a-day job claimed for one community and day (the morning handoff)."""

    __tablename__ = "duty_daily_runs"
    community_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    job: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    done_at: Mapped[datetime]

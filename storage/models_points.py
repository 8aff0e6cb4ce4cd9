"""Points tables: the append-only ledger (awards, corrections, redemptions) and the awards
proposed for review, each accepted or refused once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId


class PointsEntryRow(Base):
    """One row of the ledger: never changed nor deleted (a correction is a new row)."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        UniqueConstraint("community_id", "event", "rule"),  # no double award for an event
        Index("ix_points_ledger_holder", "community_id", "holder_kind", "holder_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    holder_kind: Mapped[str] = mapped_column(String(16))  # person | household
    holder_id: Mapped[int] = mapped_column(BigInteger)  # a Telegram id or a household id
    building: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # award | correction | redemption
    points: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(24))
    event: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(80))
    actor: Mapped[int | None] = mapped_column(BigInteger)
    approved_by: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]


class PointsProposalRow(Base):
    """An award proposed with /award, waiting for an approver's one tap."""

    __tablename__ = "points_proposals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    holder_kind: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[int] = mapped_column(BigInteger)
    building: Mapped[str | None] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(24))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(80))
    proposed_by: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # one proposal per update
    proposed_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None]
    accepted: Mapped[bool | None]


class ShopItemRow(Base):
    """An item of the points shop: its cost and what is left of it."""

    __tablename__ = "points_shop_items"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)  # only ever taken while > 0 (no overselling)
    updated_at: Mapped[datetime]


class RedemptionRow(Base):
    """An item redeemed for points: the code the resident shows, handed out once."""

    __tablename__ = "points_redemptions"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("points_shop_items.id", ondelete="CASCADE"))
    holder_kind: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[int] = mapped_column(BigInteger)
    redeemed_by: Mapped[int] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime]
    handed_out_at: Mapped[datetime | None]
    handed_out_by: Mapped[int | None] = mapped_column(BigInteger)


class PointsNameRow(Base):
    """A holder who opted in to be named on the leaderboard, with the name to show."""

    __tablename__ = "points_names"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    holder_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class ActivityRow(Base):
    """A volunteer activity an admin announced, with its places and points."""

    __tablename__ = "points_activities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(60))
    starts_at: Mapped[datetime]
    places: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    building: Mapped[str | None] = mapped_column(String(16))
    organiser: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # made once per update
    created_at: Mapped[datetime]


class SignupRow(Base):
    """A resident signed up for an activity; attended once the organiser marks it."""

    __tablename__ = "points_signups"
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("points_activities.id", ondelete="CASCADE"), primary_key=True
    )
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    signed_at: Mapped[datetime]
    attended_at: Mapped[datetime | None]

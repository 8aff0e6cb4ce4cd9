"""The quiet offers of a ticket for plain group messages: who was offered one, about what, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ReportOffer(Base):
    """When a resident was last offered a ticket for a kind of problem (once per window)."""

    __tablename__ = "report_offers"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)  # the kind of problem
    offered_at: Mapped[datetime]
    update_id: Mapped[int | None] = mapped_column(BigInteger)  # the message it answered

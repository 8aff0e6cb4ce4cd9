"""Calendar links of staff (the roster as iCal) and the server's generated secrets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId


class ServerSecret(Base):
    """A secret the server made once (when LOUDAO_SECRET is not set): it signs calendar links."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class CalendarLinkRow(Base):
    """A staff member's current calendar link: its version (`/ical new` adds one) and the
    SHA-256 of its token, so a request finds its person without the token being stored."""

    __tablename__ = "calendar_links"
    __table_args__ = (UniqueConstraint("community_id", "person_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    person_key: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime]

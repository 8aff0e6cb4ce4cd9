"""The web desk's sign-in: one-time links sent by /desk and the sessions they open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId


class DeskLink(Base):
    """A one-time sign-in link: only the token's hash is kept; used once, then never again."""

    __tablename__ = "desk_links"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DeskSession(Base):
    """A signed-in browser: the cookie's hash, whose it is, and when it lapses."""

    __tablename__ = "desk_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]  # the last request: an idle session lapses
    ended_at: Mapped[datetime | None]  # signed out

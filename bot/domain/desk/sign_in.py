"""How the desk's one-time links and sessions are judged: tokens, hashes, lifetimes, CSRF.

A token is 256 random bits, shown once (in the link, in the cookie); storage keeps only its
SHA-256, so a copy of the database opens nothing and a token changed by one character matches
no row. The CSRF token of a session is an HMAC of the session's own token: bound to it, never
stored, and worthless without the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh unguessable token for a link or a session."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What storage keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of the session `session_token` (the same for its whole life)."""
    return hmac.new(session_token.encode(), b"loudao-desk-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, sent: str | None) -> bool:
    """Whether a form's CSRF token belongs to this session."""
    return bool(sent) and hmac.compare_digest(csrf_token(session_token), sent or "")


@dataclass(frozen=True)
class SignInPolicy:
    """How long a link and a session live."""

    link_life: timedelta = timedelta(minutes=10)
    idle: timedelta = timedelta(hours=8)  # no request for this long: signed out
    longest: timedelta = timedelta(hours=24)  # signed out this long after signing in anyway

    def link_usable(self, expires_at: datetime, used_at: datetime | None, now: datetime) -> bool:
        return used_at is None and now < expires_at

    def session_alive(
        self, created_at: datetime, seen_at: datetime, ended_at: datetime | None, now: datetime
    ) -> bool:
        return ended_at is None and now < seen_at + self.idle and now < created_at + self.longest


@dataclass(frozen=True)
class LinkRecord:
    """A stored one-time link (its hash only)."""

    id: int
    telegram_id: int
    community_id: int
    locale: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class SessionRecord:
    """A stored desk session (its hash only)."""

    id: int
    telegram_id: int
    community_id: int
    locale: str
    created_at: datetime
    seen_at: datetime
    ended_at: datetime | None

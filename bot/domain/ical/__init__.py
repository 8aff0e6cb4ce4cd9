"""The roster as iCal: a secret link per staff member, and the feed of their shifts."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

#: a token is this many characters of base32 (lower case): 160 bits of the HMAC
TOKEN_CHARS = 32


@dataclass(frozen=True)
class CalendarLink:
    """A staff member's calendar link as stored: which version, never the token itself."""

    community_id: int
    person_key: str
    version: int


def link_token(secret: str, link: CalendarLink) -> str:
    """Return the link's token: an HMAC of community, person and version with the secret."""
    message = f"{link.community_id}:{link.person_key}:{link.version}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(mac).decode().lower()[:TOKEN_CHARS]


def token_digest(token: str) -> str:
    """Return what is stored to find a token's link: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(secret: str, link: CalendarLink, token: str) -> bool:
    """Say whether `token` is this link's (compared in constant time)."""
    return hmac.compare_digest(link_token(secret, link), token)

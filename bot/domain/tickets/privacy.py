"""What must never reach a group: phone numbers (and rooms, which intake finds separately)."""

from __future__ import annotations

import re

# mainland mobiles (13x–19x, 11 digits, optionally split 3-4-4) and landlines (021-12345678)
_PHONE_RE = re.compile(
    r"(?<![0-9])(?:\+?86[\s-]?)?(?:1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}"
    r"|0[0-9]{2,3}[\s-]?[0-9]{7,8})(?![0-9])"
)


def find_phones(text: str) -> list[str]:
    """Return the phone numbers written in a message (digits only)."""
    return [re.sub(r"[^0-9+]", "", m.group()) for m in _PHONE_RE.finditer(text)]


def scrub(text: str, room: str | None = None) -> str:
    """Hide phone numbers and the room number in a text shown to several people."""
    out = _PHONE_RE.sub("***", text)
    if room:
        out = re.sub(rf"(?<![0-9]){re.escape(room)}(?![0-9])", "***", out)
    return out

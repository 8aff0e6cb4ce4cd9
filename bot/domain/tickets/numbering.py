"""Human ticket numbers: short and per community, like #A-0042."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_RE = re.compile(r"^#?\s*(?:(?P<code>[A-Za-z]{1,16})\s*[-_ ]?\s*)?(?P<seq>\d{1,9})$")


@dataclass(frozen=True)
class TicketNumber:
    """A parsed ticket number; `code` is None when only digits were given (#42)."""

    code: str | None
    seq: int


def format_number(code: str, seq: int) -> str:
    """Format a community's ticket sequence number: ("A", 42) -> "A-0042" (no leading #)."""
    if seq < 1:
        raise ValueError("ticket numbers start at 1")
    return f"{code.upper()}-{seq:04d}"


def parse_number(text: str) -> TicketNumber | None:
    """Read what people type: #A-0042, A-42, a0042, A 42, #42, 42; None if it is not a number."""
    found = _NUMBER_RE.match(text.strip().replace("＃", "#").replace("－", "-"))
    if found is None:
        return None
    code = found.group("code")
    seq = int(found.group("seq"))
    if seq < 1:
        return None
    return TicketNumber(code.upper() if code else None, seq)

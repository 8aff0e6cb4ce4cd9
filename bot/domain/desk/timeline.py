"""A ticket's story for the desk: audit events, notes and escalation steps in time order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened to a ticket: `kind` names it (ticket.accept, note.progress,
    page.sent …); `actor` is a Telegram user id; `details` holds no personal data."""

    at: datetime
    kind: str
    actor: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def merged(*streams: list[TimelineEvent]) -> list[TimelineEvent]:
    """Every stream's events, oldest first (a stable sort keeps each stream's own order)."""
    return sorted((e for s in streams for e in s), key=lambda e: e.at)

"""One ticket as an export reads it: its facts, and whether it kept each promise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.tickets.promises import PROMISES, Kept, kept_at, promise_kept

_ENDED_UNDONE = ("cancelled", "referred")  # ended without the work being done (merged too)
_FIXED = ("resolved", "closed")  # a reopened ticket is not fixed until it is fixed again


@dataclass(frozen=True)
class Personal:
    """What only an admin's export with personal data shows."""

    room: str | None
    phone: str | None
    reporter_name: str
    text: str


@dataclass(frozen=True)
class ExportedTicket:
    """A stored ticket's fields an export needs (times aware, in UTC)."""

    id: int
    number: str
    created_at: datetime
    updated_at: datetime
    status: str
    closure: str | None
    category: str
    level: int
    building: str | None
    accepted_at: datetime | None = None
    controlled_at: datetime | None = None
    planned_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    followed_up_at: datetime | None = None  # the follow-up call (回访) was made
    promised: dict[str, str] = field(default_factory=dict)  # {"resolve_by": ISO 8601, …}
    verdict: str | None = None
    reopen_count: int = 0
    referred_to: str | None = None
    merged_into: str | None = None  # the number of the ticket it was merged into
    personal: Personal | None = None  # only when asked for (and allowed)

    @property
    def ended_at(self) -> datetime | None:
        """When it ended without the work being done (cancelled, referred, merged)."""
        if self.status not in _ENDED_UNDONE:
            return None
        return self.closed_at or self.updated_at

    def promises(self, now: datetime) -> list[tuple[datetime | None, Kept | None]]:
        """Each promise of PROMISES: its deadline and whether it was kept (None, None when the
        ticket was not given it – tickets opened before promises were stored have none)."""
        reached = {
            "accepted_at": self.accepted_at,
            "controlled_at": self.controlled_at,
            "planned_at": self.planned_at,
            "resolved_at": self.resolved_at if self.status in _FIXED else None,
            "followed_up_at": self.followed_up_at,
        }
        out: list[tuple[datetime | None, Kept | None]] = []
        for name in PROMISES:
            due = _when(self.promised.get(name))
            if due is None:
                out.append((None, None))
                continue
            out.append((due, promise_kept(due, kept_at(name, reached), self.ended_at, now)))
        return out


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None

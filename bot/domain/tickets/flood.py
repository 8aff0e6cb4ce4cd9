"""Flood control for reports: one resident cannot open tickets without end.

Fifty reports from one person in ten seconds used to become fifty tickets and fifty cards to
one supervisor. Within a window a resident may open `reports` tickets, of which emergencies
are counted on their own (`emergencies`): a real emergency is never held behind routine
reports. What they send beyond that joins their latest open ticket as a note – nothing is
lost – and they are told once per window. Staff and admins are not limited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.tickets.model import Ticket


@dataclass(frozen=True)
class FloodPolicy:
    window: timedelta = timedelta(minutes=10)
    reports: int = 5  # tickets one resident may open within the window
    emergencies: int = 3  # level-1 tickets within the window, counted on their own


def recent_reports(
    tickets: Sequence[Ticket], reporter_id: int, community_id: int, since: datetime
) -> list[Ticket]:
    """The tickets this resident opened in this community since `since`, newest first."""
    return sorted(
        (
            t
            for t in tickets
            if t.reporter_id == reporter_id
            and t.community_id == community_id
            and t.created_at >= since
        ),
        key=lambda t: t.created_at,
        reverse=True,
    )


def over_limit(policy: FloodPolicy, recent: Sequence[Ticket], level: int) -> bool:
    """Would one more ticket at `level` go beyond what the window allows?"""
    if level == 1:
        return sum(1 for t in recent if t.level == 1) >= policy.emergencies
    return len(recent) >= policy.reports


def window_key(policy: FloodPolicy, now: datetime) -> int:
    """The number of the window `now` falls in: one notice per person and window."""
    return int(now.timestamp() // policy.window.total_seconds())

"""Plain records of stored notices, their occurrences and deliveries (no ORM crosses over)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from pydantic import TypeAdapter

from bot.domain.notices.schedule import Once, QuietHours, Recurring, Schedule, ScheduleField
from bot.domain.notices.targets import Target

__all__ = [
    "DeliveryRecord",
    "DraftRecord",
    "NoticeRecord",
    "OccurrenceRecord",
    "dump_quiet",
    "dump_schedule",
    "load_schedule",
]

_SCHEDULE: TypeAdapter[Once | Recurring] = TypeAdapter(ScheduleField)

ACTIVE, PAUSED, CANCELLED, DONE = "active", "paused", "cancelled", "done"


def dump_schedule(schedule: Schedule) -> dict[str, Any]:
    """Serialise a schedule for a JSON column."""
    return schedule.model_dump(mode="json", exclude_none=True)


def load_schedule(data: dict[str, Any]) -> Schedule:
    """Read a schedule back from its JSON column."""
    return _SCHEDULE.validate_python(data)


def dump_quiet(quiet: QuietHours | None) -> dict[str, str] | None:
    """Serialise quiet hours ("21:00"–"07:30") for a JSON column."""
    if quiet is None:
        return None
    return {"start": quiet.start.strftime("%H:%M"), "end": quiet.end.strftime("%H:%M")}


@dataclass(frozen=True)
class NoticeRecord:
    """One notice as stored: what, to whom, when, and how far its schedule has been handled.

    `key` names notices made from a file ("file:<id>") or a chat update ("u<update_id>"), so a
    re-import or a re-handled update never creates a second one. `last_done` is the scheduled
    time of the last occurrence handled (for a new recurring notice: its creation time).
    """

    community_id: int
    target: dict[str, Any]
    schedule: dict[str, Any]
    source: str = "chat"  # chat|file|outage
    key: str | None = None
    template: str | None = None
    text: str | None = None  # free text (plain; escaped when rendered)
    variables: dict[str, str] = field(default_factory=dict)
    pin: bool = False
    quiet_hours: dict[str, str] | None = None
    max_lateness_minutes: int | None = None
    urgent: bool = False
    status: str = ACTIVE  # active|paused|cancelled|done
    author_telegram_id: int | None = None
    last_done: datetime | None = None
    next_due: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    created_at: datetime | None = None

    @property
    def schedule_model(self) -> Schedule:
        return load_schedule(self.schedule)

    @property
    def target_model(self) -> Target:
        return Target.model_validate(self.target)

    @property
    def quiet_model(self) -> QuietHours | None:
        if self.quiet_hours is None:
            return None
        return QuietHours(
            start=time.fromisoformat(self.quiet_hours["start"]),
            end=time.fromisoformat(self.quiet_hours["end"]),
        )

    @property
    def is_recurring(self) -> bool:
        return "at" not in self.schedule


@dataclass(frozen=True)
class DeliveryRecord:
    """One occurrence of a notice to one group: pending → queued (in the outbox) → sent|failed."""

    id: int
    notice_id: int
    occurrence: datetime
    chat_id: int
    status: str
    outbox_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class OccurrenceRecord:
    """One scheduled time of a notice that was sent: counts filled in once all are settled."""

    notice_id: int
    occurrence: datetime
    total: int = 0
    sent: int = 0
    failed: int = 0
    settled_at: datetime | None = None


@dataclass(frozen=True)
class DraftRecord:
    """A notice being put together in the guided chat flow; `awaiting` names the next input."""

    id: int
    community_id: int
    author_telegram_id: int
    data: dict[str, Any]
    awaiting: str | None = None
    status: str = "open"

"""Plain records of the duty feature: escalation steps, roster overrides, follow-up tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.tickets import Status

#: what a stored step does when it fires
REMIND, PAGE = "remind", "page"
#: the outcome of a step that failed on every try (see bot.domain.escalation.retry_delay)
GIVEN_UP = "failed"

# Which ticket states settle each reason a step carries (see bot.domain.escalation.plan):
# accepting answers "accept" and the acknowledge/respond deadlines; a progress note says the
# situation is being handled (control); a complex matter's plan is settled by the plan itself;
# resolving meets the resolve deadline. A
# cancelled, referred or merged ticket settles everything. The follow-up call is settled only
# by its own task ("回访完成").
_ENDED = frozenset({Status.CANCELLED, Status.REFERRED})
_ACCEPTED = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED})
_UNDER_CONTROL = frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED})
_RESOLVED = frozenset({Status.RESOLVED, Status.CLOSED})
SETTLED_BY_STATUS: dict[str, frozenset[Status]] = {
    "accept": _ACCEPTED | _ENDED,
    "acknowledge_by": _ACCEPTED | _ENDED,
    "respond_by": _ACCEPTED | _ENDED,
    "control_by": _UNDER_CONTROL | _ENDED,
    "plan_by": _RESOLVED | _ENDED,  # and by the plan itself (「方案：…」, see plan_given)
    "milestone": _RESOLVED | _ENDED,  # a dated step of that plan
    "resolve_by": _RESOLVED | _ENDED,
    "follow_up_by": _ENDED,
}
FOLLOW_UP = "follow_up_by"
MILESTONE = "milestone"


def is_settled(reason: str, status: Status, follow_up_done: bool = False) -> bool:
    """Say whether a step with `reason` no longer needs to fire for a ticket in `status`."""
    if reason == FOLLOW_UP and follow_up_done:
        return True
    return status in SETTLED_BY_STATUS.get(reason, _ENDED)


def settled_reasons(status: Status) -> list[str]:
    """The reasons a ticket in `status` has settled (pending steps with them are cancelled)."""
    return [reason for reason, states in SETTLED_BY_STATUS.items() if status in states]


@dataclass(frozen=True)
class NewStep:
    """A step to store: at `due_at`, remind or page `target` unless `reason` is settled."""

    step_no: int
    kind: str  # remind|page
    target_key: str
    target_id: int | None
    target_name: str
    reason: str
    due_at: datetime


@dataclass(frozen=True)
class StepRecord:
    """A stored escalation step (one durable timer row)."""

    id: int
    ticket_id: int
    community_id: int
    step_no: int
    kind: str
    target_key: str
    target_id: int | None
    target_name: str
    reason: str
    due_at: datetime
    fired_at: datetime | None
    cancelled_at: datetime | None
    outcome: str | None  # sent|reminded|moot|skipped|failed
    attempts: int = 0  # tries that failed so far


@dataclass(frozen=True)
class StepFailures:
    """Escalation steps that could not be fired: given up (admins told) and still retrying."""

    given_up: int
    retrying: int


@dataclass(frozen=True)
class OverrideRecord:
    """A cover, swap or leave entered in chat (/cover, /leave), as stored."""

    id: int
    community_id: int
    kind: str  # cover|swap|leave
    staff_key: str
    by_key: str | None
    start_at: datetime
    end_at: datetime
    note: str
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class FollowUpTask:
    """The follow-up call after an emergency: who calls, by when, and whether it was done."""

    ticket_id: int
    community_id: int
    assignee_id: int
    due_at: datetime | None
    task_outbox_id: int | None
    prompt_outbox_id: int | None
    done_at: datetime | None
    done_by: int | None
    note: str | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class OpenTicketView:
    """What the morning handoff needs of an open ticket."""

    id: int
    number: str
    category: str
    level: int
    building: str | None
    unit: str | None
    status: Status
    assignee_id: int | None
    respond_by: datetime | None
    due_at: datetime | None

    @property
    def label(self) -> str:
        return f"#{self.number}"

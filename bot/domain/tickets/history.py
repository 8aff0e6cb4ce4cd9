"""A ticket's audit events as lines people read: when, who (staff by name, never a resident's
name), and what happened – the words themselves come from the catalogues (`audit.event.*`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.records import AuditEntry


class Actor(StrEnum):
    """Who did it, as the history may say it."""

    STAFF = "staff"  # someone in the community's registry: shown by name
    RESIDENT = "resident"  # anyone else with a Telegram id: 「居民」, never a name
    SYSTEM = "system"  # no person: the router, a deadline, the escalation tick


# action → the event's text key; the ticket's transitions are `ticket.<Action>` (core.change)
_EVENTS: dict[str, str] = {
    **{
        f"ticket.{a}": a
        for a in (
            "opened",
            "assign",
            "accept",
            "progress",
            "reassign",
            "resolve",
            "confirm",
            "expire",
            "reopen",
            "refer",
            "cancel",
            "merge",
            "unmerge",
            "followed",
            "resident_note",
            "corrected",
            "escalated",
            "escalation_failed",
            "followed_up",
        )
    },
    "duty.handover": "handover",
}
OTHER = "other"  # an action this list does not know yet: shown by its code


@dataclass(frozen=True)
class HistoryLine:
    """One event to show: `event` names the text, `params` fill it (staff names, codes)."""

    at: datetime
    actor: Actor
    actor_name: str  # staff only; empty otherwise
    event: str
    params: dict[str, str | int] = field(default_factory=dict)


def read_history(
    entries: Sequence[AuditEntry],
    staff_by_id: Mapping[int, str],
    staff_by_key: Mapping[str, str],
) -> list[HistoryLine]:
    """The events as history lines, in the order given (oldest first).

    `staff_by_id` and `staff_by_key` name the community's registry people by Telegram id and
    by key; an actor not among them is a resident, and no actor at all is the system."""
    return [_line(e, staff_by_id, staff_by_key) for e in entries]


def _line(
    entry: AuditEntry, staff_by_id: Mapping[int, str], staff_by_key: Mapping[str, str]
) -> HistoryLine:
    record = entry.event
    actor_id = record.actor_telegram_id
    if actor_id is None:
        actor, name = Actor.SYSTEM, ""
    elif actor_id in staff_by_id:
        actor, name = Actor.STAFF, staff_by_id[actor_id]
    else:
        actor, name = Actor.RESIDENT, ""
    event = _EVENTS.get(record.action, OTHER)
    return HistoryLine(
        entry.at, actor, name, event, _params(event, record.action, record.details, staff_by_key)
    )


def _params(
    event: str, action: str, details: Mapping[str, object], staff_by_key: Mapping[str, str]
) -> dict[str, str | int]:
    """What the event's text names: categories and levels as codes, staff by name."""
    if event == "opened":
        return {"category": str(details.get("category", "")), "level": _int(details.get("level"))}
    if event == "corrected":
        to = details.get("to")
        to = to if isinstance(to, Mapping) else {}
        return {"category": str(to.get("category", "")), "level": _int(to.get("level"))}
    if event in ("escalated", "escalation_failed", "handover"):
        key = str(details.get("to") or "")
        return {"to": staff_by_key.get(key, key)}
    if event == OTHER:
        return {"action": action}
    return {}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0

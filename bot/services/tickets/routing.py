"""Who handles a ticket: the Router port, and the registry's answer by skill and coverage.

The running bot routes by the duty roster (bot/services/duty/routing.py: RosterRouter), which
also fills `respond_by` / `due_at`; `pick_assignee` chooses among staff a resident @-ed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.domain.records import CommunityInfo, PersonInfo

#: roles whose members are handed tickets
WORKER_ROLES = ("staff", "grid_worker", "supervisor")


@dataclass(frozen=True)
class Assignment:
    """The router's answer: who, why, and the promised times (None until the SLA module)."""

    person: PersonInfo | None
    reason: str  # skill|supervisor|admin|nobody|chosen
    respond_by: datetime | None = None
    due_at: datetime | None = None
    promised: dict[str, str] = field(default_factory=dict)  # every deadline, ISO 8601


class Router(Protocol):
    async def route(
        self,
        community: CommunityInfo,
        building: str | None,
        category: str,
        level: int,
        at: datetime,
    ) -> Assignment: ...


def covers(person: PersonInfo, community: CommunityInfo, building: str | None) -> bool:
    """Does this person look after `building` (listed directly, or through its grid)?"""
    if building is None:
        return False
    if building in person.buildings:
        return True
    info = community.building(building)
    return info is not None and info.grid is not None and info.grid in person.grids


def pick_assignee(
    people: Sequence[PersonInfo],
    community: CommunityInfo,
    building: str | None,
    category: str,
    prefer: Sequence[int] = (),
) -> Assignment:
    """Staff covering the building with the skill, else a supervisor, else an admin."""
    reachable = [p for p in people if p.active and p.telegram_id is not None]
    skilled = [
        p
        for p in reachable
        if category in p.skills and p.has_role(*WORKER_ROLES) and covers(p, community, building)
    ]
    for telegram_id in prefer:  # a resident @-ed this staff member and they have the skill
        chosen = next((p for p in skilled if p.telegram_id == telegram_id), None)
        if chosen is not None:
            return Assignment(chosen, "chosen")
    if skilled:
        return Assignment(skilled[0], "skill")
    supervisors = [p for p in reachable if p.has_role("supervisor")]
    local = [p for p in supervisors if covers(p, community, building)]
    if local or supervisors:
        return Assignment((local or supervisors)[0], "supervisor")
    admins = [p for p in reachable if p.has_role("admin")]
    if admins:
        return Assignment(admins[0], "admin")
    return Assignment(None, "nobody")

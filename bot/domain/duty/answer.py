"""Build a community's roster and deadlines from its registry entry; answer who is on duty."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.duty.roster import Roster, StaffRef
from bot.domain.duty.roster_spec import RosterSpec
from bot.domain.registry import CommunitySpec
from bot.domain.sla.deadlines import SlaPolicy, compute_deadlines
from bot.domain.sla.workdays import YearSchedule


def staff_refs(community: CommunitySpec) -> list[StaffRef]:
    """The registry's staff as the roster sees them (grid workers cover their grids)."""
    return [
        StaffRef(
            key=s.key,
            name=s.name,
            telegram_id=s.telegram_id,
            roles=frozenset(str(r) for r in s.roles),
            skills=frozenset(s.skills),
            buildings=frozenset(s.buildings),
            grids=frozenset(s.grids),
        )
        for s in community.staff
    ]


def default_roster(community: CommunitySpec) -> RosterSpec:
    """Without a roster section, everyone with a skill is on duty round the clock."""
    supervisors = [s.key for s in community.staff if "supervisor" in s.roles]
    admins = [s.key for s in community.staff if "admin" in s.roles]
    duties = [
        {"name": s.name, "shift": "always", "staff": s.key, "skills": list(s.skills)}
        for s in community.staff
        if s.skills
    ]
    return RosterSpec.model_validate(
        {
            "shifts": {"always": {"start": "00:00", "end": "00:00"}},
            "duties": duties,
            "supervisors": supervisors,
            "admins": admins,
        }
    )


def roster_of(community: CommunitySpec) -> Roster:
    """The community's roster (or the round-the-clock default) over its staff."""
    spec = community.roster or default_roster(community)
    building_grid = {b.number: b.grid for b in community.buildings if b.grid is not None}
    return Roster(spec, staff_refs(community), building_grid, ZoneInfo(community.timezone))


def duty_report(
    community: CommunitySpec,
    at: datetime,
    building: str | None,
    category: str,
    level: int,
    on_unknown_year: Callable[[int], None] | None = None,
    national: Iterable[YearSchedule] = (),
) -> dict[str, Any]:
    """Who is on duty, the escalation chain, and the deadlines a ticket opened at `at` gets."""
    policy = community.sla or SlaPolicy()
    calendar = policy.calendar(ZoneInfo(community.timezone), on_unknown_year, national)
    answer = roster_of(community).who(building, category, at, level)
    deadlines = compute_deadlines(level, at, policy, calendar)
    return {**answer.as_json(), "deadlines": deadlines.as_dict()}

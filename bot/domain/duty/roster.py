"""Who is on duty for a building, category and moment, with a fallback chain never empty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.duty.roster_spec import (
    DutySpec,
    Override,
    RosterSpec,
    RoutingRules,
)

__all__ = [
    "ChainStep",
    "DutyAnswer",
    "Override",
    "PersonShift",
    "Roster",
    "RosterSpec",
    "RoutingRules",
    "StaffRef",
]


@dataclass(frozen=True)
class StaffRef:
    """A staff member as the roster sees them."""

    key: str
    name: str
    telegram_id: int | None
    roles: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    buildings: frozenset[str] = frozenset()
    grids: frozenset[str] = frozenset()

    def as_json(self, role: str) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "telegram_id": self.telegram_id, "role": role}


@dataclass(frozen=True)
class ChainStep:
    """The next person to page; `after_minutes` is when (after opening) if nobody accepted.

    `after_minutes` is None when this level pages the chain only as deadlines pass (see
    `bot.domain.escalation.plan_escalation`). `role` is this person's place in the chain:
    "backup", "supervisor" or "admin".
    """

    staff: StaffRef
    after_minutes: int | None
    role: str = "backup"


@dataclass(frozen=True)
class DutyAnswer:
    """Who takes a ticket first and who comes next, in order."""

    primary: StaffRef | None
    chain: tuple[ChainStep, ...] = ()
    # "on_duty" normally; "backup", "supervisor" or "admin" when the roster fell back
    primary_role: str = "on_duty"

    def everyone(self) -> list[StaffRef]:
        """Return the primary and the chain, in order."""
        head = [self.primary] if self.primary is not None else []
        return head + [step.staff for step in self.chain]

    def as_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (used by the CLI and the sandbox)."""
        return {
            "primary": None if self.primary is None else self.primary.as_json(self.primary_role),
            "chain": [
                {**step.staff.as_json(step.role), "after_minutes": step.after_minutes}
                for step in self.chain
            ],
        }


@dataclass(frozen=True)
class _Slot:
    duty_index: int
    duty: DutySpec = field(compare=False)
    key: str
    start: datetime
    end: datetime
    planned: str = field(default="", compare=False)  # whose shift it is before covers/swaps


@dataclass(frozen=True)
class PersonShift:
    """One shift a person works, after covers and swaps; `covers_for` is whose shift it was
    when they took it over (a cover or a swap), else None."""

    duty_index: int
    duty: DutySpec
    start: datetime
    end: datetime
    covers_for: str | None


#: a stretch of duty this long without a break is worth a warning to whoever set it up
LONG_STRETCH = timedelta(hours=16)
_MAX_DAYS_CHECKED = 14


@dataclass(frozen=True)
class Strain:
    """Something a roster change left that a supervisor should look at: one person on duty
    for a long stretch ("long"), or a day whose shifts have no backup ("no_backup")."""

    kind: str
    day: date
    name: str = ""
    hours: int = 0


class Roster:
    """A community's roster with its staff, answering who is on duty (pure, no I/O)."""

    def __init__(
        self,
        spec: RosterSpec,
        staff: Sequence[StaffRef],
        building_grid: Mapping[str, str],
        tz: ZoneInfo,
        routing: RoutingRules | None = None,
    ) -> None:
        self.spec = spec
        self.staff: dict[str, StaffRef] = {s.key: s for s in staff}
        self.building_grid = dict(building_grid)
        self.tz = tz
        self.routing = routing if routing is not None else spec.routing
        unknown = [
            f"{where}: {key!r}" for where, key in spec.staff_keys_used() if key not in self.staff
        ]
        if unknown:
            raise ValueError("roster names unknown staff: " + "; ".join(unknown))

    def with_override(self, override: Override) -> Roster:
        """Return a roster with one more cover, swap or leave (e.g. from /cover or /leave)."""
        spec = self.spec.model_copy(update={"overrides": [*self.spec.overrides, override]})
        return Roster(spec, list(self.staff.values()), self.building_grid, self.tz, self.routing)

    # --- shifts and overrides -------------------------------------------------------------

    def _assignee(self, key: str, shift_start: datetime) -> str:
        # covers and swaps apply, in the order written, to shifts starting in their period
        for ov in self.spec.overrides:
            if ov.kind == "leave" or ov.by is None or not ov.active_at(shift_start, self.tz):
                continue
            if key == ov.staff:
                key = ov.by
            elif ov.kind == "swap" and key == ov.by:
                key = ov.staff
        return key

    def _on_leave(self, key: str, *moments: datetime) -> bool:
        return any(
            ov.kind == "leave" and ov.staff == key and ov.active_at(moment, self.tz)
            for ov in self.spec.overrides
            for moment in moments
        )

    def _slots_starting_on(self, day: date) -> list[_Slot]:
        slots = []
        for index, duty in enumerate(self.spec.duties):
            planned = duty.assignee_on(day)
            if planned is None:
                continue
            local_start, local_end = self.spec.shifts[duty.shift].occurrence(day, self.tz)
            # compare instants in UTC: same-zone aware datetimes compare by wall clock
            start, end = local_start.astimezone(UTC), local_end.astimezone(UTC)
            key = self._assignee(planned, start)
            slots.append(_Slot(index, duty, key, start, end, planned))
        return slots

    def _fallback(self, keys: Iterable[str], at: datetime) -> StaffRef | None:
        at = at.astimezone(UTC)
        for key in keys:
            actual = self._assignee(key, at)
            if actual in self.staff and not self._on_leave(actual, at):
                return self.staff[actual]
        return None

    def _keys_with_role(self, role: str) -> list[str]:
        return [s.key for s in self.staff.values() if role in s.roles]

    # --- questions --------------------------------------------------------------------------

    def on_shift(self, at: datetime) -> list[tuple[StaffRef, DutySpec, datetime, datetime]]:
        """Return (staff, duty, shift start, shift end) of everyone on shift at `at`."""
        _require_aware(at)
        return [(self.staff[s.key], s.duty, s.start, s.end) for s in self._active(at)]

    def _active(self, at: datetime) -> list[_Slot]:
        at = at.astimezone(UTC)
        today = at.astimezone(self.tz).date()
        # a shift crossing midnight started yesterday: 02:00 belongs to yesterday's night shift
        candidates = self._slots_starting_on(today - timedelta(days=1))
        candidates += self._slots_starting_on(today)
        return [
            s
            for s in candidates
            if s.start <= at < s.end and not self._on_leave(s.key, at, s.start)
        ]

    def who(self, building: str | None, category: str, at: datetime, level: int = 2) -> DutyAnswer:
        """Answer who takes a ticket: on duty → backup → supervisor → admin, never empty."""
        _require_aware(at)
        grid = self.building_grid.get(building) if building is not None else None
        committee = category in self.routing.committee_categories

        def takes(slot: _Slot) -> bool:
            person = self.staff[slot.key]
            skills = slot.duty.skills or person.skills
            if category not in skills:
                return False
            if committee:
                # the committee's matters go to the grid worker of the building's own grid
                if self.routing.committee_role not in person.roles or grid is None:
                    return False
                if grid not in person.grids and grid not in slot.duty.grids:
                    return False
            return building is None or slot.duty.covers(building, grid)

        matching = sorted((s for s in self._active(at) if takes(s)), key=lambda s: s.duty_index)
        primaries = [s for s in matching if s.duty.role == "primary"]
        backups = [s for s in matching if s.duty.role == "backup"] + primaries[1:]

        candidates: list[tuple[StaffRef | None, str]] = [
            (self.staff[primaries[0].key] if primaries else None, "on_duty"),
            (self.staff[backups[0].key] if backups else None, "backup"),
            (
                self._fallback(self.spec.supervisors or self._keys_with_role("supervisor"), at),
                "supervisor",
            ),
            (self._fallback(self.spec.admins or self._keys_with_role("admin"), at), "admin"),
        ]
        seen: set[str] = set()
        people: list[tuple[StaffRef, str]] = []
        for person, role in candidates:
            if person is not None and person.key not in seen:
                seen.add(person.key)
                people.append((person, role))
        if not people:
            return DutyAnswer(None, ())
        timings: dict[str, int] = {
            str(role): minutes
            for role, minutes in self.spec.page_after_minutes.get(level, {}).items()
        }
        (primary, primary_role), rest = people[0], people[1:]
        chain = tuple(ChainStep(person, timings.get(role), role) for person, role in rest)
        return DutyAnswer(primary, chain, primary_role)

    def shifts_on(self, day: date) -> list[tuple[StaffRef, DutySpec, datetime, datetime]]:
        """Return (staff, duty, start, end) of the shifts starting on `day`, after overrides."""
        return [
            (self.staff[s.key], s.duty, s.start.astimezone(self.tz), s.end.astimezone(self.tz))
            for s in sorted(self._slots_starting_on(day), key=lambda s: (s.start, s.duty_index))
            if not self._on_leave(s.key, s.start)
        ]

    def shifts_of(self, key: str, first: date, last: date) -> list[PersonShift]:
        """Return the shifts `key` works starting between two local days (both included),
        after covers, swaps and leave, in time order (their calendar feed)."""
        found: list[PersonShift] = []
        for n in range((last - first).days + 1):
            for s in self._slots_starting_on(first + timedelta(days=n)):
                if s.key != key or self._on_leave(s.key, s.start):
                    continue
                start, end = s.start.astimezone(self.tz), s.end.astimezone(self.tz)
                covers_for = s.planned if s.planned != key else None
                found.append(PersonShift(s.duty_index, s.duty, start, end, covers_for))
        return sorted(found, key=lambda f: (f.start, f.duty_index))

    def leave_of(self, key: str, first: date, last: date) -> list[tuple[date, date]]:
        """Return `key`'s leave touching two local days, as (first day, last day) each."""
        found: list[tuple[date, date]] = []
        for ov in self.spec.overrides:
            if ov.kind != "leave" or ov.staff != key:
                continue
            start, end = ov.period(self.tz)
            begins = start.astimezone(self.tz).date()
            ends = (end.astimezone(self.tz) - timedelta(microseconds=1)).date()
            if begins <= last and ends >= first and (begins, ends) not in found:
                found.append((begins, ends))
        return sorted(found)

    def strains(self, first: date, last: date) -> list[Strain]:
        """Long stretches and days without a backup between two local days (at most 14)."""
        last = min(last, first + timedelta(days=_MAX_DAYS_CHECKED - 1))
        days = [first + timedelta(days=n) for n in range(-1, (last - first).days + 1)]
        worked: dict[str, list[_Slot]] = {}
        found: list[Strain] = []
        has_backups = any(d.role == "backup" for d in self.spec.duties)
        for day in days:
            slots = [s for s in self._slots_starting_on(day) if not self._on_leave(s.key, s.start)]
            primaries = [s for s in slots if s.duty.role != "backup"]
            for slot in primaries:  # being on call as a backup is not a stretch of work
                worked.setdefault(slot.key, []).append(slot)
            if has_backups and day >= first and not _real_backups(slots, primaries):
                found.append(Strain("no_backup", day))
        for key, slots in worked.items():
            for start, end in _stretches(slots):
                local_day = start.astimezone(self.tz).date()
                if (
                    end - start >= LONG_STRETCH
                    and local_day <= last
                    and end.astimezone(self.tz).date() >= first
                ):
                    hours = round((end - start).total_seconds() / 3600)
                    found.append(Strain("long", local_day, self.staff[key].name, hours))
        return sorted(found, key=lambda s: (s.day, s.kind, s.name))

    def on_duty_on(self, day: date) -> list[tuple[StaffRef, list[tuple[datetime, datetime]]]]:
        """List who works which shifts starting on `day` (for the morning handoff)."""
        by_key: dict[str, list[tuple[datetime, datetime]]] = {}
        for slot in sorted(self._slots_starting_on(day), key=lambda s: (s.start, s.duty_index)):
            if self._on_leave(slot.key, slot.start):
                continue
            intervals = by_key.setdefault(slot.key, [])
            span = (slot.start.astimezone(self.tz), slot.end.astimezone(self.tz))
            if span not in intervals:
                intervals.append(span)
        return [(self.staff[key], intervals) for key, intervals in by_key.items()]


def _real_backups(slots: list[_Slot], primaries: list[_Slot]) -> list[_Slot]:
    """Backup slots held by someone not already on duty at the same time (after a cover the
    backup may be the very person on duty: then there is none)."""
    return [
        b
        for b in slots
        if b.duty.role == "backup"
        and not any(p.key == b.key and p.start < b.end and b.start < p.end for p in primaries)
    ]


def _stretches(slots: list[_Slot]) -> list[tuple[datetime, datetime]]:
    """One person's shifts joined where one ends as (or after) the next begins."""
    joined: list[tuple[datetime, datetime]] = []
    for slot in sorted(slots, key=lambda s: s.start):
        if joined and slot.start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], slot.end))
        else:
            joined.append((slot.start, slot.end))
    return joined


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("roster questions need a timezone-aware datetime")

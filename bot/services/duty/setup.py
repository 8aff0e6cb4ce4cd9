"""A community's roster, deadlines and working calendar as they stand now: the community file
(stored in the registry) plus what supervisors and admins changed in chat."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.calendar_files import national_schedules
from bot.domain.duty.records import OverrideRecord
from bot.domain.duty.roster import Roster, StaffRef
from bot.domain.duty.roster_spec import Override, RosterSpec
from bot.domain.records import CommunityInfo, PersonInfo
from bot.domain.sla.deadlines import Deadlines, SlaPolicy, compute_deadlines
from bot.domain.sla.workdays import WorkCalendar
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory

log = logging.getLogger(__name__)

# people without a Telegram account yet are on leave for good (of_community lists active only)
_FOREVER = (date(2000, 1, 1), date(9999, 12, 1))


@lru_cache(maxsize=32)
def _roster_spec(raw: str) -> RosterSpec:
    return RosterSpec.model_validate_json(raw)


@lru_cache(maxsize=32)
def _sla_policy(raw: str) -> SlaPolicy:
    return SlaPolicy.model_validate_json(raw)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def staff_ref(person: PersonInfo) -> StaffRef:
    return StaffRef(
        key=person.key,
        name=person.name,
        telegram_id=person.telegram_id,
        roles=person.roles,
        skills=person.skills,
        buildings=person.buildings,
        grids=person.grids,
    )


def default_spec(people: Sequence[PersonInfo]) -> RosterSpec:
    """Without a roster section, everyone with a skill is on duty round the clock."""
    duties = [
        {"name": p.name, "shift": "always", "staff": p.key, "skills": sorted(p.skills)}
        for p in people
        if p.skills and p.has_role("staff", "grid_worker", "supervisor")
    ]
    return RosterSpec.model_validate(
        {
            "shifts": {"always": {"start": "00:00", "end": "00:00"}},
            "duties": duties,
            "supervisors": [p.key for p in people if p.has_role("supervisor")],
            "admins": [p.key for p in people if p.has_role("admin")],
        }
    )


def override_of(record: OverrideRecord) -> Override:
    return Override(
        kind=record.kind,  # type: ignore[arg-type]  # stored from the same Literal
        staff=record.staff_key,
        by=record.by_key,
        start=record.start_at,
        end=record.end_at,
        note=record.note,
    )


@dataclass
class DutySetup:
    """Everything the duty feature needs to answer for one community at one moment."""

    community: CommunityInfo
    people: list[PersonInfo]
    roster: Roster
    policy: SlaPolicy
    calendar: WorkCalendar
    tz: ZoneInfo
    chat_overrides: list[OverrideRecord] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    @property
    def handoff_at(self) -> time:
        return self.roster.spec.handoff_at

    def person(self, telegram_id: int | None) -> PersonInfo | None:
        return next((p for p in self.people if p.telegram_id == telegram_id), None)

    def person_by_key(self, key: str) -> PersonInfo | None:
        return next((p for p in self.people if p.key == key), None)

    def deadlines(self, level: int, opened_at: datetime) -> Deadlines:
        return compute_deadlines(level, opened_at, self.policy, self.calendar)

    async def warn_unknown_years(self, tx: TicketUnitOfWork, now: datetime) -> None:
        """Tell the admins (once per year, ever) that a date fell outside every calendar."""
        for year in self.unknown_years:
            log.warning(
                "make-up working days of %s unknown: statutory holidays and weekends off", year
            )
            from bot import i18n

            text = i18n.t(self.community.locale, "duty.workday.unknown_year", year=year)
            for p in self.people:
                if p.has_role("admin") and p.telegram_id is not None:
                    await send(
                        tx,
                        p.telegram_id,
                        text,
                        now,
                        f"duty:year:{self.community.id}:{year}:{p.telegram_id}",
                        purpose="duty.unknown_year",
                    )
        self.unknown_years.clear()


def main_due(deadlines: Deadlines) -> datetime:
    """The promise the group card shows once someone works on it: control, resolve or plan."""
    return (
        deadlines.control_by or deadlines.resolve_by or deadlines.plan_by or deadlines.respond_by
    )


async def load_setup(tx: TicketUnitOfWork, community: CommunityInfo, now: datetime) -> DutySetup:
    """Build the community's roster (file + chat overrides) and calendar (file + /workday)."""
    tz = ZoneInfo(community.timezone)
    people = await tx.people.of_community(community.id)
    raw_roster = community.extra.get("roster")
    spec = _roster_spec(_json(raw_roster)) if raw_roster else default_spec(people)
    raw_sla = community.extra.get("sla")
    policy = _sla_policy(_json(raw_sla)) if raw_sla else SlaPolicy()
    known = {p.key for p in people}
    # an override entered in chat about someone since removed from the registry is ignored
    chat_overrides = [
        r
        for r in await tx.duty.overrides(community.id, now)
        if r.staff_key in known and (r.by_key is None or r.by_key in known)
    ]
    extra: list[Override] = [override_of(r) for r in chat_overrides]
    for p in people:
        if p.telegram_id is None:  # not joined yet: cannot be paged, so never on duty
            extra.append(Override(kind="leave", staff=p.key, start=_FOREVER[0], end=_FOREVER[1]))
    if extra:
        spec = spec.model_copy(update={"overrides": [*spec.overrides, *extra]})
    building_grid = {b.number: b.grid for b in community.buildings if b.grid is not None}
    roster = Roster(spec, [staff_ref(p) for p in people], building_grid, tz)
    unknown: list[int] = []
    calendar = policy.calendar(tz, unknown.append, national_schedules())
    calendar.overrides.update(await tx.duty.workdays(community.id))
    return DutySetup(community, people, roster, policy, calendar, tz, chat_overrides, unknown)


async def duty_report_from_database(
    uow: TicketUnitOfWorkFactory,
    code: str | None,
    at: datetime,
    building: str | None,
    category: str,
    level: int,
) -> dict[str, Any]:
    """`loudao duty --db`: the same answer as from the file, for the community as stored –
    with the covers, leave and /workday entered in chat since it was loaded."""
    async with uow() as tx:
        communities = await tx.registry.communities()
        chosen = [c for c in communities if code is None or c.code == code]
        if not communities:
            raise LookupError("no community in the database yet: load one with `loudao load FILE`")
        if not chosen:
            known = ", ".join(c.code for c in communities) or "none loaded"
            raise LookupError(f"no community {code!r} in the database (known: {known})")
        if len(chosen) > 1:
            codes = ", ".join(c.code for c in chosen)
            raise LookupError(f"several communities ({codes}): choose one with --code")
        tz = ZoneInfo(chosen[0].timezone)
        local = at if at.tzinfo is not None else at.replace(tzinfo=tz)
        setup = await load_setup(tx, chosen[0], local)
    answer = setup.roster.who(building, category, local, level)
    return {**answer.as_json(), "deadlines": setup.deadlines(level, local).as_dict()}

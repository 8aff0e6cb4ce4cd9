"""The duty roster in chat: /duty, /roster, /cover, /leave, /workday, and the morning handoff."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.duty.commands import find_person, parse_day, parse_period, parse_switch
from bot.domain.duty.records import OpenTicketView
from bot.domain.duty.roster import StaffRef
from bot.domain.duty.roster_spec import DutySpec
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.records import AuditRecord, ChatInfo, CommunityInfo, PersonInfo
from bot.services.duty.setup import DutySetup, load_setup
from bot.services.escalation.followup import local_time
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory
from bot.services.tickets.cards import MANAGER_ROLES, Looks
from bot.services.tickets.routing import covers

#: `/cover del 3`, `/leave 撤销 3`: the first word that takes an override back
WITHDRAW_WORDS = frozenset({"del", "delete", "cancel", "undo", "删除", "取消", "撤销"})

log = logging.getLogger(__name__)
WEEK = 7
_NOBODY_SKILL = "__supervisor__"  # a category nobody has: the roster answers with the supervisor


_A_MINUTE = timedelta(minutes=1)


class DutyDesk:
    """Who is on duty, the roster view, chat overrides, and the morning handoff."""

    def __init__(
        self,
        uow: TicketUnitOfWorkFactory,
        clock: Clock,
        looks: Looks | None = None,
        handoff_window: timedelta = timedelta(hours=6),
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.looks = looks or Looks()
        # a handoff missed by more than this (the bot was down all morning) is skipped
        self.handoff_window = handoff_window
        # community id → (its last change, the first moment its handoff is worth a look): the
        # tick reads one small row per community and loads a community only when that comes
        self._next_look: dict[int, tuple[datetime, datetime]] = {}

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    async def _me(tx: TicketUnitOfWork, user_id: int) -> tuple[PersonInfo, CommunityInfo]:
        for person in await tx.people.by_telegram_id(user_id):
            community = await tx.registry.community(person.community_id)
            if community is not None:
                return person, community
        raise NotAllowed("duty.error.staff_only")

    async def _manager(
        self, tx: TicketUnitOfWork, user_id: int, *roles: str
    ) -> tuple[PersonInfo, CommunityInfo]:
        person, community = await self._me(tx, user_id)
        if not person.has_role(*(roles or MANAGER_ROLES)):
            raise NotAllowed("duty.error.managers_only")
        return person, community

    def _skills(self, locale: str, duty: DutySpec, staff: StaffRef) -> str:
        skills = duty.skills or sorted(staff.skills)
        return "、".join(self.looks.category(locale, s) for s in skills[:5]) or "—"

    @staticmethod
    def _hhmm(moment: datetime, tz: ZoneInfo) -> str:
        return moment.astimezone(tz).strftime("%H:%M")

    # -- /duty -----------------------------------------------------------------------------
    async def on_duty(self, chat_id: int, private: bool, user_id: int, arg: str | None) -> str:
        """Who is on duty now for this group's building (names and kinds of problem only)."""
        now = self.clock.now()
        async with self.uow() as tx:
            chat: ChatInfo | None = None
            if private:
                _, community = await self._me(tx, user_id)
            else:
                chat = await tx.chats.get(chat_id)
                if chat is None or chat.community_id is None:
                    raise NotAllowed("duty.error.unbound")
                found = await tx.registry.community(chat.community_id)
                if found is None:
                    raise NotAllowed("duty.error.unbound")
                community = found
            setup = await load_setup(tx, community, now)
        building = arg.strip().removesuffix("号楼") if arg else None
        if building is not None and community.building(building) is None:
            raise InvalidInput("duty.error.unknown_building", building=building[:10])
        grid = None
        if building is None and chat is not None:
            if chat.coverage_kind in ("building", "unit"):
                building = chat.coverage_ref
            elif chat.coverage_kind == "grid":
                grid = chat.coverage_ref
        return self._on_duty_text(setup, now, building, grid)

    def _on_duty_text(
        self, setup: DutySetup, now: datetime, building: str | None, grid: str | None
    ) -> str:
        community, locale = setup.community, setup.community.locale
        building_grid = setup.roster.building_grid

        def in_scope(duty: DutySpec) -> bool:
            if building is not None:
                return duty.covers(building, building_grid.get(building))
            if grid is not None:
                return (
                    duty.covers(None, None)
                    or grid in duty.grids
                    or any(building_grid.get(b) == grid for b in duty.buildings)
                )
            return True

        seen: dict[str, list[str]] = {}
        ends: list[datetime] = []
        for staff, duty, _start, end in sorted(setup.roster.on_shift(now), key=lambda row: row[2]):
            if not in_scope(duty) or staff.key in seen:
                continue
            ends.append(end)
            key = "duty.now.line_backup" if duty.role == "backup" else "duty.now.line"
            seen[staff.key] = [
                i18n.t(
                    locale,
                    key,
                    name=staff.name,
                    skills=self._skills(locale, duty, staff),
                    until=self._hhmm(end, setup.tz),
                )
            ]
        if building is not None:
            where = self.looks.place(locale, building, None)
        elif grid is not None:
            where = grid
        else:
            where = community.name
        lines = [i18n.t(locale, "duty.now.title", where=where)]
        lines += [line for rows in seen.values() for line in rows]
        if not seen:
            lines.append(i18n.t(locale, "duty.now.nobody"))
        else:  # and who takes over when the first of these shifts ends
            handover = min(ends)
            nxt = [
                staff.name
                for staff, duty, _s, _e in setup.roster.on_shift(handover + _A_MINUTE)
                if in_scope(duty) and duty.role != "backup" and staff.key not in seen
            ]
            if nxt:
                lines.append(
                    i18n.t(
                        locale,
                        "duty.now.next",
                        at=self._hhmm(handover, setup.tz),
                        names="、".join(dict.fromkeys(nxt)),
                    )
                )
        fallback = setup.roster.who(building, _NOBODY_SKILL, now)
        if fallback.primary is not None:
            lines.append(i18n.t(locale, "duty.now.supervisor", name=fallback.primary.name))
        return "\n".join(lines)

    # -- /roster ---------------------------------------------------------------------------
    async def roster(self, user_id: int, arg: str | None) -> str:
        """Supervisors' view: who works which shifts today (or this week), and chat overrides."""
        now = self.clock.now()
        async with self.uow() as tx:
            _, community = await self._manager(tx, user_id)
            setup = await load_setup(tx, community, now)
        locale = community.locale
        today = now.astimezone(setup.tz).date()
        word = (arg or "").strip().lower()
        if word in ("week", "本周", "一周", "7"):
            days = [today + timedelta(days=i) for i in range(WEEK)]
        elif word:
            days = [parse_day(word, today)]
        else:
            days = [today]
        lines: list[str] = []
        for day in days:
            weekday = i18n.t(locale, f"duty.weekday.{day.weekday()}")
            lines.append(
                i18n.t(locale, "duty.roster.day", month=day.month, day=day.day, weekday=weekday)
            )
            working = (
                "duty.roster.workday" if setup.calendar.is_workday(day) else "duty.roster.off"
            )
            lines[-1] += " " + i18n.t(locale, working)
            shifts = setup.roster.shifts_on(day)
            by_person: dict[str, tuple[str, list[str]]] = {}
            for staff, duty, a, b in shifts:
                span = f"{self._hhmm(a, setup.tz)}–{self._hhmm(b, setup.tz)}"
                if duty.role == "backup":
                    span += i18n.t(locale, "duty.roster.backup")
                entry = by_person.setdefault(staff.key, (staff.name, []))
                if span not in entry[1]:
                    entry[1].append(span)
            for name, spans in by_person.values():
                lines.append(i18n.t(locale, "duty.roster.line", name=name, spans="，".join(spans)))
            if not shifts:
                lines.append(i18n.t(locale, "duty.roster.empty"))
        if setup.chat_overrides:
            lines.append(i18n.t(locale, "duty.roster.overrides"))
            for o in setup.chat_overrides:
                line = self._override_line(
                    setup, o.kind, o.staff_key, o.by_key, o.start_at, o.end_at
                )
                lines.append(i18n.t(locale, "duty.override.numbered", no=o.id, line=line))
            lines.append(i18n.t(locale, "duty.override.how_to_withdraw"))
        return "\n".join(lines)

    def _override_line(
        self,
        setup: DutySetup,
        kind: str,
        staff_key: str,
        by_key: str | None,
        start: datetime,
        end: datetime,
    ) -> str:
        locale = setup.community.locale
        staff = setup.person_by_key(staff_key)
        by = setup.person_by_key(by_key) if by_key else None
        return i18n.t(
            locale,
            f"duty.override.{kind}",
            name=staff.name if staff else staff_key,
            by=by.name if by else (by_key or ""),
            start=local_time(setup.community, start),
            end=local_time(setup.community, end),
        )

    # -- /cover, /swap and /leave ---------------------------------------------------------------
    async def cover(self, user_id: int, args: Sequence[str], update_id: int) -> str:
        """/cover <person> [<by>] <from> <to>: `by` (default: me) takes the person's shifts."""
        return await self._change(user_id, "cover", (3, 4), args, update_id)

    async def swap(self, user_id: int, args: Sequence[str], update_id: int) -> str:
        """/swap <person> <other> <from> <to>: the two take each other's shifts in the period."""
        return await self._change(user_id, "swap", (4,), args, update_id)

    async def leave(self, user_id: int, args: Sequence[str], update_id: int) -> str:
        """/leave [<person>] <from> <to>: nobody pages that person in the period."""
        return await self._change(user_id, "leave", (2, 3), args, update_id)

    async def _change(
        self,
        user_id: int,
        kind: str,
        arg_counts: tuple[int, ...],
        args: Sequence[str],
        update_id: int,
    ) -> str:
        """Any of the three takes `del N` (撤销/取消 N) to withdraw an override instead."""
        if args and args[0].lower() in WITHDRAW_WORDS:
            return await self.withdraw(user_id, args[1:], update_id)
        if len(args) not in arg_counts:
            raise InvalidInput(f"duty.error.{kind}_usage")
        return await self._override(user_id, kind, args, update_id)

    async def _override(self, user_id: int, kind: str, args: Sequence[str], update_id: int) -> str:
        now = self.clock.now()
        async with self.uow() as tx:
            me, community = await self._manager(tx, user_id)
            people = await tx.people.of_community(community.id)
            tz = ZoneInfo(community.timezone)
            today = now.astimezone(tz).date()
            if kind in ("cover", "swap"):
                staff = find_person(people, args[0])
                by = find_person(people, args[1]) if len(args) == 4 else me
                if by.key == staff.key:
                    raise InvalidInput("duty.error.same_person")
            else:
                staff = find_person(people, args[0]) if len(args) == 3 else me
                by = None
            start, end = parse_period(args[-2], args[-1], today, tz)
            if end <= now:
                raise InvalidInput("duty.error.in_the_past")
            stored = await tx.duty.add_override(
                community.id,
                kind,
                staff.key,
                by.key if by else None,
                start,
                end,
                "",
                user_id,
                update_id,
                now,
            )
            setup = await load_setup(tx, community, now)
            line = self._override_line(setup, kind, staff.key, by.key if by else None, start, end)
            if stored:
                await tx.audit.record(
                    AuditRecord(
                        action=f"roster.{kind}",
                        subject=f"person:{staff.key}",
                        actor_telegram_id=user_id,
                        community_id=community.id,
                        update_id=update_id,
                        details={
                            "by": by.key if by else None,
                            "start": start.isoformat(),
                            "end": end.isoformat(),
                        },
                    ),
                    now,
                )
                text = i18n.t(community.locale, "duty.override.told", who=me.name, line=line)
                await _tell(tx, (staff, by), user_id, text, f"duty:ov:{update_id}", now)
            await tx.commit()
        saved = i18n.t(community.locale, "duty.override.saved", line=line)
        return "\n".join([saved, *self._strain_lines(setup, start, end)])

    def _strain_lines(self, setup: DutySetup, start: datetime, end: datetime) -> list[str]:
        """What the change left for the supervisor to look at: a long stretch for one person,
        a day with no backup."""
        locale, tz = setup.community.locale, setup.tz
        lines = []
        for strain in setup.roster.strains(start.astimezone(tz).date(), end.astimezone(tz).date()):
            day = i18n.t(locale, "tickets.date", month=strain.day.month, day=strain.day.day)
            lines.append(
                i18n.t(
                    locale,
                    f"duty.override.strain_{strain.kind}",
                    day=day,
                    name=strain.name,
                    hours=strain.hours,
                )
            )
        return lines

    async def withdraw(self, user_id: int, args: Sequence[str], update_id: int) -> str:
        """/cover del <no> or /leave del <no>: take back a cover or leave entered in chat."""
        number = args[0].lstrip("#＃") if len(args) == 1 else ""
        if not number.isdigit():
            raise InvalidInput("duty.error.withdraw_usage")
        now = self.clock.now()
        async with self.uow() as tx:
            me, community = await self._manager(tx, user_id)
            setup = await load_setup(tx, community, now)
            removed = await tx.duty.remove_override(community.id, int(number))
            if removed is None:
                # the same command handled twice finds it gone: say so plainly, change nothing
                raise InvalidInput("duty.error.no_such_override", number=number)
            line = self._override_line(
                setup, removed.kind, removed.staff_key, removed.by_key,
                removed.start_at, removed.end_at,
            )  # fmt: skip
            await tx.audit.record(
                AuditRecord(
                    action=f"roster.{removed.kind}.withdrawn",
                    subject=f"person:{removed.staff_key}",
                    actor_telegram_id=user_id,
                    community_id=community.id,
                    update_id=update_id,
                    details={"override": removed.id, "by": removed.by_key},
                ),
                now,
            )
            text = i18n.t(community.locale, "duty.override.withdrawn_told", who=me.name, line=line)
            concerned = [setup.person_by_key(k) for k in (removed.staff_key, removed.by_key) if k]
            await _tell(tx, concerned, user_id, text, f"duty:ov-del:{removed.id}", now)
            await tx.commit()
        return i18n.t(community.locale, "duty.override.withdrawn", line=line)

    # -- /workday --------------------------------------------------------------------------
    async def workday(self, user_id: int, args: Sequence[str]) -> str:
        """/workday 2027-02-07 on|off|auto: correct the working-day calendar (admins)."""
        if len(args) != 2:
            raise InvalidInput("duty.error.workday_usage")
        now = self.clock.now()
        async with self.uow() as tx:
            _, community = await self._manager(tx, user_id, "admin")
            tz = ZoneInfo(community.timezone)
            day = parse_day(args[0], now.astimezone(tz).date())
            working = parse_switch(args[1])
            await tx.duty.set_workday(community.id, day, working, user_id, now)
            await tx.audit.record(
                AuditRecord(
                    action="calendar.workday",
                    subject=f"day:{day.isoformat()}",
                    actor_telegram_id=user_id,
                    community_id=community.id,
                    details={"working": working},
                ),
                now,
            )
            setup = await load_setup(tx, community, now)
            await tx.commit()
        state = "on" if setup.calendar.is_workday(day) else "off"
        key = "duty.workday.auto" if working is None else "duty.workday.saved"
        return i18n.t(
            community.locale,
            key,
            month=day.month,
            day=day.day,
            year=day.year,
            state=i18n.t(community.locale, f"duty.workday.{state}"),
        )

    # -- the morning handoff ---------------------------------------------------------------------
    async def tick(self) -> int:
        """Send each community's morning handoff once a day; return how many people got one.

        A community is loaded only when its handoff may be due: before its time, after it was
        done (or too late) today, the tick looks at one small row of it and goes on."""
        now = self.clock.now()
        async with self.uow() as tx:
            versions = await tx.registry.community_versions()
        sent = 0
        for community_id, changed_at in versions.items():
            known = self._next_look.get(community_id)
            if known is not None and known[0] == changed_at and now < known[1]:
                continue
            try:
                sent += await self._handoff(community_id, changed_at, now)
            except Exception:
                log.exception(
                    "morning handoff of community %s failed",
                    community_id,
                    extra={"community_id": community_id},
                )
        return sent

    async def _handoff(self, community_id: int, changed_at: datetime, now: datetime) -> int:
        async with self.uow() as tx:
            community = await tx.registry.community(community_id)
            if community is None:
                return 0
            setup = await load_setup(tx, community, now)
            today = now.astimezone(setup.tz).date()
            start = datetime.combine(today, setup.handoff_at, tzinfo=setup.tz)
            if now < start:
                self._next_look[community_id] = (changed_at, start)
                return 0
            tomorrow = datetime.combine(today + timedelta(days=1), time(), tzinfo=setup.tz)
            self._next_look[community_id] = (changed_at, tomorrow)
            if now > start + self.handoff_window:
                return 0  # too late today: tomorrow's handoff covers it
            if not await tx.duty.claim_daily(community.id, "handoff", today, now):
                return 0  # another process (or an earlier run) did it
            tickets = await tx.duty.open_tickets(community.id)
            sent = 0
            for staff, intervals in setup.roster.on_duty_on(today):
                person = setup.person_by_key(staff.key)
                if person is None or person.telegram_id is None:
                    continue
                text = self._handoff_text(setup, person, intervals, tickets, today)
                queued = await send(
                    tx,
                    person.telegram_id,
                    text,
                    now,
                    f"duty:handoff:{community.id}:{today.isoformat()}:{person.telegram_id}",
                    purpose="duty.handoff",
                )
                sent += queued is not None
            await tx.commit()
        return sent

    def _handoff_text(
        self,
        setup: DutySetup,
        person: PersonInfo,
        intervals: list[tuple[datetime, datetime]],
        tickets: list[OpenTicketView],
        today: date,
    ) -> str:
        community, locale, tz = setup.community, setup.community.locale, setup.tz
        spans = "，".join(
            i18n.t(
                locale,
                "duty.handoff.span_next_day" if b.date() > a.date() else "duty.handoff.span",
                start=a.strftime("%H:%M"),
                end=b.strftime("%H:%M"),
            )
            for a, b in intervals
        )
        mine = [
            t
            for t in tickets
            if t.assignee_id == person.telegram_id
            or (
                t.assignee_id is None
                and t.category in person.skills
                and covers(person, community, t.building)
            )
        ]
        lines = [i18n.t(locale, "duty.handoff.title", name=person.name, spans=spans)]
        due_today = 0
        for t in mine:
            deadline = t.respond_by if t.status.value in ("new", "assigned", "reopened") else None
            deadline = deadline or t.due_at
            line = i18n.t(
                locale,
                "duty.handoff.ticket",
                number=t.label,
                category=self.looks.category(locale, t.category),
                place=self.looks.place(locale, t.building, t.unit),
                status=self.looks.status(locale, t.status),
            )
            if deadline is not None:
                line += i18n.t(locale, "duty.handoff.due", when=local_time(community, deadline))
                if deadline.astimezone(tz).date() <= today:
                    line += i18n.t(locale, "duty.handoff.due_today")
                    due_today += 1
            lines.append(line)
        if not mine:
            lines.append(i18n.t(locale, "duty.handoff.none"))
        else:
            lines.insert(1, i18n.t(locale, "duty.handoff.count", count=len(mine), due=due_today))
        return "\n".join(lines)


async def _tell(
    tx: TicketUnitOfWork,
    people: Sequence[PersonInfo | None],
    actor_id: int,
    text: str,
    key: str,
    now: datetime,
) -> None:
    """Tell each person concerned by a roster change privately, once; not the one who made it."""
    told = {actor_id}
    for person in people:
        if person is None or person.telegram_id is None or person.telegram_id in told:
            continue
        told.add(person.telegram_id)
        await send(
            tx,
            person.telegram_id,
            text,
            now,
            f"{key}:{person.telegram_id}",
            purpose="duty.override",
        )

"""Duty with a real database: the roster router with chat overrides and /workday, steps planned
and settled with the ticket's state, and each step fired exactly once – also by two tick
runners on one PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from bot.domain.records import CommunityInfo, OutboundMessage
from bot.domain.tickets import Action, NewTicket, Ticket
from bot.domain.tickets.changes import card_posted, deadlines, handed_to
from bot.registry_file import read_registry
from bot.services.duty.desk import DutyDesk
from bot.services.duty.routing import RosterRouter
from bot.services.escalation.desk import EscalationDesk
from bot.services.registry import load_registry
from bot.services.tickets.core import change
from storage.database import Database
from storage.models import AuditEvent, OutboxMessage
from storage.models_duty import EscalationRow
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
SH = ZoneInfo("Asia/Shanghai")
ZHANG, ZHOU, LI, LIU, WANG = 9003, 9008, 9002, 9004, 9001


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
async def community(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> CommunityInfo:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        found = await tx.registry.community_by_code("A")
    assert found is not None
    return found


async def open_ticket(
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,
    at: datetime,
    key: str,
    category: str = "water_leak",
    level: int = 1,
    text: str = "水管爆了",
) -> Ticket:
    """Open and assign a ticket the way intake does: the router, then the ASSIGN transition."""
    assignment = await RosterRouter(uow).route(community, "3", category, level, at)
    assert assignment.person is not None
    async with uow() as tx:
        ticket = await tx.tickets.create(
            NewTicket(
                community_id=community.id, source_key=key, source="mention", category=category,
                level=level, building="3", unit="2", room="401", phone=None, text=text,
                chat_id=-1001003, message_id=10, reporter_id=201, reporter_name="陈大爷",
            ),
            at,
        )  # fmt: skip
        ticket = await change(
            tx,
            ticket,
            Action.ASSIGN,
            at,
            actor=None,
            update_id=None,
            locale="zh_CN",
            changes=handed_to(assignment.person.telegram_id, assignment.person.name)
            | deadlines(assignment.respond_by, assignment.due_at),
        )
        await tx.commit()
    return ticket


# -- routing ----------------------------------------------------------------------------------


async def test_friday_evening_level_2_before_national_day_through_the_router(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo
) -> None:
    router = RosterRouter(uow)
    # Friday 9/25 19:30 (already Mid-Autumn): the electrician's day shift is over → supervisor;
    # acknowledge within 2 working hours → Monday 9/28 10:30; 5 working days skip Golden Week
    a = await router.route(community, "3", "lighting", 2, sh(2026, 9, 25, 19, 30))
    assert a.person is not None and a.person.telegram_id == LI and a.reason == "supervisor"
    assert a.respond_by == sh(2026, 9, 28, 10, 30)
    assert a.due_at == sh(2026, 10, 9, 17, 30)
    # Friday 10/9 16:00 by day: the electrician; the make-up Saturday 10/10 is a working day
    a = await router.route(community, "3", "lighting", 2, sh(2026, 10, 9, 16))
    assert a.person is not None and a.person.telegram_id == LIU and a.reason == "on_duty"
    assert a.respond_by == sh(2026, 10, 10, 9)
    assert a.due_at == sh(2026, 10, 15, 17, 30)


async def test_workday_override_from_chat_moves_new_deadlines(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    desk = DutyDesk(uow, clock)
    clock.set(sh(2026, 10, 1, 9))
    assert "休息" in await desk.workday(WANG, ["2026-10-10", "off"])
    a = await RosterRouter(uow).route(community, "3", "lighting", 2, sh(2026, 10, 9, 16))
    assert a.respond_by == sh(2026, 10, 12, 9)  # the Saturday is off now: Monday
    assert "上班" in await desk.workday(WANG, ["2026-10-10", "auto"])
    a = await RosterRouter(uow).route(community, "3", "lighting", 2, sh(2026, 10, 9, 16))
    assert a.respond_by == sh(2026, 10, 10, 9)
    with pytest.raises(Exception, match="managers_only"):
        await desk.workday(LI, ["2026-10-10", "off"])  # supervisors cannot, admins can


async def test_leave_from_chat_sends_the_night_leak_to_the_backup(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    clock.set(sh(2026, 11, 30, 12))
    desk = DutyDesk(uow, clock)
    reply = await desk.leave(LI, ["周师傅", "12-01", "12-01"], update_id=500)
    assert "周师傅" in reply
    await desk.leave(LI, ["周师傅", "12-01", "12-01"], update_id=500)  # the same update again
    async with uow() as tx:
        assert len(await tx.duty.overrides(community.id, clock.now())) == 1
    a = await RosterRouter(uow).route(community, "3", "water_leak", 1, sh(2026, 12, 1, 2))
    assert a.person is not None and a.person.telegram_id == ZHANG and a.reason == "backup"
    # a cover by the supervisor: the day plumber's 12/2 shift goes to the night plumber
    await desk.cover(LI, ["zhang", "zhou", "12-02", "12-02"], update_id=501)
    a = await RosterRouter(uow).route(community, "3", "water_leak", 2, sh(2026, 12, 2, 10))
    assert a.person is not None and a.person.telegram_id == ZHOU
    roster = await desk.roster(LI, None)
    assert "调班和请假" in roster and "请假" in roster


# -- planning and settling --------------------------------------------------------------------


async def test_assignment_plans_steps_and_accepting_stops_the_chain(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo
) -> None:
    opened = sh(2026, 12, 1, 2)
    ticket = await open_ticket(uow, community, opened, "u:1")
    assert ticket.assignee_id == ZHOU and ticket.respond_by == opened + timedelta(minutes=30)
    async with uow() as tx:
        steps = await tx.duty.steps(ticket.id)
    at_5 = [(s.kind, s.target_id) for s in steps if s.due_at == opened + timedelta(minutes=5)]
    assert ("page", ZHANG) in at_5 and ("page", LI) in at_5  # backup and supervisor at once
    assert [s.step_no for s in steps] == list(range(1, len(steps) + 1))
    async with uow() as tx:
        fresh = await tx.tickets.get(ticket.id)
        assert fresh is not None
        await change(tx, fresh, Action.ACCEPT, opened, actor=ZHOU, update_id=1, locale="zh_CN")
        await tx.commit()
    async with uow() as tx:
        steps = await tx.duty.steps(ticket.id)
    pending = {s.reason for s in steps if s.cancelled_at is None}
    assert pending == {"control_by"}  # the other promise still stands (the call follows the fix)


async def test_a_handover_aims_what_is_still_to_come_at_the_new_holder(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo
) -> None:
    opened = sh(2026, 12, 1, 2)
    ticket = await open_ticket(uow, community, opened, "u:1")  # the night plumber's
    moment = opened + timedelta(minutes=2)
    async with uow() as tx:
        fresh = await tx.tickets.get(ticket.id)
        assert fresh is not None
        await change(
            tx, fresh, Action.REASSIGN, moment, actor=LI, update_id=2, locale="zh_CN",
            changes=handed_to(ZHANG, "张师傅"),
        )  # fmt: skip
        await tx.commit()
    async with uow() as tx:
        steps = await tx.duty.steps(ticket.id)
    pending = [s for s in steps if s.cancelled_at is None and s.fired_at is None]
    assert pending and all(s.due_at > moment for s in pending)
    assert ZHOU not in {s.target_id for s in pending}  # the old holder is out of it
    reminded = {s.target_id for s in pending if s.kind == "remind"}
    assert reminded == {ZHANG}
    at_5 = {s.target_id for s in pending if s.due_at == opened + timedelta(minutes=5)}
    assert at_5 == {LI}  # the backup holds it now: only the supervisor is above him
    pages = {(s.due_at - opened, s.target_id) for s in pending if s.kind == "page"}
    # the promises do not move with the handover: 30 min to respond, 2 h under control
    assert (timedelta(minutes=30), WANG) in pages and (timedelta(hours=2), WANG) in pages
    numbers = [s.step_no for s in steps]
    assert len(numbers) == len(set(numbers))


async def test_each_step_fires_once_and_a_second_runner_finds_nothing(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    opened = sh(2026, 12, 1, 2)
    ticket = await open_ticket(uow, community, opened, "u:1")
    clock.set(opened + timedelta(minutes=6))
    first, second = EscalationDesk(uow, clock), EscalationDesk(uow, clock)
    assert await first.tick() == 3  # the 4-minute reminder, the two 5-minute pages
    assert await second.tick() == 0
    async with uow() as tx:
        keys = list(
            await tx.session.scalars(
                select(OutboxMessage.dedup_key).where(OutboxMessage.purpose.like("duty.%"))
            )
        )
        outcomes = [(s.target_id, s.outcome) for s in await tx.duty.steps(ticket.id) if s.fired_at]
    assert sorted(keys) == [f"esc:{ticket.id}:{n}" for n in (1, 2, 3)]
    assert sorted(outcomes, key=str) == sorted(
        [(ZHOU, "reminded"), (ZHANG, "sent"), (LI, "sent")], key=str
    )


async def test_two_tick_runners_on_one_database_fire_every_step_once(
    engine: AsyncEngine, uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("two processes at once need row locks (PostgreSQL)")
    opened = sh(2026, 12, 1, 2)
    for i in range(12):
        await open_ticket(uow, community, opened, f"u:{i}")
    clock.set(opened + timedelta(minutes=6))
    other = Database(engine.url.render_as_string(hide_password=False))  # a second process
    try:
        runs = await asyncio.gather(
            EscalationDesk(uow, clock).tick(), EscalationDesk(other.uow, clock).tick()
        )
    finally:
        await other.close()
    assert sum(runs) == 36 and all(runs)  # both runners worked, 3 due steps per ticket
    async with uow() as tx:
        fired = await tx.session.scalar(
            select(func.count())
            .select_from(EscalationRow)
            .where(EscalationRow.fired_at.is_not(None))
        )
        sent = await tx.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedup_key.like("esc:%"))
        )
    assert fired == 36 and sent == 36


async def test_morning_handoff_once_a_day_for_everyone_on_duty(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    await open_ticket(uow, community, sh(2026, 12, 1, 2), "u:1")  # the night plumber's
    clock.set(sh(2026, 12, 1, 7, 59))
    desk = DutyDesk(uow, clock)
    assert await desk.tick() == 0
    clock.set(sh(2026, 12, 1, 8, 0))
    sent = await desk.tick()
    assert sent >= 5  # plumbers, electrician, cleaner, grid workers on a Tuesday
    assert await DutyDesk(uow, clock).tick() == 0  # another process, the same day: nothing
    async with uow() as tx:
        texts = {
            m.chat_id: m.payload["text"]
            for m in await tx.session.scalars(
                select(OutboxMessage).where(OutboxMessage.purpose == "duty.handoff")
            )
        }
    assert "#A-0001" in texts[ZHOU] and "17:00–次日08:00" in texts[ZHOU]
    assert "没有待办工单" in texts[LIU]
    assert LI not in texts  # the supervisor is not on a shift on Tuesdays
    clock.set(sh(2026, 12, 2, 8, 5))
    assert await desk.tick() == sent  # the next morning, again once


async def _with_card(uow: SqlUnitOfWorkFactory, ticket: Ticket, at: datetime) -> None:
    async with uow() as tx:
        card = await tx.outbox.enqueue(
            OutboundMessage(-1001003, "send_message", {"text": "card"}, "ticket.card"), at
        )
        await tx.tickets.update(ticket.id, card_posted(card), at)
        await tx.commit()


async def _card_edits(uow: SqlUnitOfWorkFactory) -> list[tuple[str, str]]:
    async with uow() as tx:
        return [
            (m.dedup_key or "", str(m.payload["text"]))
            for m in await tx.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.purpose == "duty.card_escalated")
                .order_by(OutboxMessage.id)
            )
        ]


async def test_the_group_card_tells_of_the_escalation_only_when_the_community_opts_in(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    from storage.models import Community

    opened = sh(2026, 12, 1, 2)
    quiet = await open_ticket(uow, community, opened, "u:1")
    await _with_card(uow, quiet, opened)
    clock.set(opened + timedelta(minutes=5))
    assert await EscalationDesk(uow, clock).tick() == 3
    assert await _card_edits(uow) == []  # default: escalation stays internal
    async with uow() as tx:
        row = await tx.session.get(Community, community.id)
        assert row is not None
        row.extra = {**row.extra, "sla": {**row.extra["sla"], "show_escalation": True}}
        await tx.commit()
    told = await open_ticket(uow, community, clock.now(), "u:2")
    await _with_card(uow, told, clock.now())
    clock.advance(minutes=5)
    await EscalationDesk(uow, clock).tick()
    edits = await _card_edits(uow)
    assert edits and all(key.startswith(f"tk:{told.id}:") for key, _ in edits)
    assert "已超时，已升级至张师傅、李经理" in edits[-1][1]
    assert "#A-0002" in edits[-1][1] and "401" not in edits[-1][1]


async def test_a_year_no_calendar_knows_warns_the_admins_once(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo
) -> None:
    at = sh(2031, 3, 3, 10)  # beyond chinese-calendar and holidays' published schedules
    await open_ticket(uow, community, at, "u:1", category="lighting", level=2)
    await open_ticket(uow, community, at, "u:2", category="lighting", level=2)
    async with uow() as tx:
        warnings = list(
            await tx.session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.purpose == "duty.unknown_year")
            )
        )
    assert warnings == [WANG]


async def test_the_duty_report_from_the_database_counts_leave_entered_in_chat(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    from bot.services.duty.setup import duty_report_from_database

    night = datetime(2026, 12, 1, 2, 0)  # naive: the community's own time, as typed
    before = await duty_report_from_database(uow, "A", night, "3", "water_leak", 1)
    assert before["primary"]["name"] == "周师傅"
    clock.set(sh(2026, 11, 30, 12))
    await DutyDesk(uow, clock).leave(LI, ["周师傅", "12-01", "12-01"], update_id=700)
    after = await duty_report_from_database(uow, "A", night, "3", "water_leak", 1)
    assert after["primary"]["name"] == "张师傅" and after["primary"]["role"] == "backup"
    assert after["deadlines"]["respond_by"] == "2026-11-30T18:30:00+00:00"
    with pytest.raises(LookupError, match="no community 'Z'"):
        await duty_report_from_database(uow, "Z", night, "3", "water_leak", 1)


async def test_a_supervisor_takes_back_a_leave_from_chat_and_the_night_plumber_is_paged_again(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    clock.set(sh(2026, 11, 30, 12))
    desk = DutyDesk(uow, clock)
    await desk.leave(LI, ["周师傅", "12-01", "12-01"], update_id=800)
    roster = await desk.roster(LI, None)
    async with uow() as tx:
        (stored,) = await tx.duty.overrides(community.id, clock.now())
    assert f"编号 {stored.id}" in roster and "/cover del" in roster
    with pytest.raises(Exception, match="managers_only"):
        await desk.leave(ZHOU, ["del", str(stored.id)], update_id=801)  # staff cannot
    with pytest.raises(Exception, match="withdraw_usage"):
        await desk.cover(LI, ["del", "周师傅"], update_id=802)
    reply = await desk.cover(LI, ["撤销", f"#{stored.id}"], update_id=803)
    assert reply.startswith("已撤销") and "周师傅 请假" in reply
    a = await RosterRouter(uow).route(community, "3", "water_leak", 1, sh(2026, 12, 1, 2))
    assert a.person is not None and a.person.telegram_id == ZHOU
    with pytest.raises(Exception, match="no_such_override"):
        await desk.cover(LI, ["del", str(stored.id)], update_id=804)  # already gone
    async with uow() as tx:
        told = [
            m.chat_id
            for m in await tx.session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedup_key.like("duty:ov-del:%"))
            )
        ]
        audit = await tx.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "roster.leave.withdrawn")
        )
    assert told == [ZHOU] and audit == 1


async def test_a_page_pressed_after_someone_else_took_the_ticket_changes_nothing(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    from bot.domain.records import ButtonSpec
    from bot.services.buttons import Pressed
    from bot.services.tickets.dto import Origin

    opened = sh(2026, 12, 1, 2)
    ticket = await open_ticket(uow, community, opened, "u:1")
    clock.set(opened + timedelta(minutes=5))
    desk = EscalationDesk(uow, clock)
    await desk.tick()

    def page_of(user: int, roles: frozenset[str]) -> Pressed:
        spec = ButtonSpec("duty.take", str(ticket.id), {"t": ticket.id}, (user,))
        return Pressed(f"b{user}", spec, user, roles)

    answer = await desk.take(page_of(ZHANG, frozenset({"staff"})), Origin(ZHANG, 1, 900))
    assert "已接单" in answer
    # the supervisor's press was already on its way when the backup took it
    late = await desk.take(page_of(LI, frozenset({"supervisor"})), Origin(LI, 1, 901))
    assert late == "张师傅 已经接单了，谢谢。"
    async with uow() as tx:
        fresh = await tx.tickets.get(ticket.id)
        cards = await tx.tickets.live_cards(ticket.id)
    assert fresh is not None and fresh.assignee_id == ZHANG
    # only the backup's own new card still has buttons; both pages and the old card are over
    assert [(c.kind, c.telegram_id) for c in cards] == [("card", ZHANG)]


async def test_a_swap_from_chat_exchanges_the_two_plumbers_shifts_for_the_day(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    clock.set(sh(2026, 12, 5, 12))
    desk = DutyDesk(uow, clock)
    with pytest.raises(Exception, match="swap_usage"):
        await desk.swap(LI, ["张师傅", "12-06", "12-06"], update_id=900)
    reply = await desk.swap(LI, ["张师傅", "周师傅", "12-06", "12-06"], update_id=901)
    assert "张师傅 和 周师傅 换班" in reply
    router = RosterRouter(uow)
    by_day = await router.route(community, "3", "water_leak", 2, sh(2026, 12, 6, 10))
    at_night = await router.route(community, "3", "water_leak", 1, sh(2026, 12, 6, 22))
    assert by_day.person is not None and by_day.person.telegram_id == ZHOU
    assert at_night.person is not None and at_night.person.telegram_id == ZHANG
    normal = await router.route(community, "3", "water_leak", 2, sh(2026, 12, 7, 10))
    assert normal.person is not None and normal.person.telegram_id == ZHANG  # the day after


async def test_staff_raise_a_misread_report_to_an_emergency_and_the_pages_catch_up(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    from bot.domain.errors import NotAllowed
    from bot.services.tickets.core import TicketEnv
    from bot.services.tickets.desk import TicketDesk

    opened = sh(2026, 12, 1, 10)  # a Tuesday morning: the day plumber's shift
    ticket = await open_ticket(uow, community, opened, "u:1", level=2)
    assert ticket.assignee_id == ZHANG and ticket.respond_by != opened + timedelta(minutes=30)
    clock.set(opened + timedelta(minutes=10))
    desk = TicketDesk(TicketEnv(uow, clock, RosterRouter(uow)))
    with pytest.raises(NotAllowed):
        await desk.corrections.correct(201, ticket.number, ["紧急"], update_id=1)  # a resident
    answer = await desk.corrections.correct(LI, ticket.number, ["紧急"], update_id=2)
    assert answer.startswith(f"已修改 {ticket.label}：紧急 · 漏水渗水")
    async with uow() as tx:
        fixed = await tx.tickets.get(ticket.id)
        steps = await tx.duty.steps(ticket.id)
        safety = await tx.outbox.by_dedup_key(f"tk:{ticket.id}:safety")
    assert fixed is not None and fixed.level == 1
    assert fixed.respond_by == opened + timedelta(
        minutes=30
    )  # the emergency promise, from opening
    now_due = {s.target_id for s in steps if s.fired_at is None and s.cancelled_at is None
               and s.due_at == clock.now()}  # fmt: skip
    assert now_due == {ZHOU, LI}  # 5 minutes are long past: backup and supervisor at once
    assert safety is not None  # the group gets the emergency advice at once
    assert await EscalationDesk(uow, clock).tick() == 2
    again = await desk.corrections.correct(LI, ticket.number, ["1"], update_id=3)
    assert "没有改动" in again


async def test_staff_corrections_export_as_labelled_intake_lines(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock, tmp_path: Path
) -> None:
    from bot.intake_files import load_labelled
    from bot.services.tickets.core import TicketEnv
    from bot.services.tickets.desk import TicketDesk
    from bot.services.tickets.training_data import corrections_yaml

    opened = sh(2026, 12, 1, 10)
    said = "3号楼2单元401厨房有股怪味 电话13912345678"
    first = await open_ticket(uow, community, opened, "u:1", level=2, text=said)
    await open_ticket(uow, community, opened, "u:2", level=2)  # never corrected: not exported
    clock.set(opened + timedelta(minutes=3))
    desk = TicketDesk(TicketEnv(uow, clock, RosterRouter(uow)))
    await desk.corrections.correct(LI, first.number, ["燃气", "紧急"], update_id=10)
    text = await corrections_yaml(uow, "A")
    assert text.count("\n- {") == 1 and f"# {first.number}, corrected 2026-12-01" in text
    assert "厨房有股怪味" in text
    assert "401" not in text and "13912345678" not in text  # room and phone are scrubbed
    path = tmp_path / "corrections.yaml"
    path.write_text(text, encoding="utf-8")
    (line,) = load_labelled(path)
    assert (line.category, line.level, line.intent, line.building) == ("gas", 1, "report", "3")
    with pytest.raises(LookupError):
        await corrections_yaml(uow, "Z")


async def _reminder_texts(uow: SqlUnitOfWorkFactory) -> list[str]:
    async with uow() as tx:
        rows = await tx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "duty.remind")
        )
        return [str(r.payload["text"]) for r in rows]


@pytest.mark.parametrize(
    ("level", "category", "promises"),
    [
        # level 1 (demo SLA): acknowledge in 5 min, respond in 30 min, under control in 2 h
        (1, "water_leak", {"acknowledge_by": "12月1日 10:05", "respond_by": "12月1日 10:30",
                           "control_by": "12月1日 12:00"}),
        # level 2: acknowledge in 2 working hours, done in 5 working days (Tue 1 → Tue 8 Dec)
        (2, "lighting", {"acknowledge_by": "12月1日 12:00", "resolve_by": "12月8日 17:30"}),
    ],
)  # fmt: skip
async def test_every_reminder_names_the_time_of_the_deadline_it_is_about(
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,
    clock: FakeClock,
    level: int,
    category: str,
    promises: dict[str, str],
) -> None:
    opened = sh(2026, 12, 1, 10)
    ticket = await open_ticket(uow, community, opened, "u:1", category=category, level=level)
    async with uow() as tx:
        steps = await tx.duty.steps(ticket.id)
    reminders = sorted((s for s in steps if s.kind == "remind"), key=lambda s: s.due_at)
    assert {s.reason for s in reminders} >= set(promises)
    for step in reminders:
        if step.reason not in promises:
            continue
        clock.set(step.due_at)
        await EscalationDesk(uow, clock).tick()
        latest = (await _reminder_texts(uow))[-1]
        assert f"{promises[step.reason]} 前" in latest, (step.reason, latest)

"""The figures read from a real database: milestones stored as tickets move, promises kept,
FAQ questions counted once, and tickets from before the milestones backfilled from the audit."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from bot.domain.kpi import Slice, month
from bot.domain.records import AuditRecord
from bot.domain.tickets import Action, Follower, NewTicket, Status, Ticket
from bot.domain.tickets.changes import deadlines, handed_to
from bot.registry_file import read_registry
from bot.services.kpi.counting import count_figures
from bot.services.registry import load_registry
from bot.services.tickets.core import change
from storage.migrate import downgrade, upgrade
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
STAFF = 9004  # 刘师傅 in the demo community: lighting


def _new(community_id: int, key: str, building: str = "3") -> NewTicket:
    return NewTicket(
        community_id=community_id, source_key=key, source="mention", category="lighting",
        level=2, building=building, unit="2", room="401", phone=None, text="楼道灯不亮",
        chat_id=-1001003, message_id=10, reporter_id=201, reporter_name="陈大爷",
    )  # fmt: skip


@pytest.fixture
async def community_id(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> int:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
    assert community is not None
    return community.id


async def _step(
    tx: SqlUnitOfWork, ticket: Ticket, action: Action, clock: FakeClock, **kw: object
) -> Ticket:
    return await change(
        tx,
        ticket,
        action,
        clock.now(),
        actor=STAFF,
        update_id=None,
        locale="zh_CN",
        **kw,  # type: ignore[arg-type]
    )


async def test_milestones_are_stored_the_first_time_they_are_reached(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    opened = clock.now()
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), opened)
        t = await _step(tx, t, Action.ASSIGN, clock, changes=handed_to(STAFF, "刘师傅"))
        clock.advance(minutes=20)
        t = await _step(tx, t, Action.ACCEPT, clock)
        clock.advance(minutes=40)
        t = await _step(tx, t, Action.PROGRESS, clock)
        first_progress = clock.now()
        clock.advance(hours=1)
        t = await _step(tx, t, Action.PROGRESS, clock)
        t = await _step(tx, t, Action.RESOLVE, clock)
        t = await _step(tx, t, Action.REOPEN, clock)
        t = await _step(tx, t, Action.ACCEPT, clock)
        await tx.commit()
    async with uow() as tx:
        stored = await tx.tickets.get(t.id)
    assert stored is not None
    assert stored.accepted_at == opened + timedelta(minutes=20)  # the first acceptance
    assert stored.controlled_at == first_progress
    assert stored.reopen_count == 1


async def test_a_months_figures_from_the_database(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    start = clock.now()
    async with uow() as tx:
        kept = await tx.tickets.create(_new(community_id, "u:1"), start)
        late = await tx.tickets.create(_new(community_id, "u:2", building="5"), start)
        for t in (kept, late):
            t = await tx.tickets.update(
                t.id,
                deadlines(start + timedelta(hours=2), start + timedelta(days=5), {
                    "acknowledge_by": (start + timedelta(hours=2)).isoformat(),
                    "resolve_by": (start + timedelta(days=5)).isoformat(),
                }),
                start,
            )  # fmt: skip
            t = await _step(tx, t, Action.ASSIGN, clock, changes=handed_to(STAFF, "刘师傅"))
        kept = await tx.tickets.get(kept.id)  # type: ignore[assignment]
        clock.advance(hours=1)
        await _step(tx, kept, Action.ACCEPT, clock)
        await tx.tickets.add_follower(kept.id, Follower(202, -1001003, 11), clock.now())
        # a follower a merge brought along is counted on the ticket they joined, not again
        await tx.tickets.add_follower(
            late.id, Follower(203, -1001003, 12, via_ticket_id=kept.id), clock.now()
        )
        await tx.commit()
    clock.advance(days=6)
    async with uow() as tx:
        community = await tx.registry.community(community_id)
        assert community is not None
        period = month(date(2026, 12, 1), community.timezone)
        kpi = await count_figures(tx, community, period, clock.now())
        only_5 = await count_figures(tx, community, period, clock.now(), Slice(building="5"))
    rows = {(d.level, d.name): d for d in kpi.deadlines}
    assert (kpi.opened, kpi.open_now, kpi.me_too) == (2, 2, 1)
    assert (rows[(2, "acknowledge_by")].met, rows[(2, "acknowledge_by")].missed) == (1, 1)
    assert rows[(2, "resolve_by")].missed == 2  # six days on, neither is fixed
    assert sorted(kpi.overdue_now) == sorted([kept.number, late.number])
    assert [(h.name, h.count) for h in kpi.top_buildings] == [("3", 1), ("5", 1)]
    assert (only_5.opened, only_5.overdue_now) == (1, [late.number])


async def test_tickets_without_stored_promises_get_their_levels_policy(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        await tx.commit()
    clock.advance(days=1)
    async with uow() as tx:
        community = await tx.registry.community(community_id)
        assert community is not None
        kpi = await count_figures(
            tx, community, month(clock.now().date(), "Asia/Shanghai"), clock.now()
        )
    rows = {(d.level, d.name): d for d in kpi.deadlines}
    assert rows[(2, "acknowledge_by")].missed == 1  # 2 working hours, long gone
    assert kpi.overdue_now == [t.number]


async def test_a_question_is_counted_once_however_often_it_is_handled(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        for _ in range(2):  # the same update, handled again after a crash
            await tx.faq.tally(community_id, "direct", 501, clock.now())
        await tx.faq.tally(community_id, "menu", 502, clock.now())
        await tx.faq.tally(community_id, "chosen", 503, clock.now())
        await tx.faq.tally(community_id, "unanswered", 504, clock.now())
        await tx.commit()
    async with uow() as tx:
        period = month(clock.now().date(), "Asia/Shanghai")
        tally = await tx.kpi.faq_tally(community_id, period.start, period.end)
    assert (tally.direct, tally.menu, tally.chosen, tally.unanswered) == (1, 1, 1, 1)


async def test_tickets_from_before_the_milestones_get_them_from_the_audit_log(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        for minutes, action in ((10, "ticket.accept"), (30, "ticket.progress"),
                                (50, "ticket.progress"), (70, "ticket.reopen")):  # fmt: skip
            await tx.audit.record(
                AuditRecord(
                    action=action, subject=f"ticket:{t.number}", community_id=community_id
                ),
                clock.now() + timedelta(minutes=minutes),
            )
        await tx.commit()
    await downgrade(engine, "0020")
    await upgrade(engine)
    async with uow() as tx:
        stored = await tx.tickets.get(t.id)
    assert stored is not None
    assert stored.accepted_at == clock.now() + timedelta(minutes=10)
    assert stored.controlled_at == clock.now() + timedelta(minutes=30)
    assert stored.reopen_count == 1
    assert stored.status is Status.NEW
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT promised FROM tickets"))).scalar() in ({}, "{}")


async def test_times_come_back_aware_in_utc_whatever_the_sessions_time_zone(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        await tx.commit()
    async with uow() as tx:
        if tx.session.bind.dialect.name == "postgresql":  # asyncpg's own conversion is read
            await tx.session.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        period = month(clock.now().date(), "Asia/Shanghai")
        (facts,) = await tx.kpi.reported(community_id, period.start, period.end, {})
    assert facts.id == t.id
    assert facts.created_at == clock.now() and facts.created_at.utcoffset() == timedelta(0)
    assert facts.created_at.tzinfo is UTC

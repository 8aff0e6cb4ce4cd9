"""At district scale no hot query scans a large table (issue 16), checked by PostgreSQL itself.

A generated history (benchmarks/district_data.py: 60,000 tickets with their outbox rows,
prompts, escalation steps, audit rows and updates, analysed) sits under the real services;
every statement the hot paths send – opening a ticket, Open311's reads, a staff reply to a card, /my, an inbox
record and claim, the escalation tick with nothing due and with one step due, the duty tick, a
retention run, /audit of a ticket, a month's tickets exported and a month's figures (loudao
report) – is caught on its way to the server and EXPLAINed (enable_seqscan left on):
none may read tickets, inbox_updates, outbox, escalations, audit_log or the prompts and
followers sequentially (nor walk a whole index of one, filtering). Timing is benchmarks/district.py's business, not this test's.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.district import Bench
from benchmarks.district_data import Plan, code, fill_history, now_utc, write_community_file
from bot.bootstrap import UseCases, build_services, load_community_file, open_database
from bot.config import Settings
from bot.domain.clock import FakeClock
from bot.domain.kpi import month as kpi_month
from bot.services.kpi.report import build_report
from bot.services.reports.tickets_export import ExportRequest
from storage.database import Database
from tests.databases import fresh_postgres

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="query plans are PostgreSQL's (set TEST_DATABASE_URL)",
)

LARGE = {
    "tickets", "inbox_updates", "outbox", "escalations", "audit_log", "ticket_prompts",
    "ticket_followers",
}  # fmt: skip
COMMUNITIES, BUILDINGS, TICKETS = 2, 40, 60_000
Caught = list[tuple[str, Any]]


@pytest.fixture
async def district(tmp_path: Path) -> AsyncIterator[tuple[Database, UseCases, FakeClock, Plan]]:
    path = tmp_path / "district.yaml"
    write_community_file(path, COMMUNITIES, BUILDINGS)
    # 11:00 in Shanghai: staff on duty, so new tickets have steps due within hours
    plan = Plan(
        now=now_utc().replace(hour=3, minute=0, second=0),
        tickets=TICKETS,
        backlog=600,
        buildings=BUILDINGS,
        every=timedelta(minutes=10),  # 60,000 tickets over a year: the keeping periods' shares
    )
    async with (
        fresh_postgres() as url,
        open_database(Settings(database_url=url), policy=False) as db,
    ):
        await db.upgrade()
        clock = FakeClock(plan.now)
        use_cases = build_services(Settings(database_url=url), db.uow, clock)
        await load_community_file(use_cases, path)
        await fill_history(db.engine, plan)
        yield db, use_cases, clock, plan


def catch(engine: AsyncEngine, caught: Caught) -> None:
    """Keep every single statement (not executemany) that touches a large table."""

    def before(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        words = statement.replace("\n", " ").split()
        if many or not words or words[0].upper() not in ("SELECT", "UPDATE", "DELETE", "WITH"):
            return
        if any(name in LARGE for name in (w.strip('(),"') for w in words)):
            caught.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", before)


def full_reads(plan: dict[str, Any]) -> Iterator[str]:
    """The relations a JSON plan reads whole: a sequential scan, or an index walked from end
    to end while a filter throws rows away (an ORDER BY id LIMIT over an OR does that)."""
    node, relation = plan.get("Node Type", ""), plan.get("Relation Name", "")
    walked = node in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan
    if node == "Seq Scan" or (walked and "Filter" in plan):
        yield relation
    for child in plan.get("Plans", ()):
        yield from full_reads(child)


def seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    """The relations a JSON plan reads with a sequential scan."""
    if plan.get("Node Type") == "Seq Scan":
        yield plan.get("Relation Name", "")
    for child in plan.get("Plans", ()):
        yield from seq_scans(child)


async def sequential_scans(
    engine: AsyncEngine, caught: Caught, reads: Any = full_reads
) -> list[str]:
    found = []
    async with engine.connect() as conn:
        for statement, parameters in dict.fromkeys((s, tuple(p or ())) for s, p in caught):
            result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            raw = result.scalar_one()
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            bad = set(reads(plan)) & LARGE
            if bad:
                found.append(f"{sorted(bad)}: {' '.join(statement.split())}")
    return found


async def hot_paths(use_cases: UseCases, clock: FakeClock) -> None:
    """Each hot path of the district table, once or a few times, through the real services."""
    bench = Bench(use_cases, clock, COMMUNITIES, BUILDINGS, samples=4)
    await bench.open_tickets(0)
    assert await bench.staff_replies(), "a card was replied to"
    await bench.my()
    await bench.inbox()
    await use_cases.inbox.claim()
    assert await use_cases.escalation.tick() == 0  # nothing due
    await use_cases.duty.tick()
    await use_cases.duty.tick()
    while True:
        await use_cases.retention.tick()
        if not use_cases.retention.running:
            break
    # Open311: a window (all, open only, some kinds) and some numbers, of one community
    for query in ({}, {"status": "open"}, {"service_code": "water_leak,lighting"}):
        found = await use_cases.open311.requests(code(0), query)
        assert found
    numbers = ",".join(str(r["service_request_id"]) for r in found[:3])
    assert len(await use_cases.open311.requests(code(0), {"service_request_id": numbers})) == 3
    await bench.open_tickets(100)  # the first ones were answered: their reminders are off
    clock.advance(timedelta(hours=3))  # the new tickets' steps come due
    assert await use_cases.escalation.tick() > 0
    # the committee's reading (issue 18): one ticket's history, a month's tickets exported
    today = clock.now().date()
    month = ExportRequest("D001", today - timedelta(days=40), today - timedelta(days=10))
    run = await use_cases.exports.start(month)
    assert run.total > use_cases.exports.batch_size  # more than one batch
    rows = [row async for row in run.rows()]
    assert len(rows) == run.total
    seq = str(rows[0][0]).rsplit("-", 1)[1]
    assert "处理记录" in await use_cases.tickets.audit.for_operator(seq, "D001")
    # the committee's figures: a month of one community, whole and by building (loudao report)
    async with use_cases.uow() as tx:
        community = await tx.registry.community_by_code("D001")
        assert community is not None
        period = kpi_month(today - timedelta(days=40), community.timezone)
        report = await build_report(tx, community, period, clock.now(), ["building"])
    assert report.whole.opened > 0 and report.breakdowns[0].rows


async def test_no_hot_query_scans_a_large_table(
    district: tuple[Database, UseCases, FakeClock, Plan],
) -> None:
    db, use_cases, clock, _plan = district
    caught: Caught = []
    catch(db.engine, caught)
    await hot_paths(use_cases, clock)
    assert len(caught) > 30, "the hot paths' statements were caught"
    assert await sequential_scans(db.engine, caught) == []
    # and the check does see a full read: the OR `/my` was before it became a UNION
    old_my = (
        "SELECT id FROM tickets WHERE reporter_id = $1 OR on_behalf_by = $1 OR id IN "
        "(SELECT ticket_id FROM ticket_followers WHERE telegram_id = $1) ORDER BY id DESC LIMIT 20"
    )
    assert await sequential_scans(db.engine, [(old_my, (500_000_101,))]) != []


async def desk_paths(use_cases: UseCases) -> None:
    """The web desk's pages for a district's supervisor: the overview, the list with each
    filter and its second page, one ticket's page with its timeline."""
    from bot.domain.desk.filters import TicketFilter
    from bot.services.desk.sign_in import DeskUser
    from bot.services.tickets.cards import MANAGER_ROLES

    async with use_cases.uow() as tx:
        community = (await tx.registry.communities())[0]
        people = await tx.people.of_community(community.id)
    boss = next(p for p in people if p.has_role(*MANAGER_ROLES))
    worker = next(p for p in people if p.has_role("staff") and p.telegram_id is not None)
    user = DeskUser(boss, community, "zh_CN", "")
    pages = use_cases.desk_pages
    await pages.overview(user)
    listed = await pages.tickets(user, TicketFilter())
    assert listed.next_before is not None
    await pages.tickets(user, TicketFilter(before=listed.next_before))
    await pages.tickets(user, TicketFilter(overdue=True))
    await pages.tickets(user, TicketFilter(building=community.buildings[0].number, level=2))
    await pages.tickets(user, TicketFilter(assignee_id=worker.telegram_id))
    await pages.ticket(user, listed.rows[-1].number)


async def test_no_desk_page_scans_a_large_table(
    district: tuple[Database, UseCases, FakeClock, Plan],
) -> None:
    db, use_cases, _clock, _plan = district
    caught: Caught = []
    catch(db.engine, caught)
    await desk_paths(use_cases)
    assert len(caught) > 5, "the desk's statements were caught"
    # with two communities, each half of the table, the newest of one are found fastest by
    # walking all ids backwards (LIMIT 26 stops after some 52 rows): a whole-index walk is the
    # planner's fair choice here, so only sequential scans count; among many communities the
    # list goes through ix_tickets_community_id
    assert await sequential_scans(db.engine, caught, seq_scans) == []

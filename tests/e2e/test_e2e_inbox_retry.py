"""An update whose handler fails is not lost: it is marked failed with the error, tried again
with backoff, and handled once the fault is gone. The resident is apologised to once, however
many attempts fail; after the last attempt the admins are told what could not be handled
(never what it said), and /healthz and /metrics show it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Row, func, select

from bot.domain.clock import FakeClock
from bot.domain.inbox import MAX_ATTEMPTS, RETRY_AFTER
from storage.models import InboxUpdate
from storage.models_tickets import TicketRow
from tests.databases import refuse_table
from tests.e2e.world import ADMIN, JSON, World

pytestmark = pytest.mark.e2e
REPORT = "@loudao_bot 3号楼2单元401室 燃气泄漏，好大的煤气味，电话13812345678"
APOLOGY = "自动再试"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Tuesday 1 December 2026, 10:00 in Shanghai


async def the_update(world: World) -> Row[Any]:
    """The newest inbox row: its update_id, status, attempts, error and next_attempt_at."""
    async with world.app.uow() as tx:
        row = (
            await tx.session.execute(
                select(
                    InboxUpdate.update_id,
                    InboxUpdate.status,
                    InboxUpdate.attempts,
                    InboxUpdate.error,
                    InboxUpdate.next_attempt_at,
                )
                .order_by(InboxUpdate.update_id.desc())
                .limit(1)
            )
        ).first()
        assert row is not None, "no update stored yet"
        return row


async def attempted(world: World, attempts: int) -> Row[Any]:
    """Wait until the last update has failed `attempts` times."""
    for _ in range(200):
        with contextlib.suppress(AssertionError):
            row = await the_update(world)
            if row.attempts >= attempts:
                return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"the update was not attempted {attempts} times")


async def next_attempt(world: World, clock: FakeClock, after: int) -> None:
    """Let the backoff after failed attempt `after` pass; the dispatcher tries again."""
    clock.advance(RETRY_AFTER[after - 1] + timedelta(seconds=1))
    world.app.dispatcher.wake()


async def apologies(world: World, said: JSON) -> list[JSON]:
    await world.settle()
    return [m for m in await world.bot_messages(world.group("3"), said) if APOLOGY in m["text"]]


async def tickets(world: World) -> int:
    async with world.app.uow() as tx:
        return int(await tx.session.scalar(select(func.count()).select_from(TicketRow)) or 0)


async def test_a_failing_report_is_tried_again_and_handled_once_the_fault_is_gone(
    world: World, clock: FakeClock
) -> None:
    engine = world.app.database.engine
    await refuse_table(engine, "tickets", True)  # a fault the next attempts still meet
    said = await world.say(world.resident("3"), world.group("3"), REPORT)
    await world.bot_says(world.group("3"), APOLOGY, after=said)
    row = await attempted(world, 1)
    assert row.status == "failed" and row.next_attempt_at is not None
    assert row.error is not None and "refused" not in row.error  # a class name, no values
    await next_attempt(world, clock, 1)
    await attempted(world, 2)

    await refuse_table(engine, "tickets", False)
    await next_attempt(world, clock, 2)
    await world.bot_says(world.group("3"), "工单 #A-0001", after=said)
    row = await the_update(world)
    assert row.status == "done" and row.attempts == 2
    assert len(await apologies(world, said)) == 1
    assert await tickets(world) == 1


async def test_an_update_failing_every_attempt_is_told_to_the_admins_and_shown_in_health(
    world: World, clock: FakeClock
) -> None:
    await refuse_table(world.app.database.engine, "tickets", True)
    said = await world.say(world.resident("3"), world.group("3"), REPORT)
    await attempted(world, 1)
    for failed in range(1, MAX_ATTEMPTS):
        await next_attempt(world, clock, failed)
        await attempted(world, failed + 1)
    row = await the_update(world)
    assert row.status == "failed" and row.next_attempt_at is None  # given up
    clock.advance(hours=1)
    world.app.dispatcher.wake()
    await world.settle()
    assert (await the_update(world)).attempts == MAX_ATTEMPTS  # no sixth attempt

    told = await world.bot_says(ADMIN, f"试了 {MAX_ATTEMPTS} 次都没有处理好")
    assert "处理群里的消息" in told["text"] and f"更新编号 {row.update_id}" in told["text"]
    for private in ("401", "1381234", "燃气", "煤气"):
        assert private not in told["text"]
    assert len(await apologies(world, said)) == 1

    base = f"http://127.0.0.1:{world.app.http_port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            health = await response.json()
        async with http.get(f"{base}/metrics") as response:
            metrics = await response.text()
    assert health["updates_given_up_24h"] == 1
    assert "1 update(s) could not be handled in 24 h (admins told)" in health["warnings"]
    assert "loudao_updates_given_up_24h 1.0" in metrics
    assert 'loudao_updates_handled_total{outcome="given_up"}' in metrics

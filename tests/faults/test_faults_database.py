"""The database away for a while under the real process, and a second process on it.

PostgreSQL goes away behind a TCP proxy that is cut (connections reset, new ones refused); a
SQLite file is locked by another connection (BEGIN EXCLUSIVE), so every write waits."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from sandbox.tcp_proxy import TcpProxy
from tests.faults.harness import (
    Stage,
    assert_no_personal_data,
    assert_sandbox_matches_outbox,
    report_figure,
    ticket_cards,
)
from tests.faults.test_faults_storms import REPORTS, ROOMS, assert_each_report_served_once

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 20.0
PROBLEMS = ["楼道灯不亮了", "电梯坏了，一直停在一楼", "门口的垃圾两天没人收了"]


@asynccontextmanager
async def database_away(stage: Stage, db_proxy: TcpProxy | None) -> AsyncIterator[None]:
    """PostgreSQL cut off at its proxy, or the SQLite file locked, until the block ends."""
    if db_proxy is not None:
        db_proxy.cut()
        try:
            yield
        finally:
            db_proxy.restore()
        return
    path = stage.database_url.split(":///", 1)[1]
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        lock.execute("ROLLBACK")
        lock.close()


async def test_the_database_away_for_20_s_then_every_report_is_acknowledged_once(
    stage: Stage, db_proxy: TcpProxy | None
) -> None:
    bot = await stage.start_bot()
    async with database_away(stage, db_proxy):
        for building, text in REPORTS.items():
            await stage.say(stage.resident(building), stage.group(building), text)
        await asyncio.sleep(OUTAGE_SECONDS)
    back = time.monotonic()
    await stage.wait_for(
        lambda: all(ticket_cards(stage.bot_messages(stage.group(b))) for b in REPORTS),
        timeout=120,
        what="every card after the database came back",
    )
    report_figure("database back → every report acknowledged", time.monotonic() - back)
    await stage.settle(timeout=120)
    await assert_each_report_served_once(stage)
    assert bot.returncode is None  # it rode the outage out
    assert (await bot.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)


async def test_a_second_process_on_the_same_database_handles_each_update_once(
    stage: Stage,
) -> None:
    """PostgreSQL: both take updates, claimed with SKIP LOCKED. SQLite: one consumes under a
    lease, the other waits (and says so in /healthz)."""
    first = await stage.start_bot()
    second = await stage.start_bot()
    for building in REPORTS:
        for index, problem in enumerate(PROBLEMS):  # three kinds of problem: three tickets
            text = f"@loudao_bot {building}号楼{index % 2 + 1}单元{problem}"  # units that exist
            await stage.say(stage.resident(building, index), stage.group(building), text)
    await stage.settle(timeout=120)
    sorry = [m for m in stage.all_bot_messages() if "抱歉" in (m.get("text") or "")]
    assert not sorry, [m["text"] for m in sorry]
    assert await stage.tickets() == len(REPORTS) * len(PROBLEMS)
    for building in REPORTS:
        assert len(ticket_cards(stage.bot_messages(stage.group(building)))) == len(PROBLEMS)
    await assert_sandbox_matches_outbox(stage)
    assert first.returncode is None and second.returncode is None
    assert (await first.terminate())[0] == 0
    assert (await second.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)

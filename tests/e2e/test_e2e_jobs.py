"""Periodic jobs run on their own schedules: a slow retention run never delays an escalation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.world import DEMO, PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e
NIGHT_PLUMBER = 9008
TUESDAY_0200 = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # Tue 1 Dec 02:00 in Shanghai
BURST = "@loudao_bot 3号楼2单元楼道里水管爆了，水漫出来了"
SLOW = 60.0  # each retention run first waits this long (LOUDAO_TEST_SLOW_JOB)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_0200)


@pytest.fixture
async def slow_world(database_url: str, clock: FakeClock) -> AsyncIterator[World]:
    """The demo community with the real periodic jobs every 0.2 s, retention made slow."""
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    settings = app_settings(
        base_url,
        database_url,
        tick_seconds=0.2,
        test_mode=True,
        test_slow_job=f"retention:{SLOW:.0f}",
    )
    app = LoudaoApp(settings, clock)
    await app.start()
    client = SandboxClient(base_url)
    try:
        yield World(server, app, client, residents_of(registry))
    finally:
        await client.close()
        await app.stop()
        await server.stop()


async def test_a_slow_retention_run_does_not_hold_back_an_escalation(
    slow_world: World, clock: FakeClock
) -> None:
    world = slow_world
    group = world.group("3")
    await world.say(world.resident("3"), group, BURST)
    private = await world.bot_says(NIGHT_PLUMBER, "#A-0001")
    for _ in range(50):  # the jobs are running: each has its own 0.2 s period
        if world.app.jobs_at["escalation"] is not None:
            break
        await asyncio.sleep(0.1)
    assert world.app.jobs_at["escalation"] is not None
    assert world.app.jobs_at["retention"] is None  # its first run is still waiting

    clock.advance(minutes=5)  # nobody accepted: the reminder, then backup and supervisor paged
    # the escalation job runs every 0.2 s on its own; retention has 55 s still to wait
    reminder = await world.bot_says(NIGHT_PLUMBER, "提醒", after=private, timeout=8.0)
    assert "#A-0001" in reminder["text"]
    page = await world.bot_says(SUPERVISOR, "升级", timeout=8.0)
    assert "#A-0001" in page["text"] and "没有接单" in page["text"]
    assert "#A-0001" in (await world.bot_says(PLUMBER, "升级", timeout=8.0))["text"]
    assert world.app.jobs_at["retention"] is None  # still in its slow run meanwhile

    health = await world.app.health.check()
    assert "periodic job escalation stale" not in health.problems
    assert health.jobs["escalation"] is not None and health.jobs["retention"] is None

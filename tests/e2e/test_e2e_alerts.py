"""Something that keeps failing is told to the admins – once, in private, in plain words, without
a resident's details – and so is its recovery; a restart does not repeat the message."""

from __future__ import annotations

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from tests.databases import refuse_table
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_tickets import card_of
from tests.e2e.world import ADMIN, JSON, World

pytestmark = pytest.mark.e2e
REPORT = "@loudao_bot 3号楼2单元401室 楼道灯不亮了，电话13812345678"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Tuesday 1 December 2026, 10:00 in Shanghai


async def told(world: World, needle: str) -> list[JSON]:
    await world.settle()
    return [m for m in await world.bot_messages(ADMIN) if needle in (m.get("text") or "")]


async def report_fails(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), REPORT)
    await world.bot_says(world.group("3"), "没有处理好", after=said)  # the resident is answered


async def restart(world: World, database_url: str, clock: FakeClock) -> LoudaoApp:
    """Stop the app and start a new process on the same database (the test stops it)."""
    await world.app.stop()
    app = LoudaoApp(app_settings(world.server.base_url, database_url), clock)
    await app.start()
    world.app = app
    return app


async def test_a_handler_that_keeps_failing_is_told_to_the_admin_once_and_then_its_recovery(
    world: World, clock: FakeClock, database_url: str
) -> None:
    await refuse_table(world.app.database.engine, "tickets", True)  # every report fails
    await report_fails(world)  # 10:00: one failure is no news
    assert await told(world, "系统提醒") == []

    clock.advance(seconds=61)
    await report_fails(world)  # still failing a minute later: the admin is told
    [alert] = await told(world, "系统提醒")
    text = alert["text"]
    assert "处理群里的消息一直出错" in text and "12月1日 10:00" in text and "1 分钟" in text
    assert "401" not in text and "1381234" not in text and "楼道灯" not in text

    clock.advance(seconds=30)
    await report_fails(world)  # within the hour: nothing more
    app = await restart(world, database_url, clock)
    try:
        clock.advance(seconds=61)
        await report_fails(world)
        clock.advance(seconds=61)
        await report_fails(world)  # a new process, failing for a minute: the outbox remembers
        assert len(await told(world, "系统提醒")) == 1

        await refuse_table(app.database.engine, "tickets", False)
        said = await world.say(world.resident("3"), world.group("3"), REPORT)
        await card_of(world, world.group("3"), said)
        [recovered] = await told(world, "已恢复")
        assert "处理群里的消息" in recovered["text"] and "现在已经正常了" in recovered["text"]

        said = await world.say(
            world.resident("3"), world.group("3"), "@loudao_bot 3号楼1单元电梯不动了"
        )
        await card_of(world, world.group("3"), said)
        assert len(await told(world, "系统提醒")) == 1
        assert len(await told(world, "已恢复")) == 1
    finally:
        await app.stop()

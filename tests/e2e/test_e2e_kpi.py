"""The committee counts, end to end: /stats in a private chat through the real Application and
the sandbox, and the weekly digest sent once a week across a restart and a missed run."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_files import download
from tests.e2e.test_e2e_tickets import card_of
from tests.e2e.world import ADMIN, DEMO, ELECTRICIAN, SUPERVISOR, World

pytestmark = pytest.mark.e2e
TUESDAY_1000 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Shanghai
MONDAY_0859 = datetime(2026, 12, 7, 0, 59, tzinfo=UTC)  # Mon 7 Dec 08:59 in Shanghai
LIGHT = "@loudao_bot 3号楼2单元楼道灯坏了，晚上很黑"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_1000)


async def test_a_supervisor_sees_the_figures_and_a_resident_is_told_they_are_for_staff(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, LIGHT)
    await card_of(world, group, said)
    await world.bot_says(ELECTRICIAN, "#A-0001")

    asked = await world.say(SUPERVISOR, SUPERVISOR, "/stats")
    answer = await world.bot_says(SUPERVISOR, "工作统计", after=asked)
    assert "2026-12" in answer["text"]  # this month by default
    assert "新报 1 件" in answer["text"]
    assert "目前未办结 1 件" in answer["text"]
    assert "楼道灯" not in answer["text"] and "401" not in answer["text"]  # no resident's words
    chart = await world.bot_says(SUPERVISOR, lambda m: bool(m.get("photo_url")), after=answer)
    assert "报修类别" in chart["caption"]
    picture = Image.open(io.BytesIO(await download(world.client, chart["photo_url"])))
    assert picture.format == "PNG"  # a real picture, drawn when it was sent

    asked = await world.say(SUPERVISOR, SUPERVISOR, "/stats 本月 3号楼")
    answer = await world.bot_says(SUPERVISOR, "工作统计", after=asked)
    assert "（3号楼）" in answer["text"] and "新报 1 件" in answer["text"]

    asked = await world.say(SUPERVISOR, SUPERVISOR, "/stats 下下周")
    answer = await world.bot_says(SUPERVISOR, "没看懂", after=asked)
    assert "下下周" in answer["text"] and "/stats" in answer["text"]

    resident = world.resident("3")
    asked = await world.say(resident, resident, "/stats")
    answer = await world.bot_says(resident, "工作人员", after=asked)
    assert "统计只给" in answer["text"]

    asked = await world.say(SUPERVISOR, group, "/stats")
    await world.bot_says(group, "请私聊我", after=asked)


async def test_staff_see_the_figures_of_their_own_tickets(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), LIGHT)
    await card_of(world, world.group("3"), said)
    asked = await world.say(ELECTRICIAN, ELECTRICIAN, "/stats")
    answer = await world.bot_says(ELECTRICIAN, "工作统计", after=asked)
    assert "刘师傅" in answer["text"] and "新报 1 件" in answer["text"]
    asked = await world.say(ELECTRICIAN, ELECTRICIAN, "/stats 3号楼")
    await world.bot_says(ELECTRICIAN, "只能看自己负责", after=asked)


# -- the weekly digest ------------------------------------------------------------------------


@pytest.fixture
async def sandbox_server() -> AsyncIterator[tuple[SandboxServer, str]]:
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, read_registry(DEMO))
    try:
        yield server, base_url
    finally:
        await server.stop()


async def digests(world: World, user: int) -> list[str]:
    return [m["text"] for m in await world.bot_messages(user) if "上周简报" in m["text"]]


async def run(world: World) -> None:
    await world.app.tick()
    await world.settle()


async def test_the_weekly_digest_comes_once_a_week_across_a_restart_and_a_missed_run(
    database_url: str, sandbox_server: tuple[SandboxServer, str]
) -> None:
    server, base_url = sandbox_server
    clock = FakeClock(MONDAY_0859)
    settings = app_settings(base_url, database_url)
    residents = residents_of(read_registry(DEMO))
    client = SandboxClient(base_url)

    async def process() -> LoudaoApp:
        app = LoudaoApp(settings, clock)
        await app.start()
        return app

    app = await process()
    try:
        world = World(server, app, client, residents)
        await run(world)
        assert await digests(world, ADMIN) == []  # 08:59: not yet
        clock.advance(minutes=2)
        await run(world)
        await run(world)
        first = await digests(world, ADMIN)
        assert len(first) == 1 and len(await digests(world, SUPERVISOR)) == 1
        assert "11-30" in first[0] and "12-06" in first[0]  # last week, Monday to Sunday
        assert "没有新的报修" in first[0]  # a quiet week: no chart either
        assert not [m for m in await world.bot_messages(ADMIN) if m.get("photo_url")]
    finally:
        await app.stop()

    app = await process()  # a restart the same morning sends nothing again
    try:
        world = World(server, app, client, residents)
        await run(world)
        assert len(await digests(world, ADMIN)) == 1
    finally:
        await app.stop()

    clock.advance(days=7, hours=3)  # the bot was down on the next Monday at 09:00: sent late
    app = await process()
    try:
        world = World(server, app, client, residents)
        await run(world)
        await run(world)
        late = await digests(world, ADMIN)
        assert len(late) == 2 and "12-07" in late[1] and "12-13" in late[1]
    finally:
        await app.stop()

    clock.advance(days=7, hours=10)  # down all the third Monday, back at 22:00: skipped
    app = await process()
    try:
        world = World(server, app, client, residents)
        await run(world)
        assert len(await digests(world, ADMIN)) == 2
    finally:
        await client.close()
        await app.stop()


# -- /export ----------------------------------------------------------------------------------


async def test_an_admin_gets_the_months_tickets_as_a_spreadsheet_without_personal_data(
    world: World, clock: FakeClock
) -> None:
    from openpyxl import load_workbook

    said = await world.say(world.resident("3"), world.group("3"), LIGHT)
    await card_of(world, world.group("3"), said)
    clock.advance(minutes=5)
    asked = await world.say(ADMIN, ADMIN, "/export")
    await world.bot_says(ADMIN, "马上发给您", after=asked)
    sent = await world.bot_says(ADMIN, lambda m: bool(m.get("document")), after=asked)
    assert sent["document"]["file_name"] == "A-2026-12.xlsx"
    assert "不含个人信息" in sent["caption"]
    book = load_workbook(io.BytesIO(await download(world.client, sent["document"]["url"])))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "A-0001"
    cells = " ".join(str(c) for row in rows for c in row if c is not None)
    assert "401" not in cells and "楼道灯坏了" not in cells  # no room, no resident's words
    async with world.app.uow() as tx:
        assert await tx.audit.count("export.chat") == 1

    asked = await world.say(SUPERVISOR, SUPERVISOR, "/export")
    await world.bot_says(SUPERVISOR, "只给管理员", after=asked)
    asked = await world.say(ADMIN, ADMIN, "/export 下下月")
    await world.bot_says(ADMIN, "没看懂", after=asked)
    asked = await world.say(ADMIN, world.group("3"), "/export")
    await world.bot_says(world.group("3"), "请私聊我", after=asked)

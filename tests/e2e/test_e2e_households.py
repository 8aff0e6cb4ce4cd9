"""Consultations end to end, through the real Application and the sandbox: households link with
one-time codes, vote once per household in private (a change replaces the vote), a building
leader enters a paper ballot, the groups get counts only – never a room or a name, in a message
or in the log – and the result comes at the deadline once, across a restart."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.domain.households.register import HouseholdSpec
from bot.logs import configure_logging
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_TOKEN, residents_of
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_kpi import sandbox_server  # noqa: F401
from tests.e2e.world import ADMIN, DEMO, JSON, World

pytestmark = pytest.mark.e2e
TUESDAY_1000 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Shanghai
WU = 9900 + 8  # 吴阿姨, building leader of building 3 (claims her account with /join)
REGISTER = (
    {"building": "3", "unit": "2", "room": "401", "area": "100", "name": "赵秘密"},
    {"building": "3", "unit": "2", "room": "402", "area": "100", "phone": "13912340000"},
    {"building": "3", "unit": "1", "room": "101", "area": "100", "name": "陈阿婆"},
    {"building": "5", "unit": "1", "room": "201", "area": "90"},
)
# what the register holds that no group message or log line may carry
PRIVATE = re.compile(r"401|402|101室|3-1-101|201室|5-1-201|赵秘密|陈阿婆|13912340000")
CODE = re.compile(r"[A-HJ-NP-Z2-9]{8}")
QUESTION = "是否同意更换3号楼电梯"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_1000)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, configured as `loudao` does (at DEBUG)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    configure_logging("DEBUG", "text", stream=out, secrets=(SANDBOX_TOKEN,))
    try:
        yield out
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                root.removeHandler(handler)
        for handler in saved[0]:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(saved[1])


async def load_register(app: LoudaoApp) -> None:
    homes = tuple(HouseholdSpec.model_validate(h) for h in REGISTER)
    await app.use_cases.households.import_register("A", homes, "test")


async def code_for(world: World, giver: int, home: str) -> str:
    asked = await world.say(giver, giver, f"/household code {home}")
    answer = await world.bot_says(giver, "绑定码", after=asked)
    found = CODE.search(answer["text"].split("：", 1)[1])
    assert found is not None
    return found.group()


async def link(world: World, resident: int, code: str, expect: str) -> None:
    asked = await world.say(resident, resident, f"/household {code}")
    await world.bot_says(resident, expect, after=asked)


async def tick(world: World) -> None:
    await world.app.tick()
    await world.settle()


async def texts(world: World, chat: int, needle: str) -> list[str]:
    return [m["text"] for m in await world.bot_messages(chat) if needle in (m.get("text") or "")]


async def open_consultation(world: World, words: str) -> JSON:
    asked = await world.say(ADMIN, ADMIN, f"/consult {words}")
    return await world.bot_says(ADMIN, "已发出", after=asked)


async def test_one_vote_per_household_a_paper_ballot_and_the_result_without_a_room(
    world: World, clock: FakeClock, captured: io.StringIO
) -> None:
    await load_register(world.app)
    joined = await world.say(WU, WU, "/join WU-3-2026")
    await world.bot_says(WU, "认领成功", after=joined)
    first, second, neighbour = (world.resident("3", i) for i in range(3))
    elsewhere = world.resident("5")
    await link(world, first, await code_for(world, ADMIN, "3-2-401"), "您是您家的投票人")
    await link(world, second, await code_for(world, WU, "3-2-401"), "已经有一位投票人")
    await link(world, neighbour, await code_for(world, WU, "3-2-402"), "您是您家的投票人")
    await link(world, elsewhere, await code_for(world, ADMIN, "5-1-201"), "您是您家的投票人")
    refused = await world.say(WU, WU, "/household code 5-1-201")  # not her building
    await world.bot_says(WU, "本楼的楼组长", after=refused)
    spent = await world.say(second, second, "/household ABCDEFGH")
    await world.bot_says(second, "绑定码不对", after=spent)

    opened = await open_consultation(world, f"一般事项 | {QUESTION}？ | 截止 3天 | 楼 3")
    assert "3 户可以投票，其中 2 户已绑定" in opened["text"]
    notice = await world.bot_says(world.group("3"), QUESTION)
    assert "每户一票" in notice["text"] and "/vote" in notice["text"]
    assert await texts(world, world.group("5"), QUESTION) == []  # another building: not asked

    ballot = await world.bot_says(first, "请点选您家的意见")
    await world.client.press(first, ballot, "反对")
    await world.bot_says(first, "已记下您家的意见：反对")
    await world.client.press(first, ballot, "同意")  # changed: the last one counts
    await world.bot_says(first, "已记下您家的意见：同意")
    asked = await world.say(second, second, "/vote")  # the same household, not its voter
    await world.bot_says(second, "由本户的投票人", after=asked)
    assert await texts(world, second, "请点选") == []
    asked = await world.say(elsewhere, elsewhere, "/vote")  # building 5 is not asked
    await world.bot_says(elsewhere, "没有需要您家投票", after=asked)
    assert await texts(world, elsewhere, "请点选") == []

    paper = await world.say(WU, WU, "/paper 1 3-1-101 同意")  # 陈阿婆 has no phone
    await world.bot_says(WU, "已录入 3-1-101 的纸质票：同意", after=paper)
    paper = await world.say(WU, WU, "/paper 1 5-1-201 同意")  # not her building
    await world.bot_says(WU, "本楼的楼组长", after=paper)
    asked = await world.say(WU, WU, "/consult 1")  # how it stands, and who is still to vote
    standing = await world.bot_says(WU, "已有 2/3 户参与", after=asked)
    assert "纸质票 1 张" in standing["text"] and "还没投的 1 户：3-2-402" in standing["text"]
    asked = await world.say(elsewhere, elsewhere, "/consult 1")  # a resident: nothing to see
    await world.bot_says(elsewhere, "没有编号为 1 的征询", after=asked)

    clock.advance(days=2, minutes=1)  # a day before the deadline: the reminder
    await tick(world)
    reminder = await world.bot_says(world.group("3"), "提醒")
    assert "已有 2/3 户参与" in reminder["text"]
    waiting = await world.bot_says(WU, "还有 1 户没有投票")
    assert "3-2-402" in waiting["text"]  # in private, to the building's leader only

    clock.advance(days=1)
    await tick(world)
    await tick(world)
    results = await texts(world, world.group("3"), "结果")
    assert len(results) == 1  # once
    result = results[0]
    # exactly two thirds of the households and of the area took part: enough (以上 includes it)
    assert (
        "参与：2/3 户（66.7%），面积 200.00/300.00 ㎡（66.7%） —— 需要不少于 2/3：达到" in result
    )
    assert "同意：2/2 户（100.0%）" in result and "反对：0/2 户" in result
    assert "纸质票 1 张" in result and "结论：通过" in result
    assert len(await texts(world, ADMIN, "结果")) == 1
    late = await world.say(neighbour, neighbour, "/vote")
    await world.bot_says(neighbour, "没有需要您家投票", after=late)

    async with world.app.uow() as tx:
        assert await tx.audit.count("consult.ballot") == 2  # the voter's and the paper one
        assert await tx.audit.count("consult.ballot_changed") == 1
        assert await tx.audit.count("consult.closed") == 1

    said_in_groups = [
        m.get("text") or ""
        for chat in (world.group(b) for b in ("1", "2", "3", "5", "6", "8", "65", "171"))
        for m in await world.bot_messages(chat)
    ] + [m.get("text") or "" for m in await world.bot_messages(-1001000)]
    assert len([t for t in said_in_groups if QUESTION in t]) == 3  # notice, reminder, result
    assert [t for t in said_in_groups if PRIVATE.search(t)] == []
    logged = captured.getvalue()
    assert "consultation closed" in logged  # the log was captured …
    assert [line for line in logged.splitlines() if PRIVATE.search(line)] == []  # … no home


async def test_the_result_comes_at_the_deadline_once_across_a_restart(
    database_url: str,
    sandbox_server: tuple[SandboxServer, str],  # noqa: F811
) -> None:
    server, base_url = sandbox_server
    clock = FakeClock(TUESDAY_1000)
    settings = app_settings(base_url, database_url)
    residents = residents_of(read_registry(DEMO))
    client = SandboxClient(base_url)

    async def process() -> World:
        app = LoudaoApp(settings, clock)
        await app.start()
        return World(server, app, client, residents)

    world = await process()
    try:
        await load_register(world.app)
        voter = world.resident("3")
        await link(world, voter, await code_for(world, ADMIN, "3-2-401"), "您是您家的投票人")
        await open_consultation(world, f"重大事项 | {QUESTION}？ | 截止 2天 | 楼 3 | 记名")
        ballot = await world.bot_says(voter, "请点选您家的意见")
        await world.client.press(voter, ballot, "同意")
        await world.bot_says(voter, "已记下")
        await tick(world)
        assert await texts(world, world.group("3"), "结果") == []  # not yet
    finally:
        await world.app.stop()

    clock.advance(days=2, hours=1)  # the bot was down at the deadline
    world = await process()
    try:
        await tick(world)
        await tick(world)
        results = await texts(world, world.group("3"), "结果")
        assert len(results) == 1
        # 1 of 3 households took part: under two thirds, so not carried
        assert "参与：1/3 户" in results[0] and "未达到" in results[0]
        assert "结论：未通过" in results[0]
    finally:
        await world.app.stop()

    world = await process()  # and again: nothing more
    try:
        await tick(world)
        assert len(await texts(world, world.group("3"), "结果")) == 1
        async with world.app.uow() as tx:
            # a named ballot keeps the choice in the audit log; the close once
            assert await tx.audit.count("consult.closed") == 1
            ballots = await tx.audit.of_subject(1, "consultation:1")
        assert any(e.event.details.get("option") == 0 for e in ballots)
    finally:
        await client.close()
        await world.app.stop()


# -- the care list ------------------------------------------------------------------------------

CARED = (
    {"building": "3", "unit": "1", "room": "101", "name": "陈阿婆",
     "care": {"reason": "elderly_alone", "consent": "2026-11-02", "note": "女儿13800001234"}},
    {"building": "3", "unit": "2", "room": "402", "care": {"reason": "disabled",
                                                          "consent": "2026-11-03"}},
    {"building": "3", "unit": "2", "room": "401"},
    {"building": "5", "unit": "1", "room": "201", "care": {"reason": "ill",
                                                          "consent": "2026-11-04"}},
)  # fmt: skip
CARE_PRIVATE = re.compile(r"101|402|201|陈阿婆|独居|残疾|重病|女儿|13800001234|关爱")
GRID_G1, GRID_G2 = 9006, 9007  # 赵网格员 (building 3 is in G1), 孙网格员 (G2)


async def test_an_outage_sends_the_care_list_privately_and_the_admin_hears_who_was_not_reached(
    world: World, clock: FakeClock, captured: io.StringIO
) -> None:
    homes = tuple(HouseholdSpec.model_validate(h) for h in CARED)
    await world.app.use_cases.households.import_register("A", homes, "test")
    joined = await world.say(WU, WU, "/join WU-3-2026")
    await world.bot_says(WU, "认领成功", after=joined)

    said = await world.say(ADMIN, ADMIN, "/outage 停水 3号楼 今晚23:00-次日02:00 主管道抢修")
    await world.bot_says(ADMIN, "已把通知发到", after=said)
    await tick(world)
    await world.bot_says(world.group("3"), "停水")  # the notice itself, in the group
    lists = {}
    for person in (WU, GRID_G1, ADMIN):
        lists[person] = await world.bot_says(person, "【关爱名单】3号楼停水。")
        text = lists[person]["text"]
        assert "3-1-101（独居老人），备注：女儿13800001234" in text and "3-2-402（残疾）" in text
        assert "5-1-201" not in text and "3-2-401" not in text  # not cut; not on the list
    assert await texts(world, GRID_G2, "关爱名单") == []  # building 3 is not in his grid
    assert await texts(world, world.resident("3"), "关爱名单") == []

    await world.client.press(WU, lists[WU], "已联系 3-1-101")
    await world.bot_says(WU, "已记下：3-1-101 已联系上")
    await world.client.press(GRID_G1, lists[GRID_G1], "已联系 3-1-101")
    await world.bot_says(GRID_G1, "已经有人联系过了")

    clock.advance(hours=2, minutes=1)
    await tick(world)
    await tick(world)
    reports = await texts(world, ADMIN, "还有 1 户没有联系上")
    assert len(reports) == 1 and "3-2-402" in reports[0] and "3-1-101" not in reports[0]
    async with world.app.uow() as tx:
        assert await tx.audit.count("care.contacted") == 1

    in_groups = [
        m.get("text") or ""
        for building in ("1", "2", "3", "5", "6", "8", "65", "171")
        for m in await world.bot_messages(world.group(building))
    ]
    assert [t for t in in_groups if CARE_PRIVATE.search(t)] == []
    logged = captured.getvalue()
    assert "care round started" in logged
    assert [
        line for line in logged.splitlines() if re.search(r"陈阿婆|独居|女儿|13800001234", line)
    ] == []


async def test_a_level_one_emergency_in_a_building_sends_its_care_list_once(
    world: World, clock: FakeClock
) -> None:
    homes = tuple(HouseholdSpec.model_validate(h) for h in CARED)
    await world.app.use_cases.households.import_register("A", homes, "test")
    said = await world.say(
        world.resident("5"), world.group("5"), "@loudao_bot 5号楼楼道里煤气味很重"
    )
    await world.bot_says(world.group("5"), "#A-0001", after=said)
    await tick(world)
    await tick(world)
    lists = await texts(world, ADMIN, "【关爱名单】5号楼有紧急情况")
    assert len(lists) == 1 and "5-1-201（重病）" in lists[0] and "3-1-101" not in lists[0]
    assert len(await texts(world, GRID_G1, "5-1-201")) == 1  # building 5 is in his grid (G1)
    assert await texts(world, GRID_G2, "关爱名单") == []
    assert await texts(world, WU, "关爱名单") == []  # she leads building 3, not 5

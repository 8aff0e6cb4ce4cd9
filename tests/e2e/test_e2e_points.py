"""Volunteer points end to end, through the real Application and the sandbox: a repair the
reporter confirmed and a first ballot earn points automatically, once; a building leader
proposes points that an approver accepts with one tap – up to the rule's cap – or refuses (the
proposer hears it); /points shows the balance in private; no group message and no log line
names a home."""

from __future__ import annotations

import asyncio
import io
import re

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.domain.households.register import HouseholdSpec
from bot.domain.points.records import EntryKind, Holder, NewEntry
from bot.registry_file import read_registry
from bot.sandbox_mode import residents_of
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_households import (
    TUESDAY_1000,
    WU,
    captured,  # noqa: F401
    code_for,
    link,
    load_register,
    open_consultation,
)
from tests.e2e.test_e2e_kpi import sandbox_server  # noqa: F401
from tests.e2e.test_e2e_tickets import card_of, press
from tests.e2e.world import ADMIN, DEMO, ELECTRICIAN, PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e
HOME = re.compile(r"3-2-401|401|赵秘密")
GROUPS = ("1", "2", "3", "5", "6", "8", "65", "171")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_1000)


async def balance(world: World, resident: int, expect: str) -> str:
    asked = await world.say(resident, resident, "/points")
    return str((await world.bot_says(resident, expect, after=asked))["text"])


async def group_texts(world: World) -> list[str]:
    chats = [world.group(b) for b in GROUPS] + [-1001000]
    return [m.get("text") or "" for chat in chats for m in await world.bot_messages(chat)]


async def test_a_confirmed_repair_and_a_ballot_earn_points_once_without_a_word_in_the_group(
    world: World,
    captured: io.StringIO,  # noqa: F811
) -> None:
    await load_register(world.app)
    resident = world.resident("3")
    await link(world, resident, await code_for(world, ADMIN, "3-2-401"), "您是您家的投票人")
    await balance(world, resident, "您现在有 0 积分")

    group = world.group("3")
    said = await world.say(resident, group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "直接完成", after=private)
    await press(world, ELECTRICIAN, prompt, "直接完成")
    verdict = await world.bot_says(group, "解决了吗", after=card)
    await press(world, resident, verdict, "已解决，满意")

    await open_consultation(world, "一般事项 | 是否同意更换3号楼电梯？ | 截止 3天 | 楼 3")
    ballot = await world.bot_says(resident, "请点选您家的意见")
    await world.client.press(resident, ballot, "反对")
    await world.bot_says(resident, "已记下您家的意见：反对")
    await world.client.press(resident, ballot, "同意")  # a changed vote: still one ballot
    await world.bot_says(resident, "已记下您家的意见：同意")

    shown = await balance(world, resident, "您现在有 3 积分")
    assert "+2  报修已解决" in shown and "+1  参与征询" in shown
    in_group = await world.say(resident, group, "/points")
    await world.bot_says(group, "请私聊我", after=in_group)
    assert [t for t in await group_texts(world) if "积分" in t and "私聊" not in t] == []
    assert [t for t in await group_texts(world) if HOME.search(t)] == []
    logged = captured.getvalue()
    assert "points: ticket_confirmed awarded 2" in logged  # the log was captured …
    assert [line for line in logged.splitlines() if HOME.search(line)] == []  # … no home


async def test_a_leaders_award_counts_once_accepted_stops_at_the_cap_and_a_refusal_is_told(
    world: World,
) -> None:
    await load_register(world.app)
    resident = world.resident("3")
    await link(world, resident, await code_for(world, ADMIN, "3-2-401"), "您是您家的投票人")
    joined = await world.say(WU, WU, "/join WU-3-2026")
    await world.bot_says(WU, "认领成功", after=joined)

    async def propose(words: str) -> tuple[dict[str, object], dict[str, object]]:
        asked = await world.say(WU, WU, f"/award {words}")
        await world.bot_says(WU, "等主任或经理审核", after=asked)
        reason = words.split()[-1]
        to_admin = await world.bot_says(ADMIN, lambda m: reason in (m.get("text") or ""))
        to_supervisor = await world.bot_says(SUPERVISOR, lambda m: reason in (m.get("text") or ""))
        return to_admin, to_supervisor

    first, first_too = await propose("3-2-401 5 清理楼道")
    assert "3-2-401，5 分（志愿服务）" in str(first["text"]) and "吴阿姨" in str(first["text"])
    answer = await press(world, ADMIN, first, "同意")
    assert "已同意，记入 5 分" in answer["text"]
    answer = await press(world, SUPERVISOR, first_too, "不同意")  # decided already: no change
    assert "已经审核过" in answer["text"]
    told = await world.bot_says(WU, "已通过：5 分（清理楼道）")

    second, _ = await propose("3-2-401 5 修剪绿篱")
    await press(world, ADMIN, second, "同意")
    third, _ = await propose("3-2-401 5 搬运物资")  # 10 a day: the cap is reached
    answer = await press(world, ADMIN, third, "同意")
    assert "已到上限" in answer["text"]
    _, fourth_too = await propose("3-2-401 3 代收快递")
    answer = await press(world, SUPERVISOR, fourth_too, "不同意")
    assert "已不同意" in answer["text"]
    await world.bot_says(WU, "没有通过审核（代收快递）", after=told)

    shown = await balance(world, resident, "您现在有 10 积分")
    assert "+5  修剪绿篱" in shown and "代收快递" not in shown and "搬运物资" not in shown
    asked = await world.say(WU, WU, "/correct 3-2-401 -3 重复记分")  # leaders cannot
    await world.bot_says(WU, "只有主任或经理", after=asked)
    asked = await world.say(SUPERVISOR, SUPERVISOR, "/correct 3-2-401 -3 重复记分")
    await world.bot_says(SUPERVISOR, "已更正 3-2-401：-3 分，现在共 7 分", after=asked)
    shown = await balance(world, resident, "您现在有 7 积分")
    assert "-3  重复记分" in shown and "+5  清理楼道" in shown  # the earlier rows stay
    stranger = world.resident("3", 1)  # a resident cannot propose
    asked = await world.say(stranger, stranger, "/award 3-2-401 5 清理楼道")
    await world.bot_says(stranger, "只有本楼的楼组长或物业工作人员", after=asked)
    asked = await world.say(WU, WU, "/award 5-1-201 5 清理楼道")  # not her building
    await world.bot_says(WU, "只有本楼的楼组长或物业工作人员", after=asked)
    asked = await world.say(WU, WU, "/award 3-2-401 很多 清理楼道")
    await world.bot_says(WU, "这样用：/award", after=asked)
    assert [t for t in await group_texts(world) if "积分" in t or HOME.search(t)] == []


async def test_a_resident_redeems_in_private_and_staff_hand_the_item_out_once(
    world: World,
) -> None:
    await load_register(world.app)
    resident, neighbour = world.resident("3"), world.resident("3", 1)
    await link(world, resident, await code_for(world, ADMIN, "3-2-401"), "您是您家的投票人")
    await link(world, neighbour, await code_for(world, ADMIN, "3-2-402"), "您是您家的投票人")
    asked = await world.say(SUPERVISOR, SUPERVISOR, "/award 3-2-401 5 清理楼道")
    await world.bot_says(SUPERVISOR, "等主任或经理审核", after=asked)
    await press(world, ADMIN, await world.bot_says(ADMIN, "积分审核"), "同意")
    assert await texts_of(world, SUPERVISOR, "积分审核") == []  # nobody reviews their own
    asked = await world.say(ADMIN, ADMIN, "/shop add 大米 5分 1件")
    await world.bot_says(ADMIN, "已上架：大米，5 积分一件，现有 1 件", after=asked)
    asked = await world.say(resident, resident, "/shop add 大米 5 9")  # not an admin
    await world.bot_says(resident, "只有物业工作人员或管理员", after=asked)

    asked = await world.say(neighbour, neighbour, "/shop")  # no points yet
    shelf = await world.bot_says(neighbour, "积分超市", after=asked)
    answer = await press(world, neighbour, shelf, "兑换 大米")
    assert "需要 5 积分，您现在有 0 积分" in answer["text"]
    asked = await world.say(resident, resident, "/shop")
    shelf = await world.bot_says(resident, "积分超市（您现有 5 积分）", after=asked)
    assert "大米：5 积分，剩 1 件" in shelf["text"]
    await press(world, resident, shelf, "兑换 大米")
    got = await world.bot_says(resident, "兑换成功：大米", after=shelf)
    code = str(got["text"]).split("兑换码：")[1].split()[0]
    answer = await press(world, resident, shelf, "兑换 大米")  # the last one is gone
    assert "已经兑换完了" in answer["text"] and "积分没有变" in answer["text"]
    shown = await balance(world, resident, "您现在有 0 积分")
    assert "-5  大米" in shown

    asked = await world.say(PLUMBER, PLUMBER, f"/redeem {code.lower()}")
    valid = await world.bot_says(PLUMBER, f"兑换码 {code} 有效：大米", after=asked)
    answer = await press(world, PLUMBER, valid, "已发放")
    assert "已登记发放" in answer["text"]
    asked = await world.say(PLUMBER, PLUMBER, f"/redeem {code}")
    await world.bot_says(PLUMBER, "已经发放过了", after=asked)
    asked = await world.say(resident, resident, f"/redeem {code}")  # residents cannot
    await world.bot_says(resident, "只有物业工作人员或管理员", after=asked)
    asked = await world.say(PLUMBER, PLUMBER, "/redeem ABCDEFGH")
    await world.bot_says(PLUMBER, "兑换码不对", after=asked)
    assert [t for t in await group_texts(world) if "积分" in t or code in t] == []


async def test_the_monthly_board_names_only_the_opted_in_and_is_posted_once_across_restarts(
    database_url: str,
    sandbox_server: tuple[SandboxServer, str],  # noqa: F811
) -> None:
    server, base_url = sandbox_server
    clock = FakeClock(TUESDAY_1000)  # 1 December: November's board (empty) is claimed now
    settings = app_settings(base_url, database_url)
    residents = residents_of(read_registry(DEMO))
    client = SandboxClient(base_url)

    async def process() -> World:
        app = LoudaoApp(settings, clock)
        await app.start()
        return World(server, app, client, residents)

    async def boards(world: World) -> list[str]:
        return [t for t in await group_texts(world) if "志愿积分榜" in t]

    world = await process()
    named, shy, quiet = (world.resident("3", n) for n in range(3))
    named_as = residents["3"][0][1]
    try:
        await load_register(world.app)
        for person, home in ((named, "3-2-401"), (shy, "3-2-402"), (quiet, "3-1-101")):
            await link(world, person, await code_for(world, ADMIN, home), "您是您家的投票人")
        for home, points in (("3-2-401", 3), ("3-2-402", 5), ("3-1-101", 4)):
            asked = await world.say(ADMIN, ADMIN, f"/award {home} {points} 清理绿地{home}")
            await world.bot_says(ADMIN, "等主任或经理审核", after=asked)
            ask = await world.bot_says(SUPERVISOR, f"清理绿地{home}")
            await press(world, SUPERVISOR, ask, "同意")
        for person, words in ((named, "on"), (shy, "on"), (shy, "off")):
            asked = await world.say(person, person, f"/points name {words}")
            await world.bot_says(person, "好的", after=asked)
        await world.app.tick()
        await world.settle()
        assert await boards(world) == []  # November had none; December is not over
    finally:
        await world.app.stop()

    clock.advance(days=31)  # 1 January 2027, 10:00 in Shanghai
    for _ in range(2):  # a restart, twice: one board
        world = await process()
        try:
            await world.app.tick()
            await world.settle()
            await world.app.tick()
            await world.settle()
            posted = await boards(world)
        finally:
            await world.app.stop()
        assert len(posted) == 1
    board_said = posted[0]
    assert "3号楼 12月志愿积分榜" in board_said
    assert f"1. {named_as}  3 分" in board_said and "其他邻居 2 位" in board_said
    assert residents["3"][1][1] not in board_said and residents["3"][2][1] not in board_said
    assert not HOME.search(board_said) and "5 分" not in board_said
    group3 = [m.get("text") or "" for m in await world.bot_messages(world.group("3"))]
    assert len([t for t in group3 if "志愿积分榜" in t]) == 1  # posted in building 3's group
    await client.close()


async def test_an_activity_takes_its_places_refuses_a_full_one_and_attendance_earns_once(
    world: World,
) -> None:
    await load_register(world.app)
    first, second, late = (world.resident("3", n) for n in range(3))
    await link(world, first, await code_for(world, ADMIN, "3-2-401"), "您是您家的投票人")
    asked = await world.say(ADMIN, ADMIN, "/activity 周六9:00 清理绿地 2人 5分 3号楼")
    await world.bot_says(ADMIN, "已发布志愿活动 #1 到 1 个群", after=asked)
    notice = await world.bot_says(world.group("3"), "志愿活动：清理绿地")
    assert "12-05 09:00" in notice["text"] and "名额：2 人" in notice["text"]
    assert [t for t in await group_texts(world) if "清理绿地" in t] == [notice["text"]]
    asked = await world.say(first, first, "/activity 周六9:00 清理绿地 2人 5分")
    await world.bot_says(first, "只有管理员", after=asked)

    answer = await press(world, first, notice, "报名")
    assert "报名成功" in answer["text"] and "已报 1/2 人" in answer["text"]
    answer = await press(world, first, notice, "报名")
    assert "已经报过名" in answer["text"]
    answer = await press(world, second, notice, "报名")
    assert "已报 2/2 人" in answer["text"]
    answer = await press(world, late, notice, "报名")
    assert "名额已经报满" in answer["text"]

    asked = await world.say(ADMIN, ADMIN, "/activity 1")
    roll = await world.bot_says(ADMIN, "已报名 2/2 人", after=asked)
    labels = [b["text"] for row in roll["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["到场：3-2-401", "到场：第 2 位报名者"]
    answer = await press(world, ADMIN, roll, "到场：3-2-401")
    assert "记入 5 积分" in answer["text"]
    answer = await press(world, ADMIN, roll, "到场：3-2-401")  # twice: once only
    assert "已经登记过到场" in answer["text"]
    await world.bot_says(first, "谢谢您参加志愿活动「清理绿地」！已为您记入 5 积分")
    await balance(world, first, "您现在有 5 积分")
    assert [t for t in await group_texts(world) if HOME.search(t)] == []


async def test_twenty_residents_pressing_for_the_last_item_at_once_one_gets_it(
    world: World,
) -> None:
    people = [(b, uid) for b, listed in world.residents.items() for uid, _ in listed][:20]
    homes = tuple(
        HouseholdSpec.model_validate({"building": b, "unit": "1", "room": f"9{n:02d}"})
        for n, (b, _) in enumerate(people)
    )
    await world.app.use_cases.households.import_register("A", homes, "test")
    now = world.app.clock.now()
    async with world.app.uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        for n, (b, uid) in enumerate(people):
            home = await tx.households.find(community.id, b, "1", f"9{n:02d}")
            assert home is not None
            await tx.households.link(home.id, uid, now)
            gift = NewEntry(
                community_id=community.id, holder=Holder("person", uid, b),
                kind=EntryKind.AWARD, points=20, rule="volunteer", event=f"gift:{uid}",
                reason="志愿服务", actor=None, approved_by=ADMIN,
            )  # fmt: skip
            await tx.points.add(gift, now)
        await tx.shop.add_item(community.id, "电饭煲", 20, 1, now)
        await tx.commit()
    shelves = []
    for _, uid in people:
        asked = await world.say(uid, uid, "/shop")
        shelves.append(await world.bot_says(uid, "积分超市（您现有 20 积分）", after=asked))
    answers = await asyncio.gather(
        *(
            world.client.press(uid, shelf, "兑换 电饭煲")
            for (_, uid), shelf in zip(people, shelves, strict=True)
        )
    )
    await world.settle()
    refused = [a for a in answers if "已经兑换完了" in (a.get("text") or "")]
    won = [uid for _, uid in people if await texts_of(world, uid, "兑换成功：电饭煲")]
    assert len(refused) == 19 and len(won) == 1
    async with world.app.uow() as tx:
        items = await tx.shop.items(community.id)
        spent = [await tx.points.balance(community.id, Holder("person", u)) for _, u in people]
    assert [i.stock for i in items] == [0] and sorted(spent) == [0] + [20] * 19


async def texts_of(world: World, chat: int, needle: str) -> list[str]:
    return [m["text"] for m in await world.bot_messages(chat) if needle in (m.get("text") or "")]

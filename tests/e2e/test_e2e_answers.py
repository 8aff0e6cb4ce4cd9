"""Nobody ignored: every message that asks the bot for help gets an answer (issue 14, part A).

Greetings and words the bot does not understand get a short menu with a way out, an unknown
command in private is told what there is, a plain group message that reads as a repair report
gets one quiet offer, English is understood and answered in English, an oversized report is
kept by its first part, and "我的工单" in words shows the resident's tickets.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_tickets import card_of, edited, press, ticket_count
from tests.e2e.world import DEMO, ELECTRICIAN, JSON, PLUMBER, World

pytestmark = pytest.mark.e2e

OFFER = "需要我帮您登记报修吗"


@pytest.fixture
def clock() -> FakeClock:
    """Tuesday 10:00 in Shanghai: staff are on duty, whenever the tests run."""
    return FakeClock()


def buttons(message: JSON) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def nothing_after(world: World, chat: int, said: JSON) -> None:
    await world.settle()
    assert await world.bot_messages(chat, after=said) == []


def community_file(tmp_path: Path, setting: str) -> Path:
    """The demo community's files, with `unaddressed_reports: <setting>`."""
    folder = tmp_path / "config"
    shutil.copytree(DEMO.parent, folder)
    path = folder / "community.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    locale: zh_CN\n", f"    locale: zh_CN\n    unaddressed_reports: {setting}\n"
        ),
        encoding="utf-8",
    )
    return path


@contextlib.asynccontextmanager
async def demo_world(
    database_url: str, clock: FakeClock, community: Path = DEMO
) -> AsyncIterator[World]:
    """The demo community running for real, with its own community file; restartable."""
    registry = read_registry(community)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    settings = app_settings(base_url, database_url, community_file=community)
    world = World(
        server, LoudaoApp(settings, clock), SandboxClient(base_url), residents_of(registry)
    )
    await world.app.start()
    try:
        yield world
    finally:
        await world.client.close()
        await world.app.stop()
        await server.stop()


async def restart(world: World) -> None:
    """Stop the bot and start it again on the same database (nothing kept in memory)."""
    await world.app.stop()
    world.app = LoudaoApp(world.app.settings, world.app.clock)
    await world.app.start()


# -- addressed messages that are not reports -------------------------------------------------
async def test_a_greeting_to_the_bot_is_answered_with_what_it_can_do(world: World) -> None:
    resident, group = world.resident("3"), world.group("3")
    for text in ("@loudao_bot 你好", "@loudao_bot 在吗", "@loudao_bot"):
        said = await world.say(resident, group, text)
        menu = await world.bot_says(group, "我可以帮您", after=said)
        assert menu["reply_to_message_id"] == said["message_id"]
        assert "@loudao_bot" in menu["text"]  # in a group: how to address the bot
        assert buttons(menu) == ["一步步报修", "转给工作人员"]
    assert await ticket_count(world) == 0


async def test_an_english_greeting_is_answered_in_english(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot hello")
    menu = await world.bot_says(world.group("3"), "I can help", after=said)
    assert buttons(menu) == ["Step by step", "Pass to staff"]
    assert await ticket_count(world) == 0


async def test_thanks_to_the_bot_get_a_short_word(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 谢谢")
    reply = await world.bot_says(world.group("3"), "不客气", after=said)
    assert buttons(reply) == []


async def test_in_a_private_chat_hello_and_an_unknown_command_are_answered(world: World) -> None:
    resident, group = world.resident("3"), world.group("3")
    said = await world.say(resident, resident, "你好")
    await world.bot_says(resident, "我可以帮您", after=said)
    said = await world.say(resident, resident, "/foo")
    reply = await world.bot_says(resident, "没有这个指令", after=said)
    assert "我可以帮您" in reply["text"] and buttons(reply) == ["一步步报修", "转给工作人员"]
    said = await world.say(resident, resident, "/my")  # a known command is not "unknown"
    reply = await world.bot_says(resident, "还没有报过事", after=said)
    await world.settle()
    assert len(await world.bot_messages(resident, after=said)) == 1
    # in a group, a command without our name may be another bot's: not ours to answer
    said = await world.say(resident, group, "/foo")
    await nothing_after(world, group, said)
    said = await world.say(resident, group, "/foo@loudao_bot")
    await world.bot_says(group, "没有这个指令", after=said)


async def test_a_message_the_bot_does_not_understand_can_be_passed_to_staff(
    world: World,
) -> None:
    resident, group = world.resident("3"), world.group("3")
    said = await world.say(resident, group, "@loudao_bot 找一下物业的人")
    menu = await world.bot_says(group, "没太看懂", after=said)
    refused = await press(world, world.resident("3", 1), menu, "转给工作人员")
    assert "不是给您的" in refused["text"]
    answer = await press(world, resident, menu, "转给工作人员")
    assert "已转给工作人员" in answer["text"]
    card = await card_of(world, group, menu)
    assert "咨询" in card["text"] and "李经理" in card["text"]
    await edited(world, menu, "#A-0001")
    private = await world.bot_says(9002, "#A-0001")
    assert "找一下物业的人" in private["text"]


async def test_the_step_by_step_button_starts_the_report_flow(world: World) -> None:
    resident, group = world.resident("3"), world.group("3")
    said = await world.say(resident, group, "@loudao_bot 你好")
    menu = await world.bot_says(group, "我可以帮您", after=said)
    await press(world, resident, menu, "一步步报修")
    step = await world.bot_says(
        group, "是哪一类问题", after=menu
    )  # 3号楼's group: no building step
    await press(world, resident, step, "照明灯具")
    await edited(world, step, "第3步")  # the flow moves on in its own message


# -- plain group messages that read as reports ---------------------------------------------
async def test_a_plain_report_gets_one_quiet_offer_and_a_tap_opens_its_ticket(
    world: World,
) -> None:
    resident, neighbour, group = world.resident("3"), world.resident("3", 1), world.group("3")
    said = await world.say(resident, group, "楼道灯不亮了")
    offer = await world.bot_says(group, OFFER, after=said)
    assert offer["reply_to_message_id"] == said["message_id"]
    assert buttons(offer) == ["好的，帮我登记", "不用了"]
    again = await world.say(resident, group, "3号楼楼道灯不亮了")
    await nothing_after(world, group, again)  # once per person and topic
    assert await ticket_count(world) == 0

    refused = await press(world, neighbour, offer, "好的，帮我登记")
    assert "不是给您的" in refused["text"]
    answer = await press(world, resident, offer, "好的，帮我登记")
    assert "已登记" in answer["text"]
    card = await card_of(world, group, offer)
    assert card["reply_to_message_id"] == said["message_id"] and "照明" in card["text"]
    done = await edited(world, offer, "#A-0001")
    assert buttons(done) == []
    await world.bot_says(ELECTRICIAN, "#A-0001")
    assert await ticket_count(world) == 1


async def test_an_offer_can_be_declined(world: World) -> None:
    resident, group = world.resident("3"), world.group("3")
    said = await world.say(resident, group, "楼下垃圾好几天没人收了")
    offer = await world.bot_says(group, OFFER, after=said)
    await press(world, resident, offer, "不用了")
    done = await edited(world, offer, "不打扰")
    assert buttons(done) == []
    assert await ticket_count(world) == 0


async def test_chit_chat_questions_notices_and_staff_get_no_offer(world: World) -> None:
    group = world.group("3")
    for text in (
        "今天天气真好",
        "哈哈哈",
        "有人知道快递放哪了吗",
        "温馨提示：明天停水",
        "晚上一起去跳广场舞吧",
        "谢谢张师傅，辛苦了",
        "上次电梯坏了修得挺快的 点赞👍",
    ):
        said = await world.say(world.resident("3"), group, text)
        await nothing_after(world, group, said)
    said = await world.say(ELECTRICIAN, group, "楼道灯不亮了")  # staff say it to neighbours
    await nothing_after(world, group, said)


async def test_emergencies_are_still_taken_at_once_without_an_offer(world: World) -> None:
    said = await world.say(world.resident("8"), world.group("8"), "楼道里冒黑烟了！快来人")
    card = await card_of(world, world.group("8"), said)
    assert "紧急" in card["text"]
    messages = await world.bot_messages(world.group("8"), after=said)
    assert not [m for m in messages if OFFER in (m.get("text") or "")]


async def test_the_offer_is_not_repeated_after_a_restart_but_comes_again_later(
    database_url: str, clock: FakeClock
) -> None:
    async with demo_world(database_url, clock) as world:
        resident, group = world.resident("5"), world.group("5")
        said = await world.say(resident, group, "厨房水管漏水了")
        await world.bot_says(group, OFFER, after=said)
        await restart(world)
        said = await world.say(resident, group, "厨房水管还在漏水")
        await nothing_after(world, group, said)
        clock.advance(timedelta(hours=2, minutes=1))
        said = await world.say(resident, group, "厨房水管漏水了")
        await world.bot_says(group, OFFER, after=said)


async def test_a_community_can_turn_offers_off(
    database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    async with demo_world(database_url, clock, community_file(tmp_path, "off")) as world:
        said = await world.say(world.resident("3"), world.group("3"), "楼道灯不亮了")
        await nothing_after(world, world.group("3"), said)
        said = await world.say(world.resident("8"), world.group("8"), "楼道里冒黑烟了！快来人")
        await card_of(world, world.group("8"), said)  # emergencies still


async def test_a_community_can_have_plain_reports_opened_directly(
    database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    async with demo_world(database_url, clock, community_file(tmp_path, "open")) as world:
        resident, group = world.resident("3"), world.group("3")
        said = await world.say(resident, group, "楼道灯不亮了")
        card = await card_of(world, group, said)
        assert card["reply_to_message_id"] == said["message_id"] and "照明" in card["text"]
        again = await world.say(resident, group, "3号楼楼道灯不亮了")
        await nothing_after(world, group, again)
        said = await world.say(resident, group, "今天天气真好")
        await nothing_after(world, group, said)
        assert await ticket_count(world) == 1


# -- English -------------------------------------------------------------------------------
async def test_an_english_report_is_understood_and_answered_in_english(world: World) -> None:
    whole = -1001000  # the whole community's group: no building of its own
    said = await world.say(world.resident("3"), whole, "@loudao_bot the lift is broken")
    await world.bot_says(whole, "Which building", after=said)
    said = await world.say(
        world.resident("3"),
        world.group("3"),
        "@loudao_bot The light in the stairwell of building 3 is broken",
    )
    card = await card_of(world, world.group("3"), said)  # the group's card: its language
    assert "照明" in card["text"] and "3号楼" in card["text"]
    said = await world.say(world.resident("5"), world.group("5"), "I smell gas in the kitchen!")
    card = await card_of(world, world.group("5"), said)
    assert "紧急" in card["text"] and "燃气" in card["text"]
    await world.bot_says(world.group("5"), "Gas leak", after=said)
    await world.bot_says(PLUMBER, "#A-0002")


# -- oversized messages and "my tickets" in words -------------------------------------------
async def test_an_oversized_message_is_registered_by_its_first_part(world: World) -> None:
    group = world.group("3")
    text = "@loudao_bot 3号楼2单元楼道灯不亮了，" + "晚上出门看不见，麻烦尽快来修。" * 200
    said = await world.say(world.resident("3"), group, text)
    card = await card_of(world, group, said)
    assert "照明" in card["text"]
    note = await world.bot_says(group, "您的消息较长，已按前 2000 字登记", after=said)
    assert note["reply_to_message_id"] == said["message_id"]
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    assert "3号楼2单元楼道灯不亮了" in private["text"]
    assert await ticket_count(world) == 1


async def test_asking_for_my_tickets_in_words_shows_them(world: World) -> None:
    resident, group = world.resident("3"), world.group("3")
    said = await world.say(resident, group, "@loudao_bot 3号楼电梯坏了")
    await card_of(world, group, said)
    for text in ("我报的修怎么样了", "我的工单", "我的报修进度"):
        said = await world.say(resident, resident, text)
        mine = await world.bot_says(resident, "您的工单（1 张）", after=said)
        assert "#A-0001" in mine["text"] and "电梯" in mine["text"]
    said = await world.say(resident, group, "@loudao_bot 我报的修怎么样了")
    hint = await world.bot_says(group, "私聊", after=said)
    links = [e.get("url") for e in hint.get("entities", []) if e["type"] == "text_link"]
    assert links == ["https://t.me/loudao_bot?start=my"] and "#A-0001" not in hint["text"]
    said = await world.say(resident, resident, "/start my")  # where the group's link leads
    await world.bot_says(resident, "您的工单（1 张）", after=said)
    said = await world.say(ELECTRICIAN, ELECTRICIAN, "我的工单")  # staff: the ones they handle
    await world.bot_says(ELECTRICIAN, "您手上的工单（1 张）", after=said)

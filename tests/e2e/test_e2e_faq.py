"""The knowledge base in the sandbox: answers, suggestions, silence, cool-down, admin edits, gaps."""

from __future__ import annotations

import pytest

from bot.domain.clock import Clock, FakeClock
from bot.resources import example_file
from faq.kb import FaqEntry, load_kb
from tests.e2e.world import ADMIN, JSON, SUPERVISOR, World

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> Clock:
    return FakeClock()


async def _handled(world: World) -> None:
    """Wait until everything said so far was handled: updates are handled in order, so a
    private question that gets its reply marks the point."""
    someone = world.resident("171")
    said = await world.say(someone, someone, "大件垃圾什么时候收")
    await world.bot_says(someone, "大件垃圾", after=said)
    await world.settle()


def _entry_titled(title: str) -> FaqEntry:
    """The demo base's entry whose first phrasing is on a button."""
    (found,) = [e for e in load_kb(example_file("faq.yaml")) if e.questions[0] == title]
    return found


def _buttons(message: JSON) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_a_mention_gets_the_answer_as_a_reply(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 访客停车怎么收费？")
    answer = await world.bot_says(world.group("3"), "访客车辆", after=said)
    assert answer["reply_to_message_id"] == said["message_id"]
    assert "前 2 小时免费" in answer["text"]


async def test_a_close_call_offers_buttons_and_pressing_one_shows_the_answer(
    world: World,
) -> None:
    resident = world.resident("5")
    said = await world.say(resident, world.group("5"), "@loudao_bot 装修有什么要求")
    offer = await world.bot_says(world.group("5"), "您是想问", after=said)
    choices = _buttons(offer)
    assert 2 <= len(choices) <= 3
    assert all("装修" in c for c in choices)
    # which renovation entries are offered depends on the matcher (words alone, or with meaning)
    chosen = _entry_titled(choices[-1])
    await world.client.press(world.resident("5", 1), offer, chosen.questions[0])
    answer = await world.bot_says(
        world.group("5"), chosen.answer.strip().splitlines()[0], after=offer
    )
    assert answer["reply_to_message_id"] == offer["message_id"]
    assert chosen.questions[0] in answer["text"]


async def test_no_match_in_a_private_chat_gets_a_kind_answer(world: World) -> None:
    resident = world.resident("6")
    said = await world.say(resident, resident, "小区里有没有教钢琴的老师")
    await world.bot_says(resident, "暂时答不上来", after=said)


async def test_a_private_question_is_answered(world: World) -> None:
    resident = world.resident("6")
    said = await world.say(resident, resident, "大件垃圾什么时候收")
    await world.bot_says(resident, "大件垃圾", after=said)


async def test_unaddressed_chatter_gets_no_reply(world: World) -> None:
    group = world.group("8")
    first = await world.say(world.resident("8"), group, "大家早上好")
    await world.say(world.resident("8", 1), group, "今天天气不错，晚上吃什么好呢")
    await world.say(world.resident("8"), group, "停车场那边的车好多啊")
    lamp = await world.say(world.resident("8", 1), group, "楼道灯又坏了，烦死了")
    await _handled(world)
    # nothing from the knowledge base; the report among them gets only the quiet offer
    replies = await world.bot_messages(group, after=first)
    assert all(
        (m["reply_to_message_id"], m["text"]) == (lamp["message_id"], "需要我帮您登记报修吗？")
        for m in replies
    )


async def test_an_unaddressed_clear_question_is_answered_once_per_cool_down(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "访客停车怎么收费")
    first = await world.bot_says(group, "访客车辆", after=said)
    assert first["reply_to_message_id"] == said["message_id"]
    again = await world.say(world.resident("3", 1), group, "访客停车怎么收费？")
    await _handled(world)
    assert await world.bot_messages(group, after=first) == []
    clock.advance(minutes=61)
    later = await world.say(world.resident("3", 1), group, "访客停车怎么收费")
    reply = await world.bot_says(group, "访客车辆", after=again)
    assert reply["reply_to_message_id"] == later["message_id"]


async def test_a_chinese_entry_id_gets_a_plain_answer_not_a_pattern_error(world: World) -> None:
    said = await world.say(ADMIN, ADMIN, "/faq add 无线网 | 活动室无线网密码是多少 | 密码贴在门口")
    answer = await world.bot_says(ADMIN, "问答编号只能用英文字母", after=said)
    assert "parking_fee" in answer["text"] and "pattern" not in answer["text"]
    assert "String should" not in answer["text"]


async def test_an_admin_adds_an_entry_in_chat_and_it_answers_right_away(world: World) -> None:
    resident = world.resident("3")
    said = await world.say(
        resident, resident, "/faq add wifi | 活动室无线网密码是多少 | 密码贴在门口"
    )
    await world.bot_says(resident, "只有管理员", after=said)
    said = await world.say(
        ADMIN,
        ADMIN,
        "/faq add wifi | 活动室无线网密码是多少；活动室wifi密码 | 密码贴在活动室门口，"
        "每月 1 日更换。",
    )
    await world.bot_says(ADMIN, "已新增「wifi」", after=said)
    said = await world.say(resident, resident, "活动室的wifi密码是多少")
    answer = await world.bot_says(resident, "密码贴在活动室门口", after=said)
    assert "每月 1 日更换" in answer["text"]
    said = await world.say(SUPERVISOR, SUPERVISOR, "/faq edit wifi | | 密码是 sunshine2026")
    await world.bot_says(SUPERVISOR, "已修改", after=said)
    said = await world.say(resident, resident, "活动室无线网密码是多少")
    await world.bot_says(resident, "sunshine2026", after=said)
    said = await world.say(ADMIN, ADMIN, "/faq del wifi")
    await world.bot_says(ADMIN, "已删除", after=said)
    said = await world.say(resident, resident, "活动室无线网密码是多少")
    await world.bot_says(resident, "暂时答不上来", after=said)


async def test_faq_gaps_lists_the_questions_nobody_answered(world: World) -> None:
    for index in (0, 1):
        said = await world.say(
            world.resident("5", index), world.group("5"), "@loudao_bot 哪里可以学游泳"
        )
        await world.bot_says(world.group("5"), "暂时答不上来", after=said)
    said = await world.say(world.resident("6"), world.resident("6"), "小区里有没有教钢琴的老师")
    await world.bot_says(world.resident("6"), "暂时答不上来", after=said)
    said = await world.say(ADMIN, ADMIN, "/faq gaps")
    report = await world.bot_says(ADMIN, "答不上来", after=said)
    text = report["text"]
    assert "2 次：哪里可以学游泳" in text and "钢琴" in text
    assert text.index("游泳") < text.index("钢琴")
    said = await world.say(
        ADMIN, ADMIN, "/faq add swim | 哪里可以学游泳；游泳班 | 睦邻中心暑假有游泳班。"
    )
    await world.bot_says(ADMIN, "已新增", after=said)
    said = await world.say(ADMIN, ADMIN, "/faq gaps")
    report = await world.bot_says(ADMIN, "答不上来", after=said)
    assert "游泳" not in report["text"] and "钢琴" in report["text"]


async def test_faq_management_is_refused_in_groups_and_list_shows_the_demo_base(
    world: World,
) -> None:
    said = await world.say(ADMIN, world.group("3"), "/faq list")
    await world.bot_says(world.group("3"), "私聊", after=said)
    said = await world.say(ADMIN, ADMIN, "/faq list")
    listing = await world.bot_says(ADMIN, "共 55 条问答", after=said)
    assert "visitor-parking" in listing["text"]


async def test_an_answer_longer_than_telegram_takes_arrives_in_parts(world: World) -> None:
    steps = "\n".join(
        f"{n}. 请带好身份证和房产证到物业前台办理第 {n} 项手续。" for n in range(1, 181)
    )
    said = await world.say(ADMIN, ADMIN, f"/faq add move-in | 入住要办哪些手续 | {steps}")
    await world.bot_says(ADMIN, "move-in", after=said)
    resident = world.resident("6")
    said = await world.say(resident, resident, "请问入住要办哪些手续？")
    await world.bot_says(resident, "180. 请带好身份证", after=said)  # the last line, in a part
    parts = [m for m in await world.bot_messages(resident, said) if "手续" in m["text"]]
    assert len(parts) >= 2 and all(len(p["text"]) <= 4096 for p in parts)
    assert parts[0]["reply_to_message_id"] == said["message_id"]
    # the admin's own /faq show of it is a command reply: in parts too, through the outbox
    said = await world.say(ADMIN, ADMIN, "/faq show move-in")
    await world.bot_says(ADMIN, "180. 请带好身份证", after=said)

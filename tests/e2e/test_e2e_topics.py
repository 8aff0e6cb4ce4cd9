"""Forum supergroups end to end: whoever writes in a topic is answered in that topic – the card
and its edits, notes, safety advice, the verdict, FAQ answers, refusals, commands and /report –
and a notice to a forum goes to its notice topic or to General, and fails visibly (its author is
told) when that topic is closed, while the other groups get it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import load_community_file
from bot.domain.clock import Clock, FakeClock
from storage.models import Chat
from tests.e2e.test_e2e_faq import _buttons, _entry_titled
from tests.e2e.test_e2e_notices import make_notice, notices_in, tick
from tests.e2e.world import ADMIN, DEMO, ELECTRICIAN, JSON, PLUMBER, World

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> Clock:
    """Tuesday 10:00 in Shanghai: staff on duty, and no quiet hours for notices."""
    return FakeClock()


async def topic_in(world: World, chat: int, name: str) -> int:
    """Turn the group into a forum with one topic (opened by the admin); return its thread."""
    world.server.set_forum(chat)
    return world.server.add_topic(chat, name, by_user_id=ADMIN)


async def card_of(world: World, chat: int, after: JSON) -> JSON:
    return await world.bot_says(
        chat, lambda m: "工单 #A-" in (m.get("text") or "") and "状态：" in m["text"], after=after
    )


async def current(world: World, message: JSON) -> JSON:
    messages = await world.client.messages(message["chat_id"], message["message_id"] - 1)
    return next(m for m in messages if m["message_id"] == message["message_id"])


async def edited(world: World, message: JSON, needle: str) -> JSON:
    return await world.client.wait_for(
        message["chat_id"],
        lambda m: m["message_id"] == message["message_id"] and needle in (m.get("text") or ""),
        after_id=message["message_id"] - 1,
    )


async def press(world: World, user: int, message: JSON, text: str) -> JSON:
    answer = await world.client.press(user, await current(world, message), text)
    await world.settle()
    return answer


async def in_general(world: World, chat: int) -> list[str]:
    """What the bot said in a forum's General topic."""
    return [m["text"] for m in await world.bot_messages(chat) if m["message_thread_id"] is None]


async def test_a_report_in_a_topic_gets_its_card_edits_notes_and_verdict_there(
    world: World,
) -> None:
    group, resident = world.group("3"), world.resident("3")
    repairs = await topic_in(world, group, "报修")
    said = await world.say(
        resident, group, "@loudao_bot 3号楼2单元楼道灯不亮了", thread_id=repairs
    )
    card = await card_of(world, group, said)
    assert card["message_thread_id"] == repairs
    # the report itself, not the topic's opening message every topic message "replies" to
    assert card["reply_to_message_id"] == said["message_id"]
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    assert "代报" not in private["text"] and "楼道灯不亮了" in private["text"]

    await press(world, ELECTRICIAN, private, "接单")
    assert (await edited(world, card, "工作人员已接单"))["message_thread_id"] == repairs
    await press(world, ELECTRICIAN, private, "进度")
    prompt = await world.bot_says(ELECTRICIAN, "写一句 #A-0001 的进度", after=private)
    await world.say(ELECTRICIAN, ELECTRICIAN, "师傅下午2点来修", reply_to=prompt["message_id"])
    note = await world.bot_says(group, "师傅下午2点来修", after=card)
    assert note["message_thread_id"] == repairs
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "直接完成", after=private)
    await press(world, ELECTRICIAN, prompt, "直接完成")
    verdict = await world.bot_says(group, "解决了吗", after=note)
    assert verdict["message_thread_id"] == repairs
    await press(world, resident, verdict, "已解决，满意")
    assert (await edited(world, card, "居民已确认"))["message_thread_id"] == repairs
    assert await in_general(world, group) == []


async def test_an_emergency_in_a_topic_gets_safety_advice_and_me_too_answers_there(
    world: World,
) -> None:
    group = world.group("5")
    repairs = await topic_in(world, group, "报修")
    said = await world.say(
        world.resident("5"), group, "@loudao_bot 5号楼楼道里煤气味很重", thread_id=repairs
    )
    card = await card_of(world, group, said)
    advice = await world.bot_says(group, "962777", after=said)
    assert card["message_thread_id"] == advice["message_thread_id"] == repairs
    neighbour = world.resident("5", 1)
    again = await world.say(neighbour, group, "我也是", reply_to=card["message_id"])
    followed = await world.bot_says(group, "关注人", after=again)
    assert followed["message_thread_id"] == repairs
    photo = await world.client.say(
        neighbour, group, "", reply_to=card["message_id"], photo=TINY_GIF
    )
    added = await world.bot_says(group, "照片已附到工单", after=photo)
    assert added["message_thread_id"] == repairs
    await world.bot_says(PLUMBER, "紧急")
    assert await in_general(world, group) == []


async def test_in_general_the_bot_answers_in_general_also_a_reply_chain(world: World) -> None:
    group = world.group("6")
    await topic_in(world, group, "闲聊")
    neighbour, helper = world.resident("6", 0), world.resident("6", 1)
    original = await world.say(neighbour, group, "楼道里好多垃圾好几天没人收了")
    # a reply in General carries its chain's root as message_thread_id: not a topic to send to
    said = await world.say(helper, group, "@loudao_bot", reply_to=original["message_id"])
    card = await card_of(world, group, said)
    assert card["message_thread_id"] is None
    assert card["reply_to_message_id"] == original["message_id"]


async def test_a_refusal_and_a_command_in_a_topic_are_answered_there(world: World) -> None:
    everyone, resident = -1001000, world.resident("3")
    repairs = await topic_in(world, everyone, "报修")
    said = await world.say(resident, everyone, "@loudao_bot 电梯坏了", thread_id=repairs)
    ask = await world.bot_says(everyone, "几号楼", after=said)
    assert ask["message_thread_id"] == repairs
    said = await world.say(resident, everyone, "/my", thread_id=repairs)
    private_please = await world.bot_says(everyone, "私聊", after=said)
    assert private_please["message_thread_id"] == repairs
    assert await in_general(world, everyone) == []


async def test_a_question_in_a_topic_is_answered_in_that_topic(world: World) -> None:
    group = world.group("5")
    asks = await topic_in(world, group, "咨询")
    said = await world.say(
        world.resident("5"), group, "@loudao_bot 访客停车怎么收费？", thread_id=asks
    )
    answer = await world.bot_says(group, "访客车辆", after=said)
    assert answer["message_thread_id"] == asks
    said = await world.say(
        world.resident("5"), group, "@loudao_bot 装修有什么要求", thread_id=asks
    )
    offer = await world.bot_says(group, "您是想问", after=said)
    assert offer["message_thread_id"] == asks
    # which renovation entries are offered depends on the matcher (words alone, or with meaning)
    chosen = _entry_titled(_buttons(offer)[-1])
    await world.client.press(world.resident("5", 1), offer, chosen.questions[0])
    shown = await world.bot_says(group, chosen.answer.strip().splitlines()[0], after=offer)
    assert shown["message_thread_id"] == asks
    assert await in_general(world, group) == []


async def test_report_step_by_step_in_a_topic_stays_in_the_topic(world: World) -> None:
    group, resident = world.group("3"), world.resident("3")
    repairs = await topic_in(world, group, "报修")
    said = await world.say(resident, group, "/report", thread_id=repairs)
    screen = await world.bot_says(group, "第2步", after=said)
    assert screen["message_thread_id"] == repairs
    await press(world, resident, screen, "照明灯具")
    await edited(world, screen, "第3步")
    text = await world.say(resident, group, "2单元三楼的灯一闪一闪的", thread_id=repairs)
    photo_step = await world.bot_says(group, "第4步", after=text)
    assert photo_step["message_thread_id"] == repairs
    await press(world, resident, photo_step, "不用照片")
    confirm = await edited(world, photo_step, "请确认")
    await press(world, resident, confirm, "确认提交")
    card = await card_of(world, group, text)
    assert card["message_thread_id"] == repairs
    assert card["reply_to_message_id"] == text["message_id"]
    assert await in_general(world, group) == []


async def test_a_notice_to_a_forum_with_general_closed_fails_there_and_its_author_is_told(
    world: World,
) -> None:
    closed = world.group("3")
    await topic_in(world, closed, "报修")
    world.server.close_topic(closed)  # General: notices without a topic cannot go in
    when = await make_notice(world, ADMIN, ["3", "5", "65"], "现在发送")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=when)
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    await tick(world)
    assert len(await notices_in(world, World.group("5"), "消防安全提醒")) == 1
    assert len(await notices_in(world, World.group("65"), "消防安全提醒")) == 1
    assert await notices_in(world, closed, "消防安全提醒") == []
    report = await world.bot_says(ADMIN, "已发送 2/3", after=summary)
    assert "失败 1：3号楼邻里群（" in report["text"] and "话题已关闭" in report["text"]
    told = await world.bot_says(ADMIN, "没能发到「3号楼邻里群」", after=summary)
    assert "消防安全提醒" in told["text"] and "重新打开" in told["text"]
    await tick(world)
    assert len([m for m in await world.bot_messages(ADMIN) if "没能发到" in m["text"]]) == 1
    # a closed topic is not a dead group: the group is still served
    async with world.app.uow() as tx:
        status = await tx.session.scalar(select(Chat.status).where(Chat.chat_id == closed))
    assert status == "bound"


async def test_a_notice_goes_to_the_notice_topic_of_the_community_file(
    world: World, tmp_path: Path
) -> None:
    group = world.group("5")
    notices_topic = await topic_in(world, group, "通知公告")
    folder = tmp_path / "config"
    shutil.copytree(DEMO.parent, folder)
    community = folder / DEMO.name
    old = '{chat_id: -1001005, title: 5号楼邻里群, covers: {building: "5"}}'
    new = old[:-1] + f", notice_topic: {notices_topic}}}"
    text = community.read_text(encoding="utf-8")
    assert old in text
    community.write_text(text.replace(old, new), encoding="utf-8")
    await load_community_file(world.app.use_cases, community)
    when = await make_notice(world, ADMIN, ["3", "5"], "现在发送")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=when)
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    await tick(world)
    [notice] = await notices_in(world, group, "消防安全提醒")
    assert notice["message_thread_id"] == notices_topic
    [plain] = await notices_in(world, World.group("3"), "消防安全提醒")
    assert plain["message_thread_id"] is None
    await world.bot_says(ADMIN, "已发送 2/2", after=summary)


TINY_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

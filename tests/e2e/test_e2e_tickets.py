"""Tickets end to end: every intake path, the life cycle on staff buttons, and refusals."""

from __future__ import annotations

import re

import pytest

from bot.domain.clock import FakeClock
from tests.e2e.world import ADMIN, ELECTRICIAN, JSON, PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> FakeClock:
    """Tuesday 10:00 in Shanghai: the day staff are on duty, so routing does not depend on
    when the tests run (the duty roster routes by time)."""
    return FakeClock()


CLEANER = 9005
PRIVATE = re.compile(r"401|1381234|陈大爷|李阿姨|王奶奶")


async def card_of(world: World, chat: int, after: JSON) -> JSON:
    """The status card the bot posted after a message (it has a status line)."""
    return await world.bot_says(
        chat, lambda m: "工单 #A-" in (m.get("text") or "") and "状态：" in m["text"], after=after
    )


async def current(world: World, message: JSON) -> JSON:
    """A message as it is now (edits applied)."""
    messages = await world.client.messages(message["chat_id"], message["message_id"] - 1)
    return next(m for m in messages if m["message_id"] == message["message_id"])


async def edited(world: World, message: JSON, needle: str) -> JSON:
    """Wait until a message has been edited to contain `needle` (the sender runs in the back)."""
    return await world.client.wait_for(
        message["chat_id"],
        lambda m: m["message_id"] == message["message_id"] and needle in (m.get("text") or ""),
        after_id=message["message_id"] - 1,
    )


async def press(world: World, user: int, message: JSON, text: str) -> JSON:
    answer = await world.client.press(user, await current(world, message), text)
    await world.settle()
    return answer


async def ticket_count(world: World) -> int:
    from sqlalchemy import func, select

    from storage.models_tickets import TicketRow

    async with world.app.uow() as tx:
        return int(await tx.session.scalar(select(func.count()).select_from(TicketRow)) or 0)


async def assert_group_is_private(world: World, chat: int) -> None:
    for m in await world.bot_messages(chat):
        assert not PRIVATE.search(m.get("text") or ""), m["text"]


async def test_a_mention_opens_a_ticket_with_a_card_and_a_private_card(world: World) -> None:
    resident = world.resident("3")
    said = await world.say(resident, world.group("3"), "@loudao_bot 3号楼2单元楼道灯不亮了")
    card = await card_of(world, world.group("3"), said)
    assert card["reply_to_message_id"] == said["message_id"]
    assert "#A-0001" in card["text"] and "3号楼2单元" in card["text"]
    assert "刘师傅" in card["text"] and "照明" in card["text"]
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    buttons = [b["text"] for row in private["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["接单", "进度", "转派", "完成", "不属于我们"]


async def test_mentioning_a_staff_member_reads_as_a_report_for_them(world: World) -> None:
    said = await world.say(PLUMBER, PLUMBER, "/start")  # the bot learns @zhang9003
    await world.bot_says(PLUMBER, "张师傅", after=said)
    said = await world.say(
        world.resident("3"), world.group("3"), "@zhang9003 我家厨房天花板在滴水"
    )
    card = await card_of(world, world.group("3"), said)
    assert "张师傅" in card["text"] and "漏水" in card["text"]
    await world.bot_says(PLUMBER, "新工单")
    assert await world.bot_messages(9008) == []  # the other plumber is not bothered


async def test_picking_a_staff_member_by_name_reads_as_a_report_for_them(world: World) -> None:
    """A resident picks 张师傅 from the member list (a text_mention: no @username typed); he
    never wrote to the bot, so only his Telegram id in the entity can find him."""
    said = await world.say(
        world.resident("3"), world.group("3"), "张师傅 我家厨房天花板在滴水", mentions=[PLUMBER]
    )
    card = await card_of(world, world.group("3"), said)
    assert "张师傅" in card["text"] and "漏水" in card["text"]
    await world.bot_says(PLUMBER, "新工单")
    assert await world.bot_messages(9008) == []


async def test_a_username_from_the_community_file_finds_staff_who_never_wrote(
    world: World,
) -> None:
    """The demo community file lists `username: zhang9003`: an @ to him is understood before
    he ever wrote (the bot has not seen him write), in any letter case."""
    said = await world.say(
        world.resident("3"), world.group("3"), "@Zhang9003 我家厨房天花板在滴水"
    )
    card = await card_of(world, world.group("3"), said)
    assert "张师傅" in card["text"] and "漏水" in card["text"]
    await world.bot_says(PLUMBER, "新工单")


async def test_chit_chat_mentioning_staff_gets_nothing(world: World) -> None:
    said = await world.say(PLUMBER, PLUMBER, "/start")
    await world.bot_says(PLUMBER, "张师傅", after=said)
    said = await world.say(world.resident("3"), world.group("3"), "@zhang9003 谢谢张师傅，辛苦了")
    await world.settle()
    assert await world.bot_messages(world.group("3"), after=said) == []


async def test_a_reply_with_a_mention_reports_for_the_author(world: World) -> None:
    neighbour, helper = world.resident("6", 0), world.resident("6", 1)
    group = world.group("6")
    original = await world.say(neighbour, group, "楼道里好多垃圾好几天没人收了")
    await world.settle()
    offered = await world.bot_messages(group, after=original)  # not addressed: an offer at most
    assert all(m["text"] == "需要我帮您登记报修吗？" for m in offered)
    assert await ticket_count(world) == 0
    said = await world.say(helper, group, "@loudao_bot", reply_to=original["message_id"])
    card = await card_of(world, group, said)
    assert card["reply_to_message_id"] == original["message_id"]
    private = await world.bot_says(CLEANER, "#A-0001")
    assert "代报" in private["text"] and "好多垃圾" in private["text"]
    said = await world.say(neighbour, neighbour, "/my")
    mine = await world.bot_says(neighbour, "#A-0001", after=said)
    assert "环境卫生" in mine["text"]


async def test_an_emergency_gets_safety_advice_in_the_group_at_once(world: World) -> None:
    said = await world.say(
        world.resident("5"), world.group("5"), "@loudao_bot 5号楼楼道里煤气味很重"
    )
    card = await card_of(world, world.group("5"), said)
    assert "紧急" in card["text"] and "燃气" in card["text"]
    advice = await world.bot_says(world.group("5"), "962777", after=said)
    assert "119" in advice["text"] and "120" in advice["text"] and "110" in advice["text"]
    await world.bot_says(PLUMBER, "紧急")


async def test_an_emergency_is_taken_even_without_a_mention(world: World) -> None:
    said = await world.say(world.resident("8"), world.group("8"), "楼道里冒黑烟了！快来人")
    card = await card_of(world, world.group("8"), said)
    assert "紧急" in card["text"]
    await world.bot_says(world.group("8"), "119", after=said)


async def test_a_photo_with_the_report_reaches_the_assignee(world: World) -> None:
    said = await world.client.say(world.resident("3"), world.group("3"),
                                  "@loudao_bot 3号楼门禁坏了", photo=b"\xff\xd8\xff\xe0fakejpeg")  # fmt: skip
    await card_of(world, world.group("3"), said)
    private = await world.bot_says(ELECTRICIAN, "照片：1")
    photo = await world.bot_says(
        ELECTRICIAN, lambda m: bool(m.get("photo_file_id")), after=private
    )
    assert photo["reply_to_message_id"] == private["message_id"]


async def test_the_whole_life_cycle_edits_one_card(world: World) -> None:
    group, resident = world.group("3"), world.resident("3")
    said = await world.say(
        resident, group, "@loudao_bot 3号楼2单元401室 楼道灯不亮了，电话13812345678"
    )
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    assert "401室" in private["text"] and "13812345678" in private["text"]

    answer = await press(world, ELECTRICIAN, private, "接单")
    assert "已接单" in (answer["text"] or "")
    await edited(world, card, "工作人员已接单")

    await press(world, ELECTRICIAN, private, "进度")
    prompt = await world.bot_says(ELECTRICIAN, "写一句 #A-0001 的进度", after=private)
    await world.say(ELECTRICIAN, ELECTRICIAN, "已联系物业，师傅下午2点来修",
                    reply_to=prompt["message_id"])  # fmt: skip
    note = await world.bot_says(group, "已联系物业，师傅下午2点来修", after=card)
    assert note["reply_to_message_id"] == card["message_id"] and "刘师傅" in note["text"]
    await edited(world, card, "正在处理")

    # a plain reply to the private card is a progress note as well
    await world.say(ELECTRICIAN, ELECTRICIAN, "灯泡买好了", reply_to=private["message_id"])
    await world.bot_says(group, "灯泡买好了", after=note)

    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "怎么处理好的", after=private)
    await world.say(ELECTRICIAN, ELECTRICIAN, "换了新灯泡", reply_to=prompt["message_id"])
    verdict = await world.bot_says(group, "解决了吗", after=note)
    assert verdict["reply_to_message_id"] == said["message_id"] and "换了新灯泡" in verdict["text"]
    await edited(world, card, "请报事的邻居确认")

    answer = await press(world, resident, verdict, "已解决，满意")
    assert "谢谢" in (answer["text"] or "")
    await edited(world, card, "居民已确认")
    assert (await edited(world, verdict, "居民确认已解决")).get("reply_markup") is None
    bot_messages = await world.bot_messages(group, after=said)
    assert len([m for m in bot_messages if "工单" in (m.get("text") or "")]) == 1  # one card
    await assert_group_is_private(world, group)


def button_texts(message: JSON) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def test_the_private_card_follows_the_ticket_and_offers_only_what_it_allows(
    world: World,
) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 3号楼电梯坏了")
    await card_of(world, world.group("3"), said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    assert "已派给工作人员" in private["text"] and "接单" in button_texts(private)
    await press(world, ELECTRICIAN, private, "接单")
    accepted = await edited(world, private, "工作人员已接单")
    assert "接单" not in button_texts(accepted)  # no second 接单 to tap
    assert {"进度", "完成"} <= set(button_texts(accepted))
    await press(world, ELECTRICIAN, private, "进度")
    prompt = await world.bot_says(ELECTRICIAN, "写一句 #A-0001 的进度", after=private)
    await world.say(ELECTRICIAN, ELECTRICIAN, "配件已订", reply_to=prompt["message_id"])
    await edited(world, private, "正在处理")


async def test_only_the_reporter_followers_and_staff_can_give_the_verdict(world: World) -> None:
    group, resident, stranger = world.group("3"), world.resident("3", 0), world.resident("3", 1)
    said = await world.say(resident, group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "直接完成", after=private)
    await press(world, ELECTRICIAN, prompt, "直接完成")
    verdict = await world.bot_says(group, "解决了吗", after=card)
    answer = await press(world, stranger, verdict, "没解决")
    assert answer["show_alert"] and "不是给您的" in answer["text"]
    await edited(world, card, "请报事的邻居确认")  # nothing changed


async def test_staff_cannot_confirm_a_fix_and_a_follower_can_only_say_not_solved(
    world: World,
) -> None:
    group, resident, neighbour = world.group("3"), world.resident("3", 0), world.resident("3", 1)
    said = await world.say(resident, group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    await press(world, neighbour, card, "我也遇到了")  # the neighbour follows the ticket
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "直接完成", after=private)
    await press(world, ELECTRICIAN, prompt, "直接完成")
    verdict = await world.bot_says(group, "解决了吗", after=card)

    # the assignee taps 已解决，满意 on his own ticket: refused, nothing stored
    answer = await press(world, ELECTRICIAN, verdict, "已解决，满意")
    assert answer["show_alert"] and "不能替居民确认" in answer["text"]
    # a follower's 满意 is thanked, but only the reporter's answer closes the ticket
    answer = await press(world, neighbour, verdict, "已解决，满意")
    assert "报事的邻居确认" in (answer["text"] or "")
    async with world.app.uow() as tx:
        stored = await tx.tickets.by_number("A-0001")
    assert stored.status.value == "resolved" and stored.verdict is None

    # a follower's 没解决 reopens it, and is not stored as the reporter's verdict
    await press(world, neighbour, verdict, "没解决")
    await edited(world, verdict, "关注的邻居反馈没解决")
    async with world.app.uow() as tx:
        stored = await tx.tickets.by_number("A-0001")
    assert stored.status.value == "reopened" and stored.verdict is None and stored.closure is None


async def test_an_admin_closes_an_unconfirmed_ticket_as_unconfirmed_with_a_reason(
    world: World,
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await world.say(ELECTRICIAN, ELECTRICIAN, "/close A-0001 电话确认修好了")
    await world.bot_says(ELECTRICIAN, "只有管理员")  # staff may not close for the resident
    await world.say(ADMIN, ADMIN, "/close A-0001 电话确认修好了")
    await world.bot_says(ADMIN, "还没有处理完")  # still being worked on: /cancel is the way
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "直接完成", after=private)
    await press(world, ELECTRICIAN, prompt, "直接完成")
    verdict = await world.bot_says(group, "解决了吗", after=card)
    await world.say(ADMIN, ADMIN, "/close A-0001 电话联系了居民，确认灯亮了")
    await world.bot_says(ADMIN, "已按「已处理（未确认）」结单")
    await edited(world, card, "居民未确认")
    closed = await edited(world, verdict, "管理员已按")
    assert not (closed.get("reply_markup") or {}).get("inline_keyboard")
    async with world.app.uow() as tx:
        stored = await tx.tickets.by_number("A-0001")
        notes = await tx.tickets.notes(stored.id)
    assert stored.closure is not None and stored.closure.value == "unconfirmed"
    assert stored.verdict is None
    assert any("确认灯亮了" in text for _, text, _ in notes)


async def test_the_reassign_and_refer_menus_can_be_cancelled(world: World) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    for button, title in (("转派", "转给谁"), ("不属于我们", "哪里处理")):
        await press(world, ELECTRICIAN, private, button)
        menu = await world.bot_says(ELECTRICIAN, title, after=private)
        await press(world, ELECTRICIAN, menu, "✖️ 取消")
        done = await edited(world, menu, "已取消，没有改动")
        assert not (done.get("reply_markup") or {}).get("inline_keyboard")
    async with world.app.uow() as tx:
        stored = await tx.tickets.by_number("A-0001")
    assert stored.assignee_id == ELECTRICIAN and stored.status.value == "assigned"
    assert "3号楼" in (await current(world, card))["text"]


async def test_staff_reassign_and_refer(world: World) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await press(world, ELECTRICIAN, private, "转派")
    menu = await world.bot_says(ELECTRICIAN, "转给谁", after=private)
    answer = await press(world, ELECTRICIAN, menu, "李经理")
    assert "李经理" in answer["text"]
    done = await edited(world, menu, "已转给 李经理")  # the answered menu keeps no buttons
    assert not (done.get("reply_markup") or {}).get("inline_keyboard")
    await edited(world, card, "李经理")
    boss_card = await world.bot_says(SUPERVISOR, "#A-0001")
    await press(world, SUPERVISOR, boss_card, "不属于我们")
    menu = await world.bot_says(SUPERVISOR, "哪里处理", after=boss_card)
    await press(world, SUPERVISOR, menu, "12345 市民服务热线")
    await world.bot_says(group, "请联系：12345", after=card)
    await edited(world, card, "不属于物业处理范围")
    # the electrician's card no longer stands: it says so and its buttons are gone
    stale = await edited(world, private, "已转给 李经理 处理")
    assert not (stale.get("reply_markup") or {}).get("inline_keyboard")
    boss_now = await edited(world, boss_card, "目前不需要您再处理")  # referred: finished
    assert not (boss_now.get("reply_markup") or {}).get("inline_keyboard")


async def test_an_unknown_building_is_refused_politely(world: World) -> None:
    said = await world.say(world.resident("3"), -1001000, "@loudao_bot 99号楼电梯坏了")
    await world.bot_says(-1001000, "没有找到「99号楼」", after=said)
    said = await world.say(world.resident("3"), -1001000, "@loudao_bot 电梯坏了")
    await world.bot_says(-1001000, "几号楼", after=said)
    assert await ticket_count(world) == 0


async def test_html_in_the_text_is_shown_as_typed(world: World) -> None:
    text = "@loudao_bot 3号楼楼道灯<b>坏了</b> & <script>alert(1)</script>"
    said = await world.say(world.resident("3"), world.group("3"), text)
    await card_of(world, world.group("3"), said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    assert "<b>坏了</b> & <script>" in private["text"]


async def test_a_repeated_update_opens_one_ticket_with_one_card(world: World) -> None:
    world.server.set_fault(duplicate=1.0)
    said = await world.say(world.resident("5"), world.group("5"), "@loudao_bot 5栋电梯坏了")
    await card_of(world, world.group("5"), said)
    await world.settle()
    world.server.set_fault()
    assert world.server.stats["updates_duplicated"] >= 1
    assert len(await world.bot_messages(world.group("5"), after=said)) == 1
    assert len(await world.bot_messages(ELECTRICIAN)) == 1
    assert await ticket_count(world) == 1


async def test_a_question_without_an_answer_can_be_passed_to_staff(world: World) -> None:
    world.app.tickets.env.questions = None  # no knowledge base: every question is "none"
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 物业费怎么交？")
    offer = await world.bot_says(world.group("3"), "转给工作人员", after=said)
    answer = await press(world, world.resident("3"), offer, "转给工作人员")
    assert "已转给工作人员" in answer["text"]
    card = await card_of(world, world.group("3"), offer)
    assert "咨询" in card["text"] and "李经理" in card["text"]
    await edited(world, offer, "#A-0001")


async def test_staff_raise_a_misread_report_to_an_emergency_from_chat(world: World) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼2单元楼道墙上在渗水")
    card = await card_of(world, group, said)
    assert "紧急" not in card["text"]
    fix = await world.say(SUPERVISOR, SUPERVISOR, "/level A-0001 紧急")
    answer = await world.bot_says(SUPERVISOR, "已修改", after=fix)
    assert "紧急" in answer["text"] and "转派" in answer["text"]
    await edited(world, card, "紧急")
    advice = await world.bot_says(group, "119", after=card)  # the emergency advice, at once
    assert advice["reply_to_message_id"] == card["message_id"]
    refused = await world.say(world.resident("3"), world.resident("3"), "/level A-0001 日常")
    await world.bot_says(world.resident("3"), "只有工作人员", after=refused)
    unclear = await world.say(SUPERVISOR, SUPERVISOR, "/kind A-0001 修一下")
    await world.bot_says(SUPERVISOR, "看不懂「修一下」", after=unclear)

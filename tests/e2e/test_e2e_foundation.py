"""The real PTB Application against the sandbox: greeting, binding, joining, gating, dedup."""

from __future__ import annotations

import pytest

from tests.e2e.world import ADMIN, PLUMBER, World

pytestmark = pytest.mark.e2e


async def test_a_resident_mentioning_the_bot_gets_a_status_card(world: World) -> None:
    resident = world.resident("3")
    said = await world.say(resident, world.group("3"), "@loudao_bot 3号楼2单元楼道灯不亮了")
    reply = await world.bot_says(world.group("3"), "工单 #A-", after=said)
    assert reply["reply_to_message_id"] == said["message_id"]
    assert "3号楼2单元" in reply["text"]


async def test_a_repeated_update_is_handled_once(world: World) -> None:
    world.server.set_fault(
        duplicate=1.0
    )  # every confirmation "gets lost": each update comes twice
    said = await world.say(world.resident("5"), world.group("5"), "@loudao_bot 5栋电梯坏了")
    await world.bot_says(world.group("5"), "工单 #A-", after=said)
    await world.settle()
    assert world.server.stats["updates_duplicated"] >= 1
    replies = await world.bot_messages(world.group("5"), after=said)
    assert len(replies) == 1


async def test_chit_chat_without_a_mention_gets_nothing(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "大家早上好")
    await world.settle()
    assert await world.bot_messages(world.group("3"), after=said) == []


async def test_start_answers_each_role_in_private(world: World) -> None:
    resident = world.resident("3")
    said = await world.say(resident, resident, "/start")
    reply = await world.bot_says(resident, "楼道服务助手", after=said)
    assert "@loudao_bot" in reply["text"]
    said = await world.say(PLUMBER, PLUMBER, "/help")
    reply = await world.bot_says(PLUMBER, "张师傅", after=said)
    assert "工作人员" in reply["text"] and "/mine" in reply["text"]
    said = await world.say(ADMIN, ADMIN, "/start")
    reply = await world.bot_says(ADMIN, "管理员", after=said)
    assert "/bind" in reply["text"]


async def test_an_admin_binds_a_new_group_to_a_building(world: World) -> None:
    resident = world.resident("6")
    chat = await world.client.add_chat(
        "6号楼2单元群", [ADMIN, resident]
    )  # the first member adds the bot
    group = chat["id"]
    hello = await world.bot_says(group, "/bind")
    said = await world.say(resident, group, "@loudao_bot 楼道灯坏了")
    said = await world.say(resident, group, "/bind 6号楼2单元")
    refusal = await world.bot_says(group, "只有管理员", after=said)
    assert refusal["message_id"] > hello["message_id"]
    said = await world.say(ADMIN, group, "/bind 99号楼")
    unknown = await world.bot_says(group, "没有找到「99号楼」", after=said)
    assert "171" in unknown["text"]
    said = await world.say(ADMIN, group, "/bind 6号楼9单元")  # building 6 has units 1 and 2
    unknown = await world.bot_says(group, "单元没有找到", after=said)
    assert "6号楼的单元有：1、2" in unknown["text"]
    said = await world.say(ADMIN, group, "/bind 6号楼2单元")
    await world.bot_says(group, "6号楼2单元", after=said)
    said = await world.say(resident, group, "@loudao_bot 楼道灯坏了")
    ack = await world.bot_says(group, "工单 #A-", after=said)
    assert "6号楼" in ack["text"]


async def test_a_group_added_by_a_stranger_is_left_silently(world: World) -> None:
    resident = world.resident("8")
    chat = await world.client.add_chat("闲聊群", [resident])
    await world.settle()
    state = await world.client.state()
    group = next(c for c in state["chats"] if c["id"] == chat["id"])
    assert world.server.state.bot.id not in group["members"]
    assert await world.bot_messages(chat["id"]) == []


async def test_staff_claim_their_account_with_a_join_code(world: World) -> None:
    wu = 9900 + 8  # 吴阿姨 has no Telegram id in the registry yet: the sandbox gave her one
    said = await world.say(wu, world.group("3"), "/join WU-3-2026")
    await world.bot_says(world.group("3"), "请私聊", after=said)
    said = await world.say(wu, wu, "/join WRONG-CODE")
    await world.bot_says(wu, "邀请码不对", after=said)
    said = await world.say(wu, wu, "/join WU-3-2026")
    welcome = await world.bot_says(wu, "认领成功", after=said)
    assert "楼组长" in welcome["text"]


async def test_an_oversized_message_gets_a_polite_answer(world: World) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot " + "漏水" * 2500)
    reply = await world.bot_says(world.group("3"), "您的消息较长", after=said)  # kept, not lost
    assert "前 2000 字" in reply["text"] and "#A-0001" in reply["text"]


async def test_removing_the_bot_tells_the_admin(world: World) -> None:
    await world.client.set_member(
        world.group("65"), world.server.state.bot.id, add=False, by_user_id=ADMIN
    )
    note = await world.bot_says(ADMIN, "移出群")
    assert "65号楼" in note["text"]


async def test_an_english_speaking_user_is_answered_in_english(world: World) -> None:
    world.server.add_user(id=555, name="Tom", username="tom555", language_code="en")
    said = await world.say(555, 555, "/help")
    reply = await world.bot_says(555, "building service assistant", after=said)
    assert "Mention me" in reply["text"]


async def test_start_up_survives_a_failing_set_my_commands(world: World) -> None:
    from handlers.setup import announce_commands

    world.server.set_fault(error_5xx=1.0)
    try:
        await announce_commands(world.app.application)  # logs a warning, raises nothing
    finally:
        world.server.set_fault()
    said = await world.say(PLUMBER, PLUMBER, "/start")
    await world.bot_says(PLUMBER, "张师傅", after=said)

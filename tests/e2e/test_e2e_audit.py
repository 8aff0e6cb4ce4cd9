"""/audit end to end: an admin reads who did what when to a ticket; nobody else can."""

from __future__ import annotations

import pytest

from bot.domain.clock import FakeClock
from tests.e2e.test_e2e_tickets import PRIVATE, card_of, press
from tests.e2e.world import ADMIN, ELECTRICIAN, World

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> FakeClock:
    """Tuesday 10:00 in Shanghai: staff are on duty, so the roster routes to 刘师傅."""
    return FakeClock()


async def a_handled_ticket(world: World) -> None:
    """A resident reports a broken light; 刘师傅 accepts it and marks it done."""
    group, resident = world.group("3"), world.resident("3")
    said = await world.say(
        resident, group, "@loudao_bot 3号楼2单元401室 楼道灯不亮了，电话13812345678"
    )
    await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await press(world, ELECTRICIAN, private, "接单")
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "直接完成", after=private)
    await press(world, ELECTRICIAN, prompt, "直接完成")
    await world.bot_says(group, "解决了吗", after=said)


async def test_an_admin_reads_the_history_of_a_ticket_in_order(world: World) -> None:
    await a_handled_ticket(world)
    said = await world.say(ADMIN, ADMIN, "/audit A-0001")
    history = await world.bot_says(ADMIN, "处理记录", after=said)
    lines = history["text"].splitlines()
    assert lines[0] == "工单 #A-0001 的处理记录（共 4 条）："
    # 10:00 in Shanghai (the fake clock), oldest first, staff by name, the reporter as 居民
    assert lines[1:] == [
        "12月1日 10:00 居民 报修登记（照明灯具，2级）",
        "12月1日 10:00 系统 派单",
        "12月1日 10:00 刘师傅 接单",
        "12月1日 10:00 刘师傅 处理完成",
    ]
    assert not PRIVATE.search(history["text"])  # no room, phone or resident's name


async def test_anyone_but_an_admin_is_refused_and_nothing_changes(world: World) -> None:
    await a_handled_ticket(world)
    resident = world.resident("3")
    said = await world.say(resident, resident, "/audit A-0001")
    await world.bot_says(resident, "只有本小区的管理员可以查看", after=said)
    said = await world.say(ELECTRICIAN, ELECTRICIAN, "/audit A-0001")
    await world.bot_says(ELECTRICIAN, "只有本小区的管理员可以查看", after=said)
    said = await world.say(ADMIN, world.group("3"), "/audit A-0001")
    await world.bot_says(world.group("3"), "只在私聊里查看", after=said)
    said = await world.say(ADMIN, ADMIN, "/audit A-0099")
    await world.bot_says(ADMIN, "没有找到工单 A-0099", after=said)
    said = await world.say(ADMIN, ADMIN, "/audit")
    await world.bot_says(ADMIN, "/audit A-0042", after=said)
    said = await world.say(ADMIN, ADMIN, "/audit A-0001")  # still the same four steps
    history = await world.bot_says(ADMIN, "处理记录", after=said)
    assert "共 4 条" in history["text"]

"""After intake: the verdict and its 48-hour auto-close (fake clock), "me too" followers,
merge/unmerge, /mine /ticket /my, and the /report flow with big buttons."""

from __future__ import annotations

import pytest

from bot.domain.clock import FakeClock
from bot.domain.tickets import Closure, Status
from tests.e2e.test_e2e_tickets import assert_group_is_private, card_of, edited, press
from tests.e2e.world import ADMIN, ELECTRICIAN, JSON, SUPERVISOR, World

pytestmark = pytest.mark.e2e
CLEANER = 9005


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def resolve(world: World, staff: int, number: str, after: JSON | int = 0) -> JSON:
    """The assignee presses 完成 then 直接完成 on the private card of ticket `number`."""
    private = await world.bot_says(staff, number, after=after)
    await press(world, staff, private, "完成")
    prompt = await world.bot_says(staff, "直接完成", after=private)
    await press(world, staff, prompt, "直接完成")
    return private


async def ticket(world: World, number: str):  # type: ignore[no-untyped-def]
    async with world.app.uow() as tx:
        return await tx.tickets.by_number(number)


async def test_no_verdict_within_48_hours_closes_as_unconfirmed(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    await resolve(world, ELECTRICIAN, "#A-0001")
    verdict = await world.bot_says(group, "解决了吗", after=card)
    clock.advance(hours=47)
    await world.app.tick()
    await world.settle()
    assert (await ticket(world, "A-0001")).status is Status.RESOLVED
    clock.advance(hours=2)
    await world.app.tick()
    await world.settle()
    await edited(world, card, "已处理（居民未确认）")
    closed = await edited(world, verdict, "48 小时内没有收到确认")
    assert closed.get("reply_markup") is None
    stored = await ticket(world, "A-0001")
    assert stored.status is Status.CLOSED and stored.closure is Closure.UNCONFIRMED
    await world.app.tick()  # a second tick finds nothing more to do
    await world.settle()
    assert len(await world.bot_messages(group, after=verdict)) == 0


async def test_not_solved_reopens_and_tells_the_assignee_and_supervisor(
    world: World, clock: FakeClock
) -> None:
    group, resident = world.group("3"), world.resident("3")
    said = await world.say(resident, group, "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, group, said)
    private = await resolve(world, ELECTRICIAN, "#A-0001")
    verdict = await world.bot_says(group, "解决了吗", after=card)
    await press(world, resident, verdict, "没解决")
    await edited(world, card, "重新处理中")
    await edited(world, verdict, "已重新转给 刘师傅")
    again = await world.bot_says(ELECTRICIAN, "没解决", after=private)
    assert "#A-0001" in again["text"]
    await world.bot_says(SUPERVISOR, "没解决")
    await press(world, ELECTRICIAN, again, "接单")
    await edited(world, card, "工作人员已接单")
    clock.advance(hours=72)
    await world.app.tick()
    assert (await ticket(world, "A-0001")).status is Status.ACCEPTED  # no auto-close now


async def test_the_same_problem_again_makes_a_follower_and_the_reporter_confirms(
    world: World, clock: FakeClock
) -> None:
    group = world.group("6")
    first, second, third = (world.resident("6", i) for i in range(3))
    said = await world.say(first, group, "@loudao_bot 6号楼楼道好脏，垃圾没人收")
    card = await card_of(world, group, said)
    said2 = await world.say(second, group, "@loudao_bot 6号楼楼道也很脏啊，垃圾堆着")
    answer = await world.bot_says(group, "已经登记过了", after=said2)
    assert "#A-0001" in answer["text"] and answer["reply_to_message_id"] == said2["message_id"]
    said3 = await world.say(third, group, "我家这边也是", reply_to=card["message_id"])
    await world.bot_says(group, "关注人", after=said3)
    assert (await ticket(world, "A-0002")) is None
    assert set((await ticket(world, "A-0001")).followers) == {second, third}
    await resolve(world, CLEANER, "#A-0001")
    verdict = await world.bot_says(group, "解决了吗", after=card)
    answer = await press(world, third, verdict, "基本满意")  # a follower: thanked, not closed
    assert "报事的邻居确认" in answer["text"]
    assert (await ticket(world, "A-0001")).verdict is None
    await press(world, first, verdict, "基本满意")
    await edited(world, card, "居民已确认")
    await assert_group_is_private(world, group)


async def test_me_too_button_on_the_card(world: World, clock: FakeClock) -> None:
    group = world.group("8")
    said = await world.say(world.resident("8", 0), group, "@loudao_bot 8号楼单元门禁坏了")
    card = await card_of(world, group, said)
    answer = await press(world, world.resident("8", 1), card, "我也遇到了")
    assert "关注人" in answer["text"]
    answer = await press(world, world.resident("8", 1), card, "我也遇到了")
    assert "已经在关注" in answer["text"]


async def test_staff_merge_and_unmerge(world: World, clock: FakeClock) -> None:
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 3号楼电梯坏了")
    await card_of(world, world.group("3"), said)
    said = await world.say(world.resident("5"), world.group("5"), "@loudao_bot 5号楼电梯不动了")
    second = await card_of(world, world.group("5"), said)
    said = await world.say(world.resident("5"), world.resident("5"), "/merge A-0002 A-0001")
    await world.bot_says(world.resident("5"), "只有工作人员", after=said)
    said = await world.say(SUPERVISOR, SUPERVISOR, "/merge A-0002 A-0001")
    await world.bot_says(SUPERVISOR, "已合并到 #A-0001", after=said)
    await edited(world, second, "已合并到 #A-0001")
    assert world.resident("5") in (await ticket(world, "A-0001")).followers
    said = await world.say(SUPERVISOR, SUPERVISOR, "/unmerge A-0002")
    await world.bot_says(SUPERVISOR, "已取消合并", after=said)
    await edited(world, second, "已派给工作人员")
    assert world.resident("5") not in (await ticket(world, "A-0001")).followers


async def test_cancel_by_the_reporter(world: World, clock: FakeClock) -> None:
    resident = world.resident("3")
    said = await world.say(resident, world.group("3"), "@loudao_bot 3号楼楼道灯坏了")
    card = await card_of(world, world.group("3"), said)
    said = await world.say(world.resident("3", 1), world.resident("3", 1), "/cancel A-0001 不用了")
    await world.bot_says(world.resident("3", 1), "没有找到", after=said)
    said = await world.say(resident, resident, "/cancel A-0001 已经自己修好了")
    await world.bot_says(resident, "已撤销", after=said)
    await edited(world, card, "已撤销")
    await world.bot_says(world.group("3"), "已经自己修好了", after=card)


async def test_mine_ticket_and_my(world: World, clock: FakeClock) -> None:
    resident, other = world.resident("3", 0), world.resident("3", 1)
    said = await world.say(resident, world.group("3"), "@loudao_bot 3号楼2单元401室门口灯坏了")
    await card_of(world, world.group("3"), said)
    said = await world.say(ELECTRICIAN, ELECTRICIAN, "/mine")
    mine = await world.bot_says(ELECTRICIAN, "您手上的工单", after=said)
    assert "#A-0001" in mine["text"]
    said = await world.say(ELECTRICIAN, ELECTRICIAN, "/ticket A-0001")
    detail = await world.bot_says(ELECTRICIAN, "401室", after=said)
    assert "门口灯坏了" in detail["text"]
    said = await world.say(resident, resident, "/ticket #A-1")
    own = await world.bot_says(resident, "#A-0001", after=said)
    assert "门口灯坏了" in own["text"]
    said = await world.say(other, other, "/ticket A-0001")
    await world.bot_says(other, "没有找到", after=said)
    said = await world.say(other, world.group("3"), "/ticket A-0001")
    public = await world.bot_says(world.group("3"), "状态", after=said)
    assert "401" not in public["text"] and "门口灯" not in public["text"]
    said = await world.say(resident, world.group("3"), "/my")
    await world.bot_says(world.group("3"), "私聊", after=said)
    said = await world.say(resident, resident, "/my")
    await world.bot_says(resident, "#A-0001", after=said)
    said = await world.say(ADMIN, ADMIN, "/mine")
    await world.bot_says(ADMIN, "暂时没有工单", after=said)


async def test_report_step_by_step_with_big_buttons(world: World, clock: FakeClock) -> None:
    group, resident = world.group("3"), world.resident("3")
    said = await world.say(resident, group, "/report")
    screen = await world.bot_says(group, "第2步", after=said)  # one-building group: no step 1
    await press(world, resident, screen, "照明灯具")
    await edited(world, screen, "第3步")
    text = await world.say(resident, group, "2单元三楼的灯一闪一闪的")
    photo_step = await world.bot_says(group, "第4步", after=text)
    await press(world, resident, photo_step, "不用照片")
    confirm = await edited(world, photo_step, "请确认")
    assert "一闪一闪" in confirm["text"]
    answer = await press(world, resident, confirm, "确认提交")
    assert "#A-0001" in answer["text"]
    card = await card_of(world, group, text)
    assert card["reply_to_message_id"] == text["message_id"] and "照明" in card["text"]
    await world.bot_says(ELECTRICIAN, "一闪一闪")


async def test_report_in_private_starts_with_the_building_and_can_be_cancelled(
    world: World, clock: FakeClock
) -> None:
    resident = world.resident("5")
    said = await world.say(resident, resident, "/report")
    screen = await world.bot_says(resident, "第1步", after=said)
    await press(world, resident, screen, "5号楼")
    await edited(world, screen, "第2步")
    await press(world, resident, screen, "取消")
    await edited(world, screen, "已取消")
    said = await world.say(resident, resident, "谢谢")
    await world.settle()
    assert (await ticket(world, "A-0001")) is None

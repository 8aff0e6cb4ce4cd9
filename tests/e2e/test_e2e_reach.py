"""Nobody unreachable: a staff member Telegram refuses to reach in private (never pressed Start,
or blocked the bot) is never left holding a ticket. The ticket moves on at once, the group card
names who really has it, the admins are told once – with the link to send – and the person is
skipped until they write to the bot."""

from __future__ import annotations

import pytest

from bot.domain.clock import FakeClock
from tests.e2e.test_e2e_tickets import card_of, edited
from tests.e2e.world import ADMIN, ELECTRICIAN, JSON, SUPERVISOR, World

pytestmark = pytest.mark.e2e
LIGHT = "@loudao_bot 3号楼2单元楼道灯不亮了"
LIGHT_AGAIN = "@loudao_bot 3号楼1单元楼道灯也坏了"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Tuesday 10:00 in Shanghai: the day electrician 刘师傅 is on duty


async def admin_notes(world: World) -> list[JSON]:
    return [m for m in await world.bot_messages(ADMIN) if "没法私信" in (m.get("text") or "")]


async def started(world: World, person: int) -> None:
    """The person presses Start in a private chat with the bot (and gets its welcome)."""
    said = await world.say(person, person, "/start")
    await world.bot_says(person, lambda m: True, after=said)
    await world.settle()


async def holder(world: World, number: str) -> int | None:
    async with world.app.uow() as tx:
        ticket = await tx.tickets.by_number(number)
        assert ticket is not None
        return ticket.assignee_id


async def test_a_card_nobody_can_receive_moves_to_the_next_person_at_once(world: World) -> None:
    world.server.close_private(ELECTRICIAN)  # 刘师傅 never pressed Start
    group = world.group("3")
    said = await world.say(world.resident("3"), group, LIGHT)
    card = await card_of(world, group, said)
    await world.settle()
    assert await holder(world, "A-0001") == SUPERVISOR
    card = await edited(world, card, "李经理")
    assert "刘师傅" not in card["text"]
    private = await world.bot_says(SUPERVISOR, "#A-0001")
    assert "接单" in str(private["reply_markup"])
    [note] = await admin_notes(world)
    assert "刘师傅" in note["text"] and "https://t.me/loudao_bot?start=" in note["text"]

    # the next report skips him from the start, and the admins are not told again
    said = await world.say(world.resident("3"), group, LIGHT_AGAIN)
    card = await card_of(world, group, said)
    await world.settle()
    assert await holder(world, "A-0002") == SUPERVISOR and "刘师傅" not in card["text"]
    assert len(await admin_notes(world)) == 1


async def test_once_the_person_writes_to_the_bot_they_are_routed_to_again(world: World) -> None:
    world.server.close_private(ELECTRICIAN, blocked=True)
    group = world.group("3")
    await card_of(world, group, await world.say(world.resident("3"), group, LIGHT))
    await world.settle()
    assert await holder(world, "A-0001") == SUPERVISOR
    await started(world, ELECTRICIAN)  # he unblocks the bot and writes to it
    said = await world.say(world.resident("3"), group, LIGHT_AGAIN)
    card = await card_of(world, group, said)
    assert "刘师傅" in card["text"]
    assert await holder(world, "A-0002") == ELECTRICIAN
    assert await world.bot_says(ELECTRICIAN, "#A-0002")


async def test_when_nobody_can_be_reached_the_card_names_nobody_until_someone_starts(
    world: World,
) -> None:
    for person in (ELECTRICIAN, SUPERVISOR, ADMIN):
        world.server.close_private(person)
    group = world.group("3")
    said = await world.say(world.resident("3"), group, LIGHT)
    card = await card_of(world, group, said)
    await world.settle()
    await world.settle()
    card = await edited(world, card, "正在安排")
    assert "刘师傅" not in card["text"] and "李经理" not in card["text"]
    assert await holder(world, "A-0001") is None

    await started(world, SUPERVISOR)  # the supervisor starts the private chat
    assert await holder(world, "A-0001") == SUPERVISOR
    await edited(world, card, "李经理")
    assert await world.bot_says(SUPERVISOR, "#A-0001")

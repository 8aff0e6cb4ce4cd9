"""A resident answers the bot about a ticket – by replying to its card or to another message the
bot wrote about it – and is heard: the words become a note on the ticket, go to whoever handles
it in private (photos too), and the resident is told so in one line. Chatty replies are
gathered, a new problem in a reply opens its own ticket, and nothing private reaches the group.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain.clock import FakeClock
from storage.models import AuditEvent
from storage.models_tickets import TicketNote, TicketRow
from tests.e2e.test_e2e_tickets import assert_group_is_private, card_of, press
from tests.e2e.world import ELECTRICIAN, JSON, World

pytestmark = pytest.mark.e2e

PHOTO = b"\xff\xd8\xff\xe0fakejpeg-reply"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Tuesday 10:00 in Shanghai: 刘师傅 is on duty


async def door_ticket(world: World) -> tuple[int, JSON, JSON]:
    """A resident of building 3 reports the door; returns (resident, card, private card)."""
    resident = world.resident("3")
    said = await world.say(resident, world.group("3"), "@loudao_bot 3号楼2单元门禁坏了")
    card = await card_of(world, world.group("3"), said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    return resident, card, private


async def notes(world: World) -> list[tuple[str, str]]:
    async with world.app.uow() as tx:
        rows = await tx.session.execute(select(TicketNote.kind, TicketNote.text))
        return [(r[0], r[1]) for r in rows]


async def test_a_reply_to_the_card_is_passed_to_the_assignee_and_acknowledged(
    world: World,
) -> None:
    resident, card, private = await door_ticket(world)
    group = world.group("3")
    said = await world.say(
        resident, group, "师傅什么时候来修啊，门禁还是刷不开", reply_to=card["message_id"]
    )
    ack = await world.bot_says(group, "已转告刘师傅", after=said)
    assert ack["reply_to_message_id"] == said["message_id"]
    assert len(ack["text"]) < 40  # one short line
    passed = await world.bot_says(ELECTRICIAN, "门禁还是刷不开", after=private)
    assert "#A-0001" in passed["text"] and "报事的居民" in passed["text"]
    assert await notes(world) == [("resident", "师傅什么时候来修啊，门禁还是刷不开")]
    async with world.app.uow() as tx:
        actions = list(await tx.session.scalars(select(AuditEvent.action)))
    assert "ticket.resident_note" in actions

    # the assignee answers by replying to what was passed on: a progress note for the group
    await world.say(ELECTRICIAN, ELECTRICIAN, "下午两点到", reply_to=passed["message_id"])
    note = await world.bot_says(group, "下午两点到", after=ack)
    assert note["reply_to_message_id"] == card["message_id"]

    # and a reply to that progress note (another message about the ticket) is heard as well
    said = await world.say(resident, group, "好的，谢谢", reply_to=note["message_id"])
    await world.bot_says(group, "刘师傅", after=said)
    await world.bot_says(ELECTRICIAN, "好的，谢谢", after=passed)


async def test_a_photo_in_reply_to_the_card_reaches_the_assignee(world: World) -> None:
    resident, card, private = await door_ticket(world)
    group = world.group("3")
    said = await world.client.say(
        resident, group, "读卡器这里亮红灯", reply_to=card["message_id"], photo=PHOTO
    )
    await world.bot_says(group, "刘师傅", after=said)
    passed = await world.bot_says(ELECTRICIAN, "读卡器这里亮红灯", after=private)
    photo = await world.bot_says(ELECTRICIAN, lambda m: bool(m.get("photo_file_id")), after=passed)
    assert photo["reply_to_message_id"] == passed["message_id"]
    async with world.app.uow() as tx:
        ticket = await tx.tickets.by_number("A-0001")
    assert ticket is not None and len(ticket.photos) == 1


async def test_chatty_replies_are_gathered_into_one_message_to_the_assignee(
    world: World, clock: FakeClock
) -> None:
    resident, card, private = await door_ticket(world)
    group = world.group("3")
    await world.say(resident, group, "门禁还是不行", reply_to=card["message_id"])
    await world.bot_says(ELECTRICIAN, "门禁还是不行", after=private)
    for text in ("我在楼下等着", "快点来啊"):
        said = await world.say(resident, group, text, reply_to=card["message_id"])
        await world.bot_says(group, "刘师傅", after=said)  # each is still acknowledged
    await world.settle()
    to_assignee = await world.bot_messages(ELECTRICIAN, after=private)
    assert [m for m in to_assignee if "我在楼下等着" in (m.get("text") or "")] == []
    clock.advance(timedelta(minutes=11))
    await world.app.tick()
    await world.settle()
    gathered = await world.bot_says(ELECTRICIAN, "我在楼下等着", after=private)
    assert "快点来啊" in gathered["text"]
    await world.app.tick()  # once only
    await world.settle()
    later = await world.bot_messages(ELECTRICIAN, after=private)
    assert len([m for m in later if "快点来啊" in (m.get("text") or "")]) == 1
    assert len(await notes(world)) == 3


async def test_a_new_problem_in_a_reply_opens_its_own_ticket(world: World) -> None:
    resident, card, _ = await door_ticket(world)
    group = world.group("3")
    said = await world.say(resident, group, "另外3楼的灯也坏了", reply_to=card["message_id"])
    new_card = await card_of(world, group, said)
    assert "#A-0002" in new_card["text"] and "照明" in new_card["text"]
    assert "3号楼" in new_card["text"]
    assert await notes(world) == []  # not a note on the door ticket


async def test_phone_numbers_in_a_reply_go_to_the_assignee_only(world: World) -> None:
    resident, card, private = await door_ticket(world)
    group = world.group("3")
    said = await world.say(
        resident, group, "到了给我打电话13812345678", reply_to=card["message_id"]
    )
    await world.bot_says(group, "刘师傅", after=said)
    passed = await world.bot_says(ELECTRICIAN, "13812345678", after=private)
    assert "#A-0001" in passed["text"]
    await assert_group_is_private(world, group)
    async with world.app.uow() as tx:
        phone = await tx.session.scalar(select(TicketRow.phone))
    assert phone == "13812345678"  # the ticket had none: now staff can call


async def test_a_reply_to_a_finished_ticket_says_how_to_report_again(world: World) -> None:
    resident, card, private = await door_ticket(world)
    group = world.group("3")
    await press(world, ELECTRICIAN, private, "不属于我们")
    menu = await world.bot_says(ELECTRICIAN, "应该由哪里处理", after=private)
    await press(world, ELECTRICIAN, menu, menu["reply_markup"]["inline_keyboard"][0][0]["text"])
    await world.settle()
    said = await world.say(resident, group, "那到底谁来管啊", reply_to=card["message_id"])
    answer = await world.bot_says(group, "#A-0001", after=said)
    assert "已经" in answer["text"]

"""Outage-aware intake: while an outage notice covers a group, "没水了" there gets the notice's
answer (what, until when, whom to call) and a one-tap 「恢复后还不行就告诉我」, not a ticket;
after the announced end – or after "restored" – a report of it opens a ticket linked to the
outage, shown to staff. Emergencies are never swallowed by an outage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain.clock import FakeClock
from storage.models_tickets import TicketRow
from tests.e2e.test_e2e_notices import tick
from tests.e2e.test_e2e_tickets import card_of, current, ticket_count
from tests.e2e.world import PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai


async def water_cut(world: World) -> None:
    said = await world.say(
        SUPERVISOR, SUPERVISOR, "/outage 停水 65号楼 今天10:00-12:00 主管道维修"
    )
    await world.bot_says(SUPERVISOR, "已把通知发到 1 个群", after=said)
    await world.settle()


async def linked_outage(world: World) -> tuple[int | None, str | None]:
    async with world.app.uow() as tx:
        row = (await tx.session.execute(select(TicketRow.outage_id, TicketRow.outage_note))).one()
    return row[0], row[1]


async def test_during_a_water_cut_a_report_gets_the_notice_and_a_reminder_offer(
    world: World, clock: FakeClock
) -> None:
    await water_cut(world)
    group, resident = world.group("65"), world.resident("65")
    said = await world.say(resident, group, "怎么没水了？")  # nobody addressed
    answer = await world.bot_says(group, "停水", after=said)
    assert answer["reply_to_message_id"] == said["message_id"]
    assert (
        "12:00" in answer["text"]
        and "物业服务中心 0571-88886666" in answer["text"]
        and "962424" in answer["text"]
    )
    await world.settle()
    assert await ticket_count(world) == 0  # not a ticket with deadlines

    toast = await world.client.press(resident, answer, "恢复后还不行就告诉我")
    assert "12:00" in (toast["text"] or "")
    await world.settle()
    assert (await current(world, answer)).get("reply_markup") is None  # tapped once

    clock.set(datetime(2026, 12, 1, 3, 59, tzinfo=UTC))  # 11:59: not yet
    await tick(world)
    assert await world.bot_messages(group, after=answer) == []
    clock.set(datetime(2026, 12, 1, 4, 1, tzinfo=UTC))  # 12:01
    await tick(world)
    reminder = await world.bot_says(group, "还是不行吗", after=answer)
    assert reminder["reply_to_message_id"] == said["message_id"]
    await world.client.press(resident, reminder, "还是不行，帮我报修")
    card = await card_of(world, group, answer)
    assert "供水" in card["text"] and "65号楼" in card["text"]
    private = await world.bot_says(PLUMBER, "#A-0001")
    assert "停水" in private["text"]
    notice_id, note = await linked_outage(world)
    assert notice_id is not None and note is not None and "12:00" in note


async def test_a_report_in_a_group_the_outage_does_not_cover_opens_a_ticket(
    world: World,
) -> None:
    await water_cut(world)
    said = await world.say(world.resident("5"), world.group("5"), "@loudao_bot 5号楼没水了")
    await card_of(world, world.group("5"), said)
    assert await linked_outage(world) == (None, None)


async def test_still_no_water_after_the_restore_notice_opens_a_linked_ticket(
    world: World, clock: FakeClock
) -> None:
    await water_cut(world)
    clock.set(datetime(2026, 12, 1, 3, 30, tzinfo=UTC))  # 11:30: repaired early
    said = await world.say(SUPERVISOR, SUPERVISOR, "/outage done")
    await world.bot_says(SUPERVISOR, "停水已经结束", after=said)
    await world.settle()
    group = world.group("65")
    restored = await world.bot_says(group, "已经恢复")
    assert "请直接在群里说一声" in restored["text"]
    said = await world.say(world.resident("65"), group, "还是没有水啊")  # as the notice invited
    card = await card_of(world, group, said)
    assert "供水" in card["text"]
    private = await world.bot_says(PLUMBER, "#A-0001")
    assert "停水" in private["text"]
    notice_id, _ = await linked_outage(world)
    assert notice_id is not None


async def test_after_the_announced_end_a_report_opens_a_ticket_linked_to_the_outage(
    world: World, clock: FakeClock
) -> None:
    await water_cut(world)
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))  # 13:00, nobody said "restored"
    said = await world.say(world.resident("65"), world.group("65"), "@loudao_bot 还是没水")
    await card_of(world, world.group("65"), said)
    notice_id, _ = await linked_outage(world)
    assert notice_id is not None


async def test_an_emergency_during_an_outage_is_still_an_emergency(world: World) -> None:
    said = await world.say(SUPERVISOR, SUPERVISOR, "/outage 停气 65号楼 今天10:00-12:00 管道检修")
    await world.bot_says(SUPERVISOR, "已把通知发到 1 个群", after=said)
    said = await world.say(world.resident("65"), world.group("65"), "没气了，楼道里煤气味很重")
    card = await card_of(world, world.group("65"), said)
    assert "紧急" in card["text"]

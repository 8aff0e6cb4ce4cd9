"""One resident sending report after report: a few tickets, the rest heard on the latest one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.domain.clock import FakeClock
from tests.e2e.world import SUPERVISOR, World

pytestmark = pytest.mark.e2e

REPORTS = [
    "@loudao_bot 3号楼2单元楼道灯不亮了",
    "@loudao_bot 3号楼门禁刷不开",
    "@loudao_bot 3号楼楼下垃圾没人收",
    "@loudao_bot 3号楼电梯按钮坏了",
    "@loudao_bot 3号楼草坪的树枝断了挡路",
    "@loudao_bot 3号楼车库有车乱停",
    "@loudao_bot 3号楼健身器材坏了一个",
    "@loudao_bot 3号楼的信箱门掉了",
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Tuesday 10:00 in Shanghai: staff on duty


async def eventually(world: World, ready: Callable[[], Awaitable[bool]]) -> None:
    """Settle until `ready` holds: messages just sent may not have been fetched yet."""
    for _ in range(200):
        await world.settle()
        if await ready():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not get there in 10 s")


async def tickets_of(world: World, reporter: int) -> list[tuple[str, int]]:
    from sqlalchemy import select

    from storage.models_tickets import TicketRow

    async with world.app.uow() as tx:
        rows = await tx.session.execute(
            select(TicketRow.number, TicketRow.level)
            .where(TicketRow.reporter_id == reporter)
            .order_by(TicketRow.id)
        )
        return [(n, level) for n, level in rows.all()]


async def resident_notes(world: World) -> list[str]:
    from sqlalchemy import select

    from storage.models_tickets import TicketNote

    async with world.app.uow() as tx:
        rows = await tx.session.scalars(
            select(TicketNote.text).where(TicketNote.kind == "resident").order_by(TicketNote.id)
        )
        return list(rows)


async def has_notes(world: World, count: int) -> bool:
    return len(await resident_notes(world)) >= count


async def has_tickets(world: World, reporter: int, count: int) -> bool:
    return len(await tickets_of(world, reporter)) >= count


async def test_a_flood_of_reports_opens_five_tickets_and_keeps_the_rest_as_notes(
    world: World,
) -> None:
    resident, group = world.resident("3"), world.group("3")
    first = await world.say(resident, group, REPORTS[0])
    for text in REPORTS[1:]:
        await world.say(resident, group, text)
    await eventually(world, lambda: has_notes(world, 3))
    tickets = await tickets_of(world, resident)
    assert [n for n, _ in tickets] == [f"A-000{i}" for i in range(1, 6)]
    assert await resident_notes(world) == [
        "3号楼车库有车乱停",
        "3号楼健身器材坏了一个",
        "3号楼的信箱门掉了",
    ]
    told = [
        m for m in await world.bot_messages(group, first) if "分钟内已经登记了 5 件事" in m["text"]
    ]
    assert len(told) == 1 and "#A-0005" in told[0]["text"]  # one notice, not one per message
    supervisor_cards = [m for m in await world.bot_messages(SUPERVISOR) if "#A-00" in m["text"]]
    assert len(supervisor_cards) <= 5


async def test_an_emergency_after_a_flood_still_opens_a_ticket_at_once(world: World) -> None:
    resident, group = world.resident("3"), world.group("3")
    for text in REPORTS[:6]:
        await world.say(resident, group, text)
    await world.say(resident, group, "着火了！3号楼2单元楼道里冒烟了")
    await eventually(world, lambda: has_tickets(world, resident, 6))
    tickets = await tickets_of(world, resident)
    assert len(tickets) == 6 and tickets[-1][1] == 1


async def test_the_window_passes_and_reports_open_tickets_again(
    world: World, clock: FakeClock
) -> None:
    resident, group = world.resident("3"), world.group("3")
    for text in REPORTS[:6]:
        await world.say(resident, group, text)
    await eventually(world, lambda: has_notes(world, 1))
    clock.advance(minutes=11)
    await world.say(resident, group, REPORTS[6])
    await eventually(world, lambda: has_tickets(world, resident, 6))
    assert await resident_notes(world) == ["3号楼车库有车乱停"]

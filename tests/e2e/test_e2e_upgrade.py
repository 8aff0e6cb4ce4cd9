"""A building group that Telegram upgrades to a supergroup keeps working, end to end.

The supergroup is a new chat with a new id. The bot learns it from the two service messages
(`migrate_from_chat_id`, `migrate_to_chat_id`) or from the 400 a send to the old id gets
(ChatMigrated), whichever comes first; it follows the group there with its binding, its tickets
and whatever was still queued, and never leaves it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain.clock import FakeClock
from storage.models import AuditEvent, Chat
from storage.models_tickets import TicketRow
from tests.e2e.world import ADMIN, ELECTRICIAN, JSON, World

pytestmark = pytest.mark.e2e
OLD_GROUP = -4003  # a basic group: no -100 prefix


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai


async def bound_basic_group(world: World) -> int:
    """An admin adds the bot to a basic group of building 3 and binds it."""
    residents = [world.resident("3", i) for i in range(3)]
    await world.client.add_chat(
        "3号楼老邻居群",
        [ADMIN, *residents, ELECTRICIAN],
        id=OLD_GROUP,
        type="group",
        admins=[ADMIN],
        bot_admin=True,
    )
    await world.bot_says(OLD_GROUP, "/bind")
    said = await world.say(ADMIN, OLD_GROUP, "/bind 3号楼")
    await world.bot_says(OLD_GROUP, "已绑定", after=said)
    return OLD_GROUP


async def report(world: World, chat: int, text: str, resident: int = 0) -> JSON:
    """A resident reports in a group; return the status card the bot answers with."""
    said = await world.say(world.resident("3", resident), chat, text)
    return await world.bot_says(
        chat, lambda m: "工单 #A-" in (m.get("text") or "") and "状态：" in m["text"], after=said
    )


async def cards(world: World, chat: int, number: str) -> list[JSON]:
    return [
        m
        for m in await world.bot_messages(chat)
        if f"工单 #{number}" in (m.get("text") or "") and "状态：" in m["text"]
    ]


async def followed(world: World) -> list[str]:
    """How the bot learnt of each upgrade it followed (the audit's "via")."""
    async with world.app.uow() as tx:
        rows = await tx.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "chat.migrated")
        )
        return [r.details["via"] for r in rows]


async def test_the_bot_follows_a_bound_group_into_its_supergroup(world: World) -> None:
    old = await bound_basic_group(world)
    first = await report(world, old, "@loudao_bot 3号楼2单元楼道灯不亮了")
    assert "#A-0001" in first["text"]
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    await world.settle()
    admin_before = len(await world.bot_messages(ADMIN))

    new = (await world.client.upgrade_group(old))["id"]
    await world.settle()

    supergroup = next(c for c in (await world.client.state())["chats"] if c["id"] == new)
    assert supergroup["bot_member"] is True  # the gate did not leave the supergroup
    assert world.server.stats["calls.leaveChat"] == 0
    card = await report(world, new, "@loudao_bot 楼道里的垃圾好几天没人收了", resident=1)
    assert "#A-0002" in card["text"] and "3号楼" in card["text"]
    async with world.app.uow() as tx:
        chat = await tx.session.get(Chat, new)
        assert chat is not None and (chat.coverage_kind, chat.coverage_ref) == ("building", "3")
        moved = await tx.session.scalar(select(TicketRow).where(TicketRow.number == "A-0001"))
        assert moved is not None and moved.chat_id == new

    await world.client.press(ELECTRICIAN, private, "接单")
    await world.settle()
    [updated] = await cards(world, new, "A-0001")  # a new card: the old one stayed behind
    assert "工作人员已接单" in updated["text"]
    assert await world.bot_messages(old, after=first) == []  # nothing more in the old group
    assert len(await world.bot_messages(ADMIN)) == admin_before  # nothing to tell the admins
    assert await followed(world) == ["update"]


async def test_what_was_queued_for_the_old_id_arrives_in_the_supergroup_once(
    world: World, clock: FakeClock
) -> None:
    old = await bound_basic_group(world)
    said = await world.say(ADMIN, ADMIN, "/outage 停电 3号楼 今晚23:00-次日02:00 线路检修")
    await world.bot_says(ADMIN, "已把通知发到 2 个群", after=said)
    await world.settle()
    assert len([m for m in await world.bot_messages(old) if "停电" in m["text"]]) == 1

    world.server.set_fault(delay=1.5)  # the bot hears of the upgrade only after it sends
    new = (await world.client.upgrade_group(old))["id"]
    world.server.set_fault(delay=0.0)
    clock.set(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))  # 22:30: the reminder is due
    await world.app.tick()  # queued for the old id: Telegram answers ChatMigrated
    await world.settle()
    reminders = [m for m in await world.bot_messages(new) if "再提醒一下" in m["text"]]
    assert len(reminders) == 1

    await asyncio.sleep(1.6)  # now both service messages arrive, after the 400
    await world.settle()
    await world.settle()
    reminders = [m for m in await world.bot_messages(new) if "再提醒一下" in m["text"]]
    assert len(reminders) == 1
    assert [m for m in await world.bot_messages(old) if "再提醒一下" in m["text"]] == []
    assert await followed(world) == ["send"]  # once, by the first signal: the 400
    card = await report(world, new, "@loudao_bot 3号楼电梯坏了")
    assert "3号楼" in card["text"]
    assert world.server.stats["calls.leaveChat"] == 0

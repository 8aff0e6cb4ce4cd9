"""A group the bot was added to by someone who is not staff: the bot leaves and keeps nothing
of it – no title, no adder, no raw update – beyond the update ids that stop a repeat."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from storage.models import AuditEvent, Chat, InboxUpdate
from tests.e2e.world import World

pytestmark = pytest.mark.e2e
TITLE = "闲聊群王阿姨家"


async def left(world: World, chat_id: int) -> None:
    """Wait until the bot has left the group again, then until every update is handled."""
    for _ in range(100):
        if world.server.state.bot.id not in world.server.state.chats[chat_id].members:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the bot stayed in the stranger's group")
    await asyncio.sleep(0.3)  # the update saying the bot left is polled meanwhile
    await world.settle()


async def test_a_strangers_group_leaves_no_trace_but_update_ids(world: World) -> None:
    stranger = world.resident("8")
    chat = await world.client.add_chat(TITLE, [stranger, world.resident("8", 1)])
    await left(world, chat["id"])
    # the stranger adds it once more
    await world.client.set_member(chat["id"], world.server.state.bot.id, by_user_id=stranger)
    await left(world, chat["id"])
    assert await world.bot_messages(chat["id"]) == []

    async with world.app.uow() as tx:
        chats = list(await tx.session.scalars(select(Chat).where(Chat.chat_id == chat["id"])))
        audit = [
            (e.actor_telegram_id, e.subject, json.dumps(e.details, ensure_ascii=False))
            for e in await tx.session.scalars(select(AuditEvent))
        ]
        inbox = [
            (u.update_id, json.dumps(u.payload, ensure_ascii=False))
            for u in await tx.session.scalars(select(InboxUpdate))
        ]
    assert chats == []  # neither its title nor that it was left
    assert [a for a in audit if stranger in (a[0],) or str(chat["id"]) in a[1] + a[2]] == []
    assert len(inbox) >= 3  # the updates are counted once each ...
    kept = [payload for _, payload in inbox if TITLE in payload or str(stranger) in payload]
    assert kept == []  # ... but none of them is kept

"""A flooded group waits its turn without holding up the others, and keeps its order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain.clock import FakeClock
from bot.domain.records import OutboundMessage
from bot.services.outbox import OutboxSender
from bot.services.send_limits import SendLimits
from storage.uow import SqlUnitOfWorkFactory


class Recorder:
    def __init__(self) -> None:
        self.delivered: list[tuple[int, str]] = []

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        self.delivered.append((chat_id, payload["text"]))
        return len(self.delivered)


async def queue(uow: SqlUnitOfWorkFactory, clock: FakeClock, chat_id: int, body: str) -> None:
    async with uow() as tx:
        message = OutboundMessage(chat_id, "send_message", {"text": body}, "test")
        await tx.outbox.enqueue(message, clock.now())
        await tx.commit()


def sender_on(uow: SqlUnitOfWorkFactory, clock: FakeClock, telegram: Recorder) -> OutboxSender:
    limits = SendLimits(clock=lambda: clock.now().timestamp())
    return OutboxSender(uow, telegram, clock, limits=limits, max_wait=0.0)


async def test_another_groups_reply_is_not_held_up_by_a_flooded_group(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = Recorder()
    sender = sender_on(uow, clock, telegram)
    for n in range(50):
        await queue(uow, clock, -1005, f"flood {n}")
    await queue(uow, clock, -1006, "6号楼的回答")
    await sender.run_until_idle()
    assert (-1006, "6号楼的回答") in telegram.delivered
    assert len(telegram.delivered) == 21  # the flooded group had its 20 for this minute
    clock.advance(seconds=61)
    await sender.run_until_idle()
    assert len(telegram.delivered) == 41


async def test_a_put_back_group_keeps_its_order_even_for_messages_queued_later(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = Recorder()
    sender = sender_on(uow, clock, telegram)
    for n in range(25):
        await queue(uow, clock, -1005, f"m{n}")
    await sender.run_until_idle()
    clock.advance(seconds=30)
    await queue(uow, clock, -1005, "later")  # due now, but five older ones still wait
    await sender.run_until_idle()
    assert [t for _, t in telegram.delivered] == [f"m{n}" for n in range(20)]
    for _ in range(3):
        clock.advance(seconds=61)
        await sender.run_until_idle()
    assert [t for _, t in telegram.delivered] == [f"m{n}" for n in range(25)] + ["later"]


async def test_a_message_queued_for_later_on_purpose_holds_nothing_up(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = Recorder()
    sender = sender_on(uow, clock, telegram)
    async with uow() as tx:
        later = clock.now() + timedelta(hours=2)
        reminder = OutboundMessage(
            -1065, "send_message", {"text": "恢复了吗"}, "test", not_before=later
        )
        await tx.outbox.enqueue(reminder, clock.now())
        await tx.commit()
    await queue(uow, clock, -1065, "停水通知的回答")
    await sender.run_until_idle()
    assert telegram.delivered == [(-1065, "停水通知的回答")]

"""The sender delivers each queued message once, honours RetryAfter, retries hiccups, stops on 403."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.domain.clock import FakeClock
from bot.domain.records import OutboundMessage
from bot.registry_file import read_registry
from bot.services.outbox import OutboxSender
from bot.services.ports import (
    TOPIC_CLOSED,
    ChatUnavailable,
    PermanentFailure,
    RetryLater,
    TopicClosed,
    TransientFailure,
)
from bot.services.registry import load_registry
from storage.models import OutboxMessage
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


class ScriptedTelegram:
    """Stands in for the Bot API: records deliveries, raises the scripted failures first."""

    def __init__(self) -> None:
        self.failures: dict[str, list[Exception]] = {}
        self.delivered: list[tuple[int, str, dict[str, Any]]] = []

    def fail(self, text: str, *errors: Exception) -> None:
        self.failures[text] = list(errors)

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        queue = self.failures.get(payload.get("text", ""), [])
        if queue:
            raise queue.pop(0)
        self.delivered.append((chat_id, method, payload))
        return 1000 + len(self.delivered)


async def queue(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, *messages: OutboundMessage
) -> list[int]:
    ids = []
    async with uow() as tx:
        for m in messages:
            item = await tx.outbox.enqueue(m, clock.now())
            assert item is not None
            ids.append(item)
        await tx.commit()
    return ids


def text(chat_id: int, body: str, **extra: Any) -> OutboundMessage:
    return OutboundMessage(chat_id, "send_message", {"text": body, **extra}, "test")


async def test_delivers_once_and_records_the_message_id(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    sender = OutboxSender(uow, telegram, clock)
    [item] = await queue(uow, clock, text(-1, "停水通知"))
    assert await sender.run_until_idle() == 1
    assert await sender.run_until_idle() == 0
    assert [p["text"] for _, _, p in telegram.delivered] == ["停水通知"]
    async with uow() as tx:
        assert await tx.outbox.sent_message_id(item) == 1001
        assert await tx.outbox.status(item) == "sent"


async def test_retry_after_waits_the_time_telegram_asks(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("a", RetryLater(7))
    sender = OutboxSender(uow, telegram, clock)
    await queue(uow, clock, text(-1, "a"))
    await sender.run_until_idle()
    assert telegram.delivered == []
    clock.advance(seconds=6)
    await sender.run_until_idle()
    assert telegram.delivered == []
    clock.advance(seconds=2)
    await sender.run_until_idle()
    assert len(telegram.delivered) == 1


async def test_transient_errors_are_retried_with_backoff(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("a", TransientFailure("502"), TransientFailure("timeout"))
    sender = OutboxSender(uow, telegram, clock)
    [item] = await queue(uow, clock, text(-1, "a"))
    for _ in range(3):
        await sender.run_until_idle()
        clock.advance(seconds=10)
    assert len(telegram.delivered) == 1
    async with uow() as tx:
        assert await tx.outbox.status(item) == "sent"


async def test_an_unexpected_error_is_retried_a_bounded_number_of_times_then_failed(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("卡片", *[KeyError("text") for _ in range(20)])  # a bug, on every try
    sender = OutboxSender(uow, telegram, clock, max_attempts=4)
    [item] = await queue(uow, clock, text(-1, "卡片"))
    for _ in range(10):  # never stuck "sending" for the lease, never retried for ever
        await sender.run_until_idle()
        clock.advance(seconds=301)
        async with uow() as tx:
            if await tx.outbox.status(item) == "failed":
                break
    assert len(telegram.failures["卡片"]) == 20 - 4  # four tries in all
    assert telegram.delivered == []
    async with uow() as tx:
        assert await tx.outbox.status(item) == "failed"


async def test_a_bad_message_fails_without_blocking_the_next(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("<b>broken", PermanentFailure("can't parse entities"))
    sender = OutboxSender(uow, telegram, clock)
    bad, good = await queue(uow, clock, text(-1, "<b>broken"), text(-1, "ok"))
    await sender.run_until_idle()
    async with uow() as tx:
        assert await tx.outbox.status(bad) == "failed"
        assert await tx.outbox.status(good) == "sent"


async def test_403_marks_the_group_dead_and_tells_the_admin(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await load_registry(uow, read_registry(DEMO), clock)
    telegram = ScriptedTelegram()
    telegram.fail("first", ChatUnavailable("Forbidden: bot was kicked from the supergroup chat"))
    sender = OutboxSender(uow, telegram, clock)
    first, _second = await queue(uow, clock, text(-1001065, "first"), text(-1001065, "second"))
    others = await queue(uow, clock, text(-1001003, "elsewhere"))
    await sender.run_until_idle()
    async with uow() as tx:
        chat = await tx.chats.get(-1001065)
        assert chat is not None and chat.status == "dead"
        assert await tx.outbox.status(first) == "failed"
        assert await tx.outbox.status(others[0]) == "sent"
    sent_to = {chat_id for chat_id, _, _ in telegram.delivered}
    assert -1001065 not in sent_to
    assert 9001 in sent_to  # 王主任, the admin, hears about it once
    note = next(p["text"] for c, _, p in telegram.delivered if c == 9001)
    assert "65号楼邻里群" in note


async def test_a_reply_waits_for_the_message_it_replies_to(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("card", RetryLater(3))
    sender = OutboxSender(uow, telegram, clock)
    [card] = await queue(uow, clock, text(-1, "card"))
    await queue(uow, clock, text(-1, "progress", reply_to_outbox_id=card))
    await sender.run_until_idle()
    assert telegram.delivered == []
    clock.advance(seconds=5)
    await sender.run_until_idle()
    assert [p["text"] for _, _, p in telegram.delivered] == ["card", "progress"]
    assert telegram.delivered[1][2]["reply_to_message_id"] == 1001


async def test_a_closed_topic_fails_that_message_and_leaves_the_group_served(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await load_registry(uow, read_registry(DEMO), clock)
    telegram = ScriptedTelegram()
    telegram.fail("停水通知", TopicClosed("Topic_closed"))
    sender = OutboxSender(uow, telegram, clock)
    closed, other_topic = await queue(
        uow, clock, text(-1001065, "停水通知"), text(-1001065, "工单卡片", message_thread_id=7)
    )
    await sender.run_until_idle()
    async with uow() as tx:
        assert await tx.outbox.status(closed) == "failed"
        assert await tx.outbox.status(other_topic) == "sent"
        chat = await tx.chats.get(-1001065)
        assert chat is not None and chat.status == "bound"  # not a group that removed the bot
        failed = await tx.session.get(OutboxMessage, closed)
        assert failed is not None and (failed.last_error or "").startswith(TOPIC_CLOSED)
    assert {chat_id for chat_id, _, _ in telegram.delivered} == {-1001065}  # no admin alarm

"""The inbox ignores repeated updates; the outbox queues once and hands each row to one sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.domain.clock import FakeClock
from bot.domain.inbox import ALIVE_FOR, MAX_ATTEMPTS
from bot.domain.records import OutboundMessage
from bot.registry_file import read_registry
from bot.services.inbox import CLAIM_FOR, CONSUMER_LEASE, GivenUp, Inbox
from bot.services.registry import load_registry
from storage.models import InboxUpdate, OutboxMessage
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import DEMO_COMMUNITY


async def test_a_repeated_update_is_stored_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    inbox = Inbox(uow, clock)
    assert await inbox.record([(10, {"update_id": 10}), (11, {"update_id": 11})]) == [10, 11]
    assert await inbox.record([(10, {"update_id": 10})]) == []
    assert [u.update_id for u in await inbox.pending()] == [10, 11]
    await inbox.done(10)
    await inbox.done(11)
    assert await inbox.pending() == []
    assert await inbox.record([(11, {"update_id": 11})]) == []


async def test_a_failed_update_is_tried_again_with_backoff_then_given_up(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    inbox = Inbox(uow, clock)
    await inbox.record([(20, {"update_id": 20})])
    began = clock.now()
    waits = []
    for attempt in range(MAX_ATTEMPTS):
        (due,) = await inbox.pending()
        assert due.attempts == attempt
        given_up = await inbox.failed(due, "KeyError")
        assert given_up == (attempt == MAX_ATTEMPTS - 1)
        if given_up:
            break
        assert await inbox.pending() == []  # not before its time
        waited = clock.now()
        while not await inbox.pending():
            clock.advance(timedelta(seconds=10))
        waits.append(clock.now() - waited)
    assert waits == [
        timedelta(seconds=30),
        timedelta(seconds=90),
        timedelta(minutes=3),
        timedelta(minutes=5),
    ]
    assert clock.now() - began == timedelta(minutes=10)
    clock.advance(timedelta(hours=1))
    assert await inbox.pending() == []
    assert await inbox.given_up_since(began) == 1
    async with uow() as tx:
        row = await tx.session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == 20))
        assert row is not None
        assert (row.status, row.attempts, row.error, row.next_attempt_at) == (
            "failed",
            MAX_ATTEMPTS,
            "KeyError",
            None,
        )


def message(key: str | None = None, chat_id: int = -1001003) -> OutboundMessage:
    return OutboundMessage(chat_id, "send_message", {"text": "你好"}, "test", key)


async def test_dedup_key_queues_a_message_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow() as tx:
        first = await tx.outbox.enqueue(message("ack:1"), clock.now())
        again = await tx.outbox.enqueue(message("ack:1"), clock.now())
        other = await tx.outbox.enqueue(message(None), clock.now())
        await tx.commit()
    assert first is not None and other is not None
    assert again is None


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow() as tx:
        await tx.outbox.enqueue(message("x"), clock.now())
        await tx.commit()
    async with uow() as tx:
        claimed = await tx.outbox.claim_due(clock.now(), 10, timedelta(seconds=60))
        await tx.commit()
    assert len(claimed) == 1
    async with uow() as tx:
        assert await tx.outbox.claim_due(clock.now(), 10, timedelta(seconds=60)) == []
    clock.advance(seconds=61)  # the sender died mid-send: the row comes back
    async with uow() as tx:
        assert [
            i.id for i in await tx.outbox.claim_due(clock.now(), 10, timedelta(seconds=60))
        ] == [claimed[0].id]


async def test_a_message_for_later_is_not_due_yet(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    later = OutboundMessage(
        -1, "send_message", {"text": "x"}, not_before=clock.now() + timedelta(minutes=5)
    )
    async with uow() as tx:
        await tx.outbox.enqueue(later, clock.now())
        await tx.commit()
    async with uow() as tx:
        assert await tx.outbox.claim_due(clock.now(), 10, timedelta(seconds=60)) == []
        assert (
            len(
                await tx.outbox.claim_due(
                    clock.now() + timedelta(minutes=5), 10, timedelta(seconds=60)
                )
            )
            == 1
        )


async def test_two_processes_on_one_database_never_take_the_same_update(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow() as tx:
        sqlite = tx.session.bind.dialect.name == "sqlite"
    first, second = Inbox(uow, clock, sqlite), Inbox(uow, clock, sqlite)
    await first.record([(n, {"update_id": n}) for n in range(1, 61)])
    taken: list[list[int]] = [[], []]
    while True:
        rounds = await asyncio.gather(first.claim(5), second.claim(5))
        if not any(rounds):
            break
        for mine, got in zip(taken, rounds, strict=True):
            mine.extend(u.update_id for u in got)
            for u in got:
                await (first if mine is taken[0] else second).done(u.update_id)
    assert sorted(taken[0] + taken[1]) == list(range(1, 61))  # each once, none lost
    assert not set(taken[0]) & set(taken[1])
    if sqlite:  # one consumer at a time: the second process waits, and says so
        assert taken[1] == [] and second.standby


async def test_on_sqlite_the_waiting_process_takes_over_when_the_first_stops_or_dies(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    first, second = Inbox(uow, clock, True), Inbox(uow, clock, True)
    await first.record([(1, {"update_id": 1}), (2, {"update_id": 2})])
    [one] = await first.claim(1)
    assert await second.claim() == []
    await first.release([one])  # a clean stop gives back what it took and the lease
    await first.stop_consuming()
    assert [u.update_id for u in await second.claim()] == [1, 2]  # at once

    third = Inbox(uow, clock, True)
    await first.record([(3, {"update_id": 3})])
    assert await third.claim() == []  # `second` died holding the lease and updates 1, 2
    clock.advance(CONSUMER_LEASE + timedelta(seconds=1))
    # the lease lapsed, and with it the dead process's `alive:` lease: its claims are taken
    # over at once, not after their two-minute claim
    assert [u.update_id for u in await third.claim()] == [1, 2, 3]


async def test_given_up_updates_are_told_to_the_admins_at_most_every_ten_minutes(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await load_registry(uow, read_registry(DEMO_COMMUNITY), clock)
    inbox = Inbox(uow, clock)

    async def lose(update_id: int) -> int:
        return await inbox.tell_given_up(GivenUp(update_id, "update.group", -1001003, "E", 5))

    assert await lose(1) == 1  # the demo community has one admin
    clock.advance(minutes=5)
    assert await lose(2) == 0  # a moment later: /healthz counts it
    clock.advance(minutes=6)
    assert await lose(3) == 1
    async with uow() as tx:
        told = await tx.session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.purpose == "ops.alert")
        )
        texts = [p["text"] for p in told]
    assert len(texts) == 2 and "更新编号 1" in texts[0] and "更新编号 3" in texts[1]


async def test_a_killed_process_s_claims_are_taken_over_once_its_alive_lease_lapses(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    """PostgreSQL-style: two processes share the inbox; one is killed holding an update."""
    killed, survivor = Inbox(uow, clock), Inbox(uow, clock)
    await killed.record([(1, {"update_id": 1})])
    [taken] = await killed.claim(1)
    assert taken.update_id == 1
    assert await survivor.claim() == []  # the killed one was alive a moment ago
    clock.advance(ALIVE_FOR + timedelta(seconds=1))
    assert [u.update_id for u in await survivor.claim()] == [1]  # not two minutes later
    assert ALIVE_FOR < CLAIM_FOR


async def test_a_live_process_keeps_its_claims_while_it_works(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    busy, other = Inbox(uow, clock), Inbox(uow, clock)
    await busy.record([(1, {"update_id": 1}), (2, {"update_id": 2})])
    first, second = await busy.claim(2)
    clock.advance(ALIVE_FOR - timedelta(seconds=1))
    await busy.done(first.update_id)  # finishing one renews its alive lease
    clock.advance(ALIVE_FOR - timedelta(seconds=1))
    assert await other.claim() == []
    await busy.done(second.update_id)

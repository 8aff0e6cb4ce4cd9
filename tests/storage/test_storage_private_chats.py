"""Whom the bot can write to in private, on both databases: the first record and every change
count once, a repeat changes nothing, and two recorders of the same first refusal both succeed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.domain.records import PRIVATE_CLOSED, PRIVATE_OPEN
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def record(uow: SqlUnitOfWorkFactory, person: int, state: str, at: datetime) -> bool:
    async with uow() as tx:
        changed = await tx.people.set_private_state(person, state, at, "Forbidden")
        await tx.commit()
    return changed


async def test_a_state_is_recorded_once_per_change(uow: SqlUnitOfWorkFactory) -> None:
    assert await record(uow, 9004, PRIVATE_CLOSED, NOW)
    assert not await record(uow, 9004, PRIVATE_CLOSED, NOW + timedelta(minutes=1))
    assert await record(uow, 9004, PRIVATE_OPEN, NOW + timedelta(minutes=2))
    async with uow() as tx:
        assert await tx.people.private_states([9004, 9005]) == {9004: PRIVATE_OPEN}
        assert await tx.people.private_states([]) == {}


async def test_two_recorders_of_one_first_refusal_both_succeed(uow: SqlUnitOfWorkFactory) -> None:
    results = await asyncio.gather(*(record(uow, 9003, PRIVATE_CLOSED, NOW) for _ in range(2)))
    assert sorted(results) == [False, True]
    async with uow() as tx:
        assert await tx.people.private_states([9003]) == {9003: PRIVATE_CLOSED}

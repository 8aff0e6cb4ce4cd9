"""Offers of a ticket for plain group messages: once per person and kind within the window."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import DEMO_COMMUNITY

WINDOW = timedelta(hours=2)


async def claim(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, user: int, topic: str, update_id: int
) -> bool:
    now = clock.now()
    async with uow() as tx:
        community = (await tx.registry.communities())[0]
        claimed = await tx.offers.claim(community.id, user, topic, update_id, now, now - WINDOW)
        await tx.commit()
    return claimed


async def test_an_offer_is_made_once_per_person_and_kind_within_the_window(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await load_registry(uow, read_registry(DEMO_COMMUNITY), clock)
    assert await claim(uow, clock, 201, "lighting", 1)
    assert await claim(uow, clock, 201, "lighting", 1)  # the same update, handled again
    assert not await claim(uow, clock, 201, "lighting", 2)
    assert await claim(uow, clock, 201, "elevator", 3)  # another kind of problem
    assert await claim(uow, clock, 202, "lighting", 4)  # another person
    clock.advance(WINDOW - timedelta(minutes=1))
    assert not await claim(uow, clock, 201, "lighting", 5)
    clock.advance(minutes=2)
    assert await claim(uow, clock, 201, "lighting", 6)
    assert not await claim(uow, clock, 201, "lighting", 7)


async def test_the_memory_of_offers_is_forgotten_with_old_messages(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    from sqlalchemy import func, select

    from storage.models_offers import ReportOffer

    await load_registry(uow, read_registry(DEMO_COMMUNITY), clock)
    assert await claim(uow, clock, 201, "lighting", 1)
    clock.advance(days=31)
    now = clock.now()
    async with uow() as tx:
        assert await tx.retention.forget_drafts(now, now - timedelta(days=30)) == 1
        assert await tx.session.scalar(select(func.count()).select_from(ReportOffer)) == 0
        await tx.commit()

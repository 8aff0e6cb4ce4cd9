"""The registry cache: reads cost no query but the version check, a change is seen at once by
the process that made it and at the next transaction by another; one transaction per update;
an update that changes nothing writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from storage.database import Database
from storage.models import RegistryVersion
from storage.models_tickets import KnownUsername
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
GROUP_3 = -1001003
ZHANG = 9003


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement the engine sends meanwhile (first word upper-cased, then the rest)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", note)


def writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


async def read_all(uow: SqlUnitOfWorkFactory) -> tuple[Any, ...]:
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        return (
            community,
            await tx.registry.community(community.id),
            await tx.chats.get(GROUP_3),
            await tx.chats.get(-42),  # a group nobody knows: remembered as unknown too
            await tx.people.by_telegram_id(ZHANG),
            await tx.people.of_community(community.id),
            await tx.chats.of_community(community.id),
        )


async def test_registry_reads_cost_one_version_check_once_cached(
    database: Database, clock: FakeClock
) -> None:
    await load_registry(database.uow, read_registry(DEMO), clock)
    first = await read_all(database.uow)
    with statements(database) as seen:
        again = await read_all(database.uow)
    assert again == first
    assert len(seen) == 1 and "registry_version" in seen[0], seen


async def test_a_change_by_another_process_is_seen_at_its_next_transaction(
    database: Database, clock: FakeClock
) -> None:
    await load_registry(database.uow, read_registry(DEMO), clock)
    other = Database(database.url)  # another process: its own engine, factory and cache
    try:
        async with other.uow() as tx:
            chat = await tx.chats.get(GROUP_3)
            assert chat is not None and chat.status == "bound"
        async with database.uow() as tx:  # this process changes the group
            await tx.chats.set_status(GROUP_3, "dead", clock.now())
            assert (c := await tx.chats.get(GROUP_3)) is not None and c.status == "dead"
            await tx.commit()
        async with database.uow() as tx:  # the writer's own cache was emptied at once
            assert (c := await tx.chats.get(GROUP_3)) is not None and c.status == "dead"
        async with other.uow() as tx:
            chat = await tx.chats.get(GROUP_3)
            assert chat is not None and chat.status == "dead"
    finally:
        await other.close()


async def test_a_change_rolled_back_leaves_the_cache_right(
    database: Database, clock: FakeClock
) -> None:
    await load_registry(database.uow, read_registry(DEMO), clock)
    await read_all(database.uow)
    async with database.uow() as tx:
        await tx.chats.set_status(GROUP_3, "dead", clock.now())
        # no commit: rolled back
    async with database.uow() as tx:
        chat = await tx.chats.get(GROUP_3)
        assert chat is not None and chat.status == "bound"


async def test_reloading_an_unchanged_community_file_does_not_touch_the_version(
    database: Database, clock: FakeClock
) -> None:
    registry = read_registry(DEMO)
    await load_registry(database.uow, registry, clock)
    async with database.uow() as tx:
        before = await tx.session.scalar(select(RegistryVersion.version))
    clock.advance(hours=1)
    await load_registry(database.uow, registry, clock)
    async with database.uow() as tx:
        assert await tx.session.scalar(select(RegistryVersion.version)) == before


async def test_a_username_seen_again_writes_no_row(database: Database, clock: FakeClock) -> None:
    async with database.uow() as tx:
        await tx.tickets.remember_username(301, "Lin_301", clock.now())
        await tx.commit()
    clock.advance(minutes=5)
    with statements(database) as seen:
        async with database.uow() as tx:
            await tx.tickets.remember_username(301, "@lin_301", clock.now())
            await tx.commit()
    assert writes(seen) == []
    async with database.uow() as tx:
        await tx.tickets.remember_username(301, "lin_new", clock.now())
        await tx.commit()
        row = await tx.session.get(KnownUsername, 301)
        assert row is not None and row.username == "lin_new"


async def test_the_units_of_work_of_one_update_share_one_transaction(
    database: Database, clock: FakeClock
) -> None:
    uow = database.uow
    await load_registry(uow, read_registry(DEMO), clock)
    with statements(database) as seen:
        async with uow.per_update() as update:
            async with uow() as tx:  # a use case that commits
                await tx.tickets.remember_username(401, "kept", clock.now())
                await tx.commit()
            async with uow() as tx:  # one that changes its mind: only its own part goes
                await tx.tickets.remember_username(402, "dropped", clock.now())
            async with uow() as tx:  # joined: it sees what the first one did
                assert await tx.tickets.user_by_username("kept") == 401
            await update.commit()
    assert sum(1 for s in seen if s.upper().startswith("COMMIT")) <= 1  # SQLite: the driver's
    async with uow() as tx:
        assert await tx.tickets.user_by_username("kept") == 401
        assert await tx.tickets.user_by_username("dropped") is None


async def test_an_update_left_with_an_error_commits_nothing(
    database: Database, clock: FakeClock
) -> None:
    uow = database.uow
    try:
        async with uow.per_update():
            async with uow() as tx:
                await tx.tickets.remember_username(501, "lost", clock.now())
                await tx.commit()
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    async with uow() as tx:
        assert await tx.tickets.user_by_username("lost") is None

"""A database made by an earlier release upgrades to head: migrations that shipped were not
edited, or the upgrade copes with what they were. The release's own migrations (kept verbatim in
tests/data/releases/) build it with its rows; then it is upgraded as start-up (SQLite) and
`loudao db upgrade` (PostgreSQL) do, and must match a fresh database and keep its tickets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.bootstrap import open_database
from bot.config import Settings
from bot.domain.tickets.model import NewTicket
from storage.database import Database
from storage.migrate import current_heads, script_heads
from storage.schema import metadata
from tests.databases import backends, fresh_postgres
from tests.releases import OLD_TICKETS, build_release_database


@pytest.fixture(params=backends())
async def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
        await build_release_database(url)
        yield url
        return
    async with fresh_postgres() as url:
        await build_release_database(url)
        yield url


@asynccontextmanager
async def upgraded(url: str) -> AsyncIterator[Database]:
    """The old database, upgraded as `loudao db upgrade` does."""
    async with open_database(Settings(database_url=url), policy=False) as db:
        await db.upgrade()
        yield db


async def test_a_database_of_release_fc69ad9_upgrades_to_the_schema_of_a_fresh_one(
    old_database: str,
) -> None:
    async with upgraded(old_database) as db:
        assert await current_heads(db.engine) == script_heads()

        def differences(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))

        async with db.engine.connect() as conn:
            assert await conn.run_sync(differences) == []


async def test_its_tickets_stay_and_numbering_continues_after_them(old_database: str) -> None:
    async with upgraded(old_database) as db:
        async with db.uow() as tx:
            community = await tx.registry.community_by_code("A")
            assert community is not None
            old = await tx.tickets.by_number(f"A-{OLD_TICKETS:04d}", community.id)
            assert old is not None and old.label == f"#A-{OLD_TICKETS:04d}"
            new = await tx.tickets.create(
                NewTicket(
                    community_id=community.id, source_key="after-upgrade", source="mention",
                    category="power", level=3, building="3", unit="1", room=None, phone=None,
                    text="电梯坏了", chat_id=-1001003, message_id=99, reporter_id=7002,
                    reporter_name="住户",
                ),
                datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
            )  # fmt: skip
            await tx.commit()
        assert new.label == f"#A-{OLD_TICKETS + 1:04d}"

"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.databases import backends, fresh_postgres

ROOT = Path(__file__).resolve().parent.parent
DEMO_COMMUNITY = ROOT / "examples" / "community.yaml"


@pytest.fixture(params=backends())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database migrated to head: a temp SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
        await upgrade(eng)
        yield eng
        await eng.dispose()
        return
    async with fresh_postgres() as url:
        eng = make_engine(url)
        try:
            await upgrade(eng)
            yield eng
        finally:
            await eng.dispose()


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_sessionmaker(engine))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import open_database
from bot.config import Settings
from bot.domain.clock import FakeClock
from storage.database import Database
from storage.uow import SqlUnitOfWorkFactory
from tests.databases import backends, fresh_postgres

ROOT = Path(__file__).resolve().parent.parent
DEMO_COMMUNITY = ROOT / "bot" / "demo" / "community.yaml"


@pytest.fixture(params=backends())
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database migrated to head: a temp SQLite file (migrated on opening, as at every
    start), or a fresh PostgreSQL database migrated as `loudao db upgrade` does."""
    if request.param == "sqlite":
        async with open_database(
            Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
        ) as db:
            yield db
        return
    async with (
        fresh_postgres() as url,
        open_database(Settings(database_url=url), policy=False) as db,
    ):
        await db.upgrade()
        yield db


@pytest.fixture
def engine(database: Database) -> AsyncEngine:
    return database.engine


@pytest.fixture
def uow(database: Database) -> SqlUnitOfWorkFactory:
    return database.uow


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

ROOT = Path(__file__).resolve().parent.parent
DEMO_COMMUNITY = ROOT / "examples" / "community.yaml"


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


@pytest.fixture(params=_backends())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database migrated to head: a temp SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
        await upgrade(eng)
        yield eng
        await eng.dispose()
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"loudao_t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    eng = make_engine(base.rsplit("/", 1)[0] + f"/{name}")
    try:
        await upgrade(eng)
        yield eng
    finally:
        await eng.dispose()
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_sessionmaker(engine))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

"""Throwaway databases for tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage.db import make_engine


def backends() -> list[str]:
    """The databases the suite runs on here: SQLite, plus PostgreSQL when a server is given."""
    found = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        found.append("postgresql")
    return found


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """Create an empty PostgreSQL database on the TEST_DATABASE_URL server; drop it after."""
    base = os.environ["TEST_DATABASE_URL"]
    name = f"loudao_t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()

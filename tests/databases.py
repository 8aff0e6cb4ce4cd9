"""Throwaway databases for tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

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
    url = await create_postgres()
    try:
        yield url
    finally:
        await drop_postgres(url)


async def create_postgres() -> str:
    """Create an empty database on the TEST_DATABASE_URL server and return its URL."""
    base = os.environ["TEST_DATABASE_URL"]
    name = f"loudao_t_{uuid.uuid4().hex[:12]}"
    await _server_command(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres(url: str) -> None:
    """Drop a database made by create_postgres, even while connections are open."""
    name = url.rsplit("/", 1)[1]
    await _server_command(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _server_command(sql: str) -> None:
    admin = make_engine(os.environ["TEST_DATABASE_URL"]).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await admin.dispose()


async def refuse_table(engine: AsyncEngine, table: str, refuse: bool) -> None:
    """Make the database refuse (or accept again) every new row of `table`, as a full disk, a
    broken constraint or a bug would: the next insert raises, whatever the backend."""
    name = f"refuse_{table}"
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                if refuse
                else f"DROP TRIGGER {name}"
            )
        elif refuse:
            await conn.exec_driver_sql(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
            await conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            await conn.exec_driver_sql(f"DROP TRIGGER {name} ON {table}")
            await conn.exec_driver_sql(f"DROP FUNCTION {name}()")

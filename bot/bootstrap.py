"""The composition root: the database under one migration policy, and the use cases on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from storage.database import Database

NOT_UP_TO_DATE = "the database is not up to date: run `loudao db upgrade` first"


class DatabaseNotReady(Exception):
    """PostgreSQL is not at the latest migration: run `loudao db upgrade`."""


@asynccontextmanager
async def open_database(settings: Settings, *, policy: bool = True) -> AsyncIterator[Database]:
    """Open the database: SQLite is migrated, PostgreSQL must be up to date (DatabaseNotReady).

    With `policy=False` it is opened as it is, for `loudao db upgrade` and `loudao db current`.
    """
    database = Database(settings.database_url)
    try:
        if policy:
            await _apply_migration_policy(database, settings)
        yield database
    finally:
        await database.close()


async def _apply_migration_policy(database: Database, settings: Settings) -> None:
    # An embedded SQLite file belongs to this one process: migrating it on start is safe. A
    # PostgreSQL server is shared by instances and deployments: its migrations are an operator's
    # step (`loudao db upgrade`), never a side effect of whatever command happens to run first.
    if settings.is_sqlite:
        await database.upgrade()
    elif not await database.is_up_to_date():
        raise DatabaseNotReady(NOT_UP_TO_DATE)

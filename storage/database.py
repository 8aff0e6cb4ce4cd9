"""One open database: its engine, a unit of work per use case, and its migration state."""

from __future__ import annotations

from storage.db import make_engine, make_sessionmaker
from storage.migrate import current_heads, is_up_to_date, upgrade
from storage.uow import SqlUnitOfWorkFactory


class Database:
    """The engine behind a URL and the units of work on it; `close()` when done."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.uow = SqlUnitOfWorkFactory(make_sessionmaker(self.engine))

    @property
    def is_sqlite(self) -> bool:
        """Return whether this is an embedded SQLite file (migrated on start)."""
        return self.engine.dialect.name == "sqlite"

    async def revisions(self) -> set[str]:
        """Return the migration revisions the database is at; empty when it is new."""
        return await current_heads(self.engine)

    async def is_up_to_date(self) -> bool:
        """Return whether the database is at the newest revision of every migration branch."""
        return await is_up_to_date(self.engine)

    async def upgrade(self, revision: str = "heads") -> None:
        """Apply the migrations up to `revision` (all of them by default)."""
        await upgrade(self.engine, revision)

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

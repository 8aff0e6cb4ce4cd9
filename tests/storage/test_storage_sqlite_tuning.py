"""SQLite as an embedded default should be: WAL, synchronous=NORMAL, a busy timeout, foreign
keys; writers take turns (one at a time) instead of failing, and a backup of a live WAL
database is whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.config import Settings
from bot.domain.clock import FakeClock
from bot.domain.records import OutboundMessage
from storage.backup import backup_sqlite, check_sqlite
from storage.database import Database


def sqlite_database(tmp_path: Path) -> Database:
    return Database(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}").database_url
    )


async def test_every_connection_is_tuned(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    try:
        async with database.engine.connect() as conn:
            pragmas = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
            }
    finally:
        await database.close()
    # synchronous 1 = NORMAL: with WAL a commit is durable at the next checkpoint, never corrupt
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "busy_timeout": 30000,
        "foreign_keys": 1,
    }


async def test_two_writers_at_once_take_turns_instead_of_failing(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    await database.upgrade()
    clock = FakeClock()
    first_holds = asyncio.Event()

    async def write(n: int, hold: float) -> None:
        async with database.uow() as tx:
            message = OutboundMessage(-1000 - n, "send_message", {"text": f"m{n}"}, "test")
            await tx.outbox.enqueue(message, clock.now())  # takes SQLite's one write lock
            if hold:
                first_holds.set()
                await asyncio.sleep(hold)  # the other writer waits (busy_timeout), not fails
            await tx.commit()

    async def second() -> None:
        await first_holds.wait()
        await write(2, 0.0)

    try:
        await asyncio.gather(write(1, 0.5), second())
        async with database.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        backup = backup_sqlite(Path(tmp_path / "l.sqlite3"), tmp_path / "copy.sqlite3")
    finally:
        await database.close()
    assert rows == 2
    assert check_sqlite(backup.path).revision == backup.revision != ""  # a whole copy, with WAL

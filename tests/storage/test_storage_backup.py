"""SQLite's online backup copies a whole, consistent database while the service keeps writing,
and a restore puts it in place without replaying the old file's write-ahead log."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli.db import restore_command
from bot.config import Settings
from bot.domain.clock import FakeClock
from bot.domain.records import AuditRecord
from storage.backup import BackupError, backup_sqlite, check_backup, restore_sqlite
from storage.database import Database
from tests.releases import OLD_TICKETS, build_release_database

WRITES = 300


def audit_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM audit_log").fetchone()[0])


async def test_a_backup_while_the_service_writes_is_whole_and_a_restore_puts_it_in_place(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    if not database.is_sqlite:
        pytest.skip("PostgreSQL is backed up by pg_dump (tests/e2e/test_e2e_backup.py)")
    live = Path(str(database.engine.url.database))

    async def service() -> None:  # one commit after another, as a busy bot would
        for n in range(WRITES):
            async with database.uow() as tx:
                await tx.audit.record(
                    AuditRecord(action="test.write", subject=str(n)), clock.now()
                )
                await tx.commit()

    writer = asyncio.create_task(service())
    await asyncio.sleep(0.05)
    copy = await asyncio.to_thread(backup_sqlite, live, tmp_path / "backup.sqlite3")
    await writer
    assert copy.revision and copy.tickets == 0
    assert 0 < audit_rows(copy.path) <= WRITES  # a snapshot from the middle, whole
    assert not (tmp_path / "backup.sqlite3-wal").exists()  # one self-contained file
    assert audit_rows(live) == WRITES

    kept_rows = audit_rows(copy.path)
    restored, kept = restore_sqlite(copy.path, live, clock.now())
    assert kept is not None and audit_rows(kept) == WRITES  # the database as it was, beside it
    assert audit_rows(live) == kept_rows == audit_rows(restored.path)


def test_a_file_that_is_no_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 10)
    with pytest.raises(BackupError, match="neither an SQLite database nor a pg_dump file"):
        check_backup(junk)
    with pytest.raises(BackupError, match="no file"):
        check_backup(tmp_path / "missing.sqlite3")


def test_an_sqlite_restore_in_place_does_not_give_shown_ticket_numbers_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "loudao.sqlite3"
    asyncio.run(build_release_database(f"sqlite+aiosqlite:///{live}"))  # #A-0001 … #A-0003

    def counter(value: int | None = None) -> int:
        with sqlite3.connect(live) as db:
            if value is not None:
                db.execute("UPDATE ticket_counters SET last_seq = ?", (value,))
            return int(db.execute("SELECT last_seq FROM ticket_counters").fetchone()[0])

    counter(1)  # the backup is taken when only #A-0001 had been given out
    backup_sqlite(live, tmp_path / "backup.sqlite3")
    counter(OLD_TICKETS)  # then #A-0002 and #A-0003 were shown in groups
    args = argparse.Namespace(path=tmp_path / "backup.sqlite3", previous=None)
    assert restore_command(args, Settings(database_url=f"sqlite:///{live}")) == 0
    out = capsys.readouterr().out
    assert "tickets #A-0002 to #A-0003 were numbered after this backup" in out
    assert "numbering goes on at #A-0004" in out
    assert counter() == OLD_TICKETS

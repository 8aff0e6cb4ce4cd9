"""Copies of the database: SQLite by its online backup API, PostgreSQL by pg_dump / pg_restore.

SQLite's backup API copies one consistent snapshot in a single read transaction; the service's
database is in WAL mode, where a reader never blocks a writer, so a backup needs no stop and
holds up no resident. A copy is written next to its target, made one self-contained file
(journal mode DELETE), and renamed only once it passed `PRAGMA integrity_check`: a file with
the target's name is always a whole database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

BUSY_SECONDS = 30.0  # how long a copy waits for a lock the running service holds
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # pg_dump's custom format


class BackupError(Exception):
    """A backup or restore that cannot be done, in one line for the operator."""


@dataclass(frozen=True)
class Copy:
    """What a backup file holds, as checked."""

    path: Path
    size: int
    revision: str  # the migration it is at ("" for an empty database)
    tickets: int | None  # None for a PostgreSQL dump: counted once restored

    def describe(self) -> str:
        tickets = "" if self.tickets is None else f", {self.tickets} tickets"
        return f"{self.path} ({self.size:,} bytes{tickets}, revision {self.revision or '-'})"


def is_sqlite(url: str) -> bool:
    """Return whether a database URL names an SQLite file."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path:
    """The file an SQLite URL names (relative to the working folder, as the service opens it)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up")
    return Path(database)


def backup_target(target: str, now: datetime, suffix: str) -> Path:
    """A folder gets a file named for the time in UTC (`loudao-20261201-100000.sqlite3`), and is
    made when missing; a name with a suffix (`backup.sqlite3`) is the file itself.

    A folder is a path that ends with `/`, one that exists as a folder, or a name without a
    suffix (`backups`) – so a nightly `loudao db backup backups/` keeps every night's copy."""
    path = Path(target)
    if target.endswith(("/", "\\")) or path.is_dir() or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        return path / f"loudao-{now.astimezone(UTC):%Y%m%d-%H%M%S}{suffix}"
    return path


def check_backup(path: Path) -> Copy:
    """Check a backup file of either kind (told apart by its first bytes)."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    with path.open("rb") as file:
        head = file.read(16)
    if head.startswith(PG_MAGIC):
        return check_pg_dump(path)
    if head.startswith(SQLITE_MAGIC) or not head:
        return check_sqlite(path)
    raise BackupError(f"{path} is neither an SQLite database nor a pg_dump file")


def backup_sqlite(source: Path, target: Path) -> Copy:
    """Copy a live SQLite database to `target` with the online backup API; return its check."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    _copy_pages(source, target)
    return check_sqlite(target)


def restore_sqlite(backup: Path, database: Path, now: datetime) -> tuple[Copy, Path | None]:
    """Replace `database` with a checked backup; the database as it was is kept beside it.

    Written through the backup API, so SQLite itself handles the target's journal (a stale
    `-wal` file of the old database cannot be replayed into the restored one). Returns the
    restored copy and where the old database was kept (None when there was none).
    """
    check_sqlite(backup)
    kept: Path | None = None
    if database.is_file():
        kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        _copy_pages(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    with _connect(backup) as src, _connect(database) as dst:
        src.backup(dst)
    return check_sqlite(database), kept


def check_sqlite(path: Path) -> Copy:
    """Check an SQLite file is a whole database; return what it holds (BackupError if not)."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        with _connect(path) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise BackupError(f"{path} is damaged: {verdict[0] if verdict else '?'}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            revision = ""
            if "alembic_version" in tables:
                heads = db.execute("SELECT version_num FROM alembic_version")
                revision = ", ".join(sorted(str(r[0]) for r in heads))
            tickets = 0
            if "tickets" in tables:
                tickets = int(db.execute("SELECT count(*) FROM tickets").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database ({exc})") from exc
    return Copy(path, path.stat().st_size, revision, tickets)


def _copy_pages(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _connect(source) as src, _connect(partial) as dst:
            src.backup(dst)  # all pages in one step: one snapshot, however busy the service
            dst.execute("PRAGMA journal_mode=DELETE")  # no -wal file belongs to the copy
        check_sqlite(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _connect(path: Path) -> closing[sqlite3.Connection]:
    """A connection closed on leaving the block (sqlite3's own context only commits)."""
    return closing(sqlite3.connect(path, timeout=BUSY_SECONDS))


# PostgreSQL: pg_dump's custom format, restored by pg_restore into an empty database.


@dataclass(frozen=True)
class PgCommand:
    """A pg_dump or pg_restore command line; the password goes in the environment only."""

    argv: list[str]
    password: str | None

    def shown(self) -> str:
        """The command as an operator would type it (the password left out)."""
        prefix = "PGPASSWORD=... " if self.password else ""
        return prefix + " ".join(_quote(a) for a in self.argv)

    def run(self) -> str:
        """Run it; return its output, or raise BackupError with what it said."""
        tool = shutil.which(self.argv[0])
        if tool is None:
            raise BackupError(
                f"{self.argv[0]} is not installed here (Debian: apt-get install postgresql-client)"
                f"; run it where it is:\n  {self.shown()}"
            )
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        done = subprocess.run(  # our own argv, no shell
            [tool, *self.argv[1:]], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise BackupError(f"{self.argv[0]} failed: {said[-1] if said else done.returncode}")
        return done.stdout


def pg_dump(url: str, target: Path) -> PgCommand:
    """`pg_dump` of the database at `url` into one custom-format file."""
    libpq, password = _libpq(url)
    argv = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
    return PgCommand([*argv, f"--file={target}", f"--dbname={libpq}"], password)


def pg_restore(url: str, dump: Path) -> PgCommand:
    """`pg_restore` of a dump into the (empty) database at `url`, all or nothing."""
    libpq, password = _libpq(url)
    argv = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    return PgCommand([*argv, "--single-transaction", f"--dbname={libpq}", str(dump)], password)


def pg_list(dump: Path) -> PgCommand:
    """`pg_restore --list`: reads a dump's table of contents without a database."""
    return PgCommand(["pg_restore", "--list", str(dump)], None)


def check_pg_dump(dump: Path) -> Copy:
    """Check a dump is readable and holds the tickets table; return what it holds."""
    if not dump.is_file():
        raise BackupError(f"no file at {dump}")
    contents = pg_list(dump).run()
    if " TABLE DATA public tickets " not in contents:
        raise BackupError(f"{dump} holds no tickets table: not a Loudao database dump")
    revision = "in the dump" if " TABLE DATA public alembic_version " in contents else ""
    return Copy(dump, dump.stat().st_size, revision, None)


def _libpq(url: str) -> tuple[str, str | None]:
    """The URL as libpq reads it (no +asyncpg driver, no password) and the password apart."""
    parsed: URL = make_url(url)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), parsed.password


def _quote(arg: str) -> str:
    return arg if all(c.isalnum() or c in "-_=./:@+" for c in arg) else repr(arg)

"""`loudao db …`: migrations (`upgrade`, `current`, the policy's one tool) and copies of the
database (`backup`, `restore`, `check`) – see README "Backup and restore"."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `db` and its actions."""
    p = add_parser("db", help="database migrations, backup and restore")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="migrate the database to the newest revision").set_defaults(
        func=db
    )
    actions.add_parser("current", help="print the database's revision").set_defaults(func=db)
    backup = actions.add_parser(
        "backup",
        help="copy the database while the bot runs (SQLite: online backup; PostgreSQL: pg_dump)",
    )
    backup.add_argument(
        "path", help="file to write, or a folder (ends with /: a file named for the time, UTC)"
    )
    backup.set_defaults(func=backup_command)
    restore = actions.add_parser(
        "restore",
        help="put a backup in place of LOUDAO_DATABASE_URL's database (stop the bot first)",
    )
    restore.add_argument("path", type=Path, help="a file `loudao db backup` wrote")
    restore.add_argument(
        "--previous",
        metavar="URL",
        help="the database this one replaces (PostgreSQL; on SQLite the file restored over): "
        "ticket numbers it gave out after the backup are not given again",
    )
    restore.set_defaults(func=restore_command)
    check = actions.add_parser("check", help="check a backup file is whole; say what it holds")
    check.add_argument("path", type=Path)
    check.set_defaults(func=check_command)


def db(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the database to the newest revision (`upgrade`), then print its revision."""
    return asyncio.run(_db(settings, upgrade=args.action == "upgrade"))


async def _db(settings: Settings, *, upgrade: bool) -> int:
    from bot.bootstrap import open_database

    # Opened as it is: `db upgrade` is how a PostgreSQL database gets migrated at all.
    async with open_database(settings, policy=False) as database:
        if upgrade:
            await database.upgrade()
        heads = ", ".join(sorted(await database.revisions())) or "(empty)"
    print(f"database at revision {heads}")
    return 0


def backup_command(args: argparse.Namespace, settings: Settings) -> int:
    """Write a backup of the configured database; safe while the bot runs."""
    from storage import backup as b

    url, now = settings.database_url, datetime.now(UTC)
    try:
        if b.is_sqlite(url):
            target = b.backup_target(args.path, now, ".sqlite3")
            copy = b.backup_sqlite(b.sqlite_file(url), target)
        else:
            target = b.backup_target(args.path, now, ".dump")
            command = b.pg_dump(url, target)
            print(f"running: {command.shown()}")
            command.run()
            copy = b.check_pg_dump(target)
    except b.BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"backup written: {copy.describe()}")
    return 0


def restore_command(args: argparse.Namespace, settings: Settings) -> int:
    """Put a backup in place of the configured database (the bot stopped)."""
    from storage import backup as b

    url = settings.database_url
    previous = _previous(args.previous, url)
    try:
        shown = asyncio.run(_shown(previous))
        if b.is_sqlite(url):
            copy, kept = b.restore_sqlite(args.path, b.sqlite_file(url), datetime.now(UTC))
            if kept is not None:
                print(f"the database as it was is kept as {kept}")
            print(f"restored: {copy.describe()}")
            _numbering(url, shown)
            print("start the bot: it migrates the file if the backup is from an older version")
            return 0
        return asyncio.run(_restore_postgres(settings, args.path, shown))
    except b.BackupError as exc:
        print(exc, file=sys.stderr)
        return 1


def _previous(given: str | None, url: str) -> str | None:
    """The database being replaced: named, or the SQLite file the backup is restored over."""
    from storage import backup as b

    if given is not None:
        return Settings(database_url=given).database_url
    if b.is_sqlite(url) and b.sqlite_file(url).is_file():
        return url
    return None


async def _shown(previous: str | None) -> dict[str, int]:
    from storage.restored import last_numbers

    return {} if previous is None else await last_numbers(previous)


def _numbering(url: str, shown: dict[str, int]) -> None:
    """Numbers given out after the backup are not given again: say so, and move on past them."""
    from storage.restored import after_restore

    for gap in asyncio.run(after_restore(url, shown)):
        print(gap.describe())


async def _restore_postgres(settings: Settings, dump: Path, shown: dict[str, int]) -> int:
    from bot.bootstrap import open_database
    from storage import backup as b
    from storage.restored import after_restore

    b.check_pg_dump(dump)
    async with open_database(settings, policy=False) as database:
        if await database.revisions():
            raise b.BackupError(
                "the database LOUDAO_DATABASE_URL names is not empty: restore into a new one "
                "(createdb loudao_restored), then point LOUDAO_DATABASE_URL at it"
            )
    command = b.pg_restore(settings.database_url, dump)
    print(f"running: {command.shown()}")
    command.run()
    for gap in await after_restore(settings.database_url, shown):
        print(gap.describe())
    if not shown:
        print(
            "note: tickets opened after this backup was taken will have their numbers given "
            "again; restore with --previous URL (the database this one replaces) to prevent it"
        )
    async with open_database(settings, policy=False) as database:
        heads = ", ".join(sorted(await database.revisions())) or "(empty)"
        current = await database.is_up_to_date()
    print(f"restored {dump}: database at revision {heads}")
    print("start the bot" if current else "run `loudao db upgrade`, then start the bot")
    return 0


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    """Check that a backup file is whole and say what it holds."""
    from storage import backup as b

    try:
        copy = b.check_backup(args.path)
    except b.BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"backup is whole: {copy.describe()}")
    return 0

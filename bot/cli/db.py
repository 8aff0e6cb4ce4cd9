"""`loudao db upgrade` / `loudao db current`: the database migrations, the policy's one tool."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `db`."""
    p = add_parser("db", help="database migrations")
    p.add_argument("action", choices=["upgrade", "current"])
    p.set_defaults(func=db)


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

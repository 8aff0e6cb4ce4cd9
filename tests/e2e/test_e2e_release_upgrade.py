"""A database made by an earlier release upgrades to this one and keeps working: its tickets
are there, numbering continues after them, and a new report is handled as usual.

The release's own migrations (tests/data/releases/fc69ad9, kept verbatim) make the database and
rows are written in its schema; then this version starts on it – on SQLite start-up migrates,
on PostgreSQL `loudao db upgrade` does first, as the README says to deploy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import open_database
from bot.config import Settings
from tests.databases import backends, fresh_postgres
from tests.e2e.world import ADMIN, World
from tests.releases import OLD_TICKETS, build_release_database

pytestmark = pytest.mark.e2e


@pytest.fixture(params=backends())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database as release fc69ad9 left it, with its tickets."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'loudao.sqlite3'}"
        await build_release_database(url)
        yield url
        return
    async with fresh_postgres() as url:
        await build_release_database(url)
        async with open_database(Settings(database_url=url), policy=False) as db:
            await db.upgrade()  # `loudao db upgrade`
        yield url


async def test_a_database_of_release_fc69ad9_upgrades_and_numbering_continues(
    world: World,
) -> None:
    said = await world.say(ADMIN, ADMIN, "/ticket A-0002")
    await world.bot_says(ADMIN, "#A-0002", after=said)
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 3号楼1单元电梯坏了")
    await world.bot_says(world.group("3"), f"工单 #A-{OLD_TICKETS + 1:04d}", after=said)

"""End-to-end fixtures: the sandbox Bot API server and the real Loudao app on loopback."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import LoudaoApp
from bot.bootstrap import open_database
from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.databases import backends, fresh_postgres
from tests.e2e.sandbox_fixtures import ptb_bot, sandbox, sandbox_server  # noqa: F401
from tests.e2e.world import DEMO, World


def app_settings(base_url: str, database_url: str, **extra: Any) -> Settings:
    """Settings for a Loudao app talking to the sandbox at `base_url`, on `database_url`."""
    values: dict[str, Any] = {
        "bot_token": SANDBOX_TOKEN,
        "bot_api_base_url": f"{base_url}/bot",
        "bot_api_file_url": f"{base_url}/file/bot",
        "database_url": database_url,
        "community_file": DEMO,
        "poll_timeout": 1,
        "http_port": 0,
        "tick_seconds": 300,
        # generated files (exports) go to a folder of their own, never into the checkout
        "files_dir": Path(tempfile.mkdtemp(prefix="loudao-files-")),
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture(params=backends())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The app's database: a SQLite file (migrated at start-up), or a fresh PostgreSQL database
    migrated beforehand, as `loudao db upgrade` does before a PostgreSQL deployment starts."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'loudao.sqlite3'}"
        return
    async with fresh_postgres() as url:
        async with open_database(Settings(database_url=url), policy=False) as db:
            await db.upgrade()
        yield url


@pytest.fixture
def clock() -> Clock:
    return SystemClock()


@pytest.fixture
async def world(database_url: str, clock: Clock) -> AsyncIterator[World]:
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    app = LoudaoApp(app_settings(base_url, database_url), clock)
    await app.start()
    client = SandboxClient(base_url)
    try:
        yield World(server, app, client, residents_of(registry))
    finally:
        await client.close()
        await app.stop()
        await server.stop()

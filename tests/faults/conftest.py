"""The fault suite's stage per database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set
(the same choice as tests/e2e). `pytest -m faults` runs the suite on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.bootstrap import open_database
from bot.config import Settings
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.fault_proxy import FaultProxy
from sandbox.server import SandboxServer
from sandbox.tcp_proxy import TcpProxy
from tests.databases import backends, fresh_postgres
from tests.e2e.world import DEMO
from tests.faults.harness import Stage


@pytest.fixture(params=backends())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A SQLite file (the bot migrates it at start-up), or a fresh PostgreSQL database migrated
    beforehand, as `loudao db upgrade` does before a PostgreSQL deployment starts."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'loudao.sqlite3'}"
        return
    async with fresh_postgres() as url:
        async with open_database(Settings(database_url=url), policy=False) as db:
            await db.upgrade()
        yield url


@pytest.fixture
async def db_proxy(database_url: str) -> AsyncIterator[TcpProxy | None]:
    """A cuttable TCP proxy in front of PostgreSQL (None on SQLite: a lock stands in there)."""
    if database_url.startswith("sqlite"):
        yield None
        return
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


@pytest.fixture
async def stage(
    database_url: str, db_proxy: TcpProxy | None, tmp_path: Path
) -> AsyncIterator[Stage]:
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    sandbox_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    faults = FaultProxy(sandbox_url)
    faults_url = await faults.start()
    network = TcpProxy("127.0.0.1", int(faults_url.rsplit(":", 1)[1]))
    await network.start()
    bot_url = database_url
    if db_proxy is not None:
        parts = urlsplit(database_url)
        bot_url = database_url.replace(
            f"{parts.hostname}:{parts.port}", f"127.0.0.1:{db_proxy.port}", 1
        )
    client = SandboxClient(sandbox_url)
    async with open_database(Settings(database_url=database_url), policy=False) as db:
        the_stage = Stage(
            server,
            client,
            faults,
            network,
            database_url,
            bot_url,
            tmp_path,
            residents_of(registry),
            db,
        )
        try:
            yield the_stage
        finally:
            await the_stage.close()
            await client.close()
            await network.stop()
            await faults.stop()
            await server.stop()

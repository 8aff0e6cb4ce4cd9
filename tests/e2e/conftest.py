"""End-to-end fixtures: the sandbox Bot API server and the real Loudao app on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import LoudaoApp
from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.sandbox_fixtures import ptb_bot, sandbox, sandbox_server  # noqa: F401
from tests.e2e.world import DEMO, World


def app_settings(base_url: str, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": SANDBOX_TOKEN,
        "bot_api_base_url": f"{base_url}/bot",
        "bot_api_file_url": f"{base_url}/file/bot",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'loudao.sqlite3'}",
        "community_file": DEMO,
        "poll_timeout": 1,
        "tick_seconds": 300,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def clock() -> Clock:
    return SystemClock()


@pytest.fixture
async def world(tmp_path: Path, clock: Clock) -> AsyncIterator[World]:
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    app = LoudaoApp(app_settings(base_url, tmp_path), clock)
    await app.start()
    client = SandboxClient(base_url)
    try:
        yield World(server, app, client, residents_of(registry))
    finally:
        await client.close()
        await app.stop()
        await server.stop()

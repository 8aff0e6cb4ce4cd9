"""Webhook mode: the sandbox pushes updates; only requests with our secret are stored."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import LoudaoApp
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.world import DEMO, World

pytestmark = pytest.mark.e2e
SECRET = "test-secret-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def webhook_world(database_url: str) -> AsyncIterator[tuple[World, int]]:
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    port = free_port()
    settings = app_settings(
        base_url,
        database_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    app = LoudaoApp(settings)
    await app.start()
    client = SandboxClient(base_url)
    try:
        yield World(server, app, client, residents_of(registry)), port
    finally:
        await client.close()
        await app.stop()
        await server.stop()


async def test_pushed_updates_are_handled(webhook_world: tuple[World, int]) -> None:
    world, _ = webhook_world
    said = await world.say(world.resident("3"), world.group("3"), "@loudao_bot 3号楼电梯坏了")
    reply = await world.bot_says(world.group("3"), "工单 #A-", after=said)
    assert "电梯" in reply["text"]


async def test_a_request_without_the_secret_is_refused_and_not_stored(
    webhook_world: tuple[World, int],
) -> None:
    world, port = webhook_world
    fake = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(
                f"http://127.0.0.1:{port}/telegram", json=fake, headers=headers
            ) as r:
                assert r.status == 403
    assert [u.update_id for u in await world.app.inbox.pending()] == []
    async with world.app.uow() as tx:
        assert await tx.inbox.record(999_999, fake, world.app.clock.now())  # was never stored

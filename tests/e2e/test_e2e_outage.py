"""The database goes away during traffic (PostgreSQL behind a proxy that is cut): the bot says
so once per loop, /healthz turns 503 with the reason, and once the database is back every
report sent meanwhile becomes exactly one ticket with exactly one acknowledgement."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import LoudaoApp
from bot.bootstrap import open_database
from bot.config import Settings
from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from sandbox.tcp_proxy import TcpProxy
from storage.models_tickets import TicketRow
from tests.databases import fresh_postgres
from tests.e2e.conftest import app_settings
from tests.e2e.world import DEMO, World

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL"),
]
OUTAGE_SECONDS = 4.0  # benchmarks/outage.py measures a 30 s outage
REPORTS = [
    ("3", "@loudao_bot 3号楼2单元楼道灯不亮了"),
    ("5", "@loudao_bot 5号楼1单元电梯坏了，一直停在一楼"),
    ("6", "@loudao_bot 6号楼门口的垃圾两天没人收了"),
]


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[World, TcpProxy]]:
    async with fresh_postgres() as url:
        async with open_database(Settings(database_url=url), policy=False) as db:
            await db.upgrade()
        parts = urlsplit(url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        port = await proxy.start()
        via_proxy = url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{port}", 1)
        registry = read_registry(DEMO)
        server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
        base_url = await server.start("127.0.0.1", 0)
        seed_from_registry(server, registry)
        app = LoudaoApp(app_settings(base_url, via_proxy), FakeClock())
        await app.start()
        client = SandboxClient(base_url)
        try:
            yield World(server, app, client, residents_of(registry)), proxy
        finally:
            proxy.restore()
            await client.close()
            await app.stop()
            await server.stop()
            await proxy.stop()


async def health(world: World) -> tuple[int, dict[str, object]]:
    url = f"http://127.0.0.1:{world.app.http_port}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def acknowledgements(world: World, building: str, said: dict[str, object]) -> list[str]:
    """The status cards the bot posted in reply to one report."""
    messages = await world.bot_messages(world.group(building))
    return [
        m["text"]
        for m in messages
        if m.get("reply_to_message_id") == said["message_id"] and "状态：" in (m.get("text") or "")
    ]


async def test_reports_sent_while_the_database_is_away_become_one_ticket_each(
    proxied: tuple[World, TcpProxy], caplog: pytest.LogCaptureFixture
) -> None:
    world, proxy = proxied
    caplog.set_level(logging.WARNING)
    proxy.cut()
    sent = []
    for building, text in REPORTS:
        sent.append(
            (building, await world.say(world.resident(building), world.group(building), text))
        )
    status, body = await health(world)
    assert status == 503 and "database unreachable" in str(body["problems"])
    await asyncio.sleep(OUTAGE_SECONDS)
    status, _ = await health(world)
    assert status == 503

    proxy.restore()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:  # every report is acknowledged once the database answers again
        acks = [await acknowledgements(world, b, said) for b, said in sent]
        if all(acks) or loop.time() > deadline:
            break
        await asyncio.sleep(0.2)
    await world.settle()
    acks = [await acknowledgements(world, b, said) for b, said in sent]
    assert [len(a) for a in acks] == [1, 1, 1]
    async with world.app.uow() as tx:
        numbers = list(await tx.session.scalars(select(TicketRow.number)))
    assert sorted(numbers) == ["A-0001", "A-0002", "A-0003"]
    for _ in range(50):  # /healthz is well again once every loop had a good round
        status, body = await health(world)
        if status == 200:
            break
        await asyncio.sleep(0.2)
    assert status == 200, body

    # the outage was logged once per loop that met it, not once per round
    failing = [r for r in caplog.records if "failing" in r.getMessage()]
    by_loop = [r.getMessage().split(" failing")[0] for r in failing]
    assert len(by_loop) == len(set(by_loop)), by_loop
    unanswered = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(unanswered) == 1

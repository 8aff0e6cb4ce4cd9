"""Fixtures that start the sandbox on a free loopback port; import them into a conftest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram

from sandbox.client import SandboxClient
from sandbox.demo import building_chat_id, seed_demo
from sandbox.server import SandboxServer

BOT_TOKEN = "7000000001:SANDBOX-TOKEN"
BOT_USERNAME = "loudao_bot"
__all__ = ["BOT_TOKEN", "building_chat_id", "ptb_bot", "sandbox", "sandbox_server", "seed_demo"]


@pytest.fixture
async def sandbox_server() -> AsyncIterator[SandboxServer]:
    """A started sandbox with the demo community, on a free loopback port."""
    srv = SandboxServer(
        bot_token=BOT_TOKEN,
        bot_username=BOT_USERNAME,
        bot_name="楼道助手",
        rate_limits=True,
        privacy_mode=False,
    )
    await srv.start(host="127.0.0.1", port=0)
    seed_demo(srv)
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def sandbox(sandbox_server: SandboxServer) -> AsyncIterator[SandboxClient]:
    """A client acting as people in the sandbox: say, press, wait_for, messages."""
    client = SandboxClient(sandbox_server.base_url)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def ptb_bot(sandbox_server: SandboxServer) -> AsyncIterator[telegram.Bot]:
    """python-telegram-bot's own Bot, pointed at the sandbox."""
    url = sandbox_server.base_url
    bot = telegram.Bot(BOT_TOKEN, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot")
    async with bot:
        yield bot

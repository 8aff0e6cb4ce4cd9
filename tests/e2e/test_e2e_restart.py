"""Nothing lost: an update stored in the inbox but not handled before a crash is handled on restart."""

from __future__ import annotations

import time

import pytest

from bot.app import LoudaoApp
from bot.bootstrap import open_database
from bot.domain.clock import SystemClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, seed_from_registry
from bot.services.inbox import Inbox
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.world import DEMO, PLUMBER

pytestmark = pytest.mark.e2e


def start_command(update_id: int, user_id: int, name: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": name,
                "language_code": "zh-hans",
            },
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_an_update_stored_before_a_crash_is_handled_after_restart(database_url: str) -> None:
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, read_registry(DEMO))
    settings = app_settings(base_url, database_url)
    # The previous process stored the update, confirmed it to Telegram, and died before handling it.
    async with open_database(settings) as database:
        inbox = Inbox(database.uow, SystemClock())
        assert await inbox.record([(42, start_command(42, PLUMBER, "张师傅"))]) == [42]

    app = LoudaoApp(settings)
    await app.start()
    client = SandboxClient(base_url)
    try:
        reply = await client.wait_for(PLUMBER, lambda m: "张师傅" in (m.get("text") or ""))
        assert reply["from"]["is_bot"]
        assert await app.inbox.pending() == []
    finally:
        await client.close()
        await app.stop()
        await server.stop()

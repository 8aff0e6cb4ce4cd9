"""Two Loudao processes on one database (a rolling deploy, a mistaken second start): each update
is handled exactly once. On PostgreSQL both handle updates, claiming them with SKIP LOCKED; on
SQLite one consumes the inbox and the other waits, and says so in /healthz. Whichever loses
polling to Telegram's 409 backs off and keeps running."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import LoudaoApp
from bot.services.inbox import STANDBY
from storage.models_tickets import TicketRow
from tests.e2e.conftest import app_settings
from tests.e2e.world import JSON, World

pytestmark = pytest.mark.e2e
REPORTS = [
    "@loudao_bot 3号楼1单元楼道灯不亮了",
    "@loudao_bot 3号楼2单元电梯坏了，一直停在5楼",
    "@loudao_bot 3号楼3单元门禁刷不开",
    "@loudao_bot 3号楼1单元楼道里的垃圾好几天没人清了",
]


async def healthz(app: LoudaoApp) -> dict[str, object]:
    url = f"http://127.0.0.1:{app.http_port}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body: dict[str, object] = await response.json()
        return body


async def test_two_processes_on_one_database_handle_each_report_once(
    world: World, database_url: str
) -> None:
    second = LoudaoApp(app_settings(world.server.base_url, database_url), world.app.clock)
    await second.start()
    try:
        said: list[JSON] = []
        for i, text in enumerate(REPORTS):
            said.append(await world.say(world.resident("3", i % 3), world.group("3"), text))
            await asyncio.sleep(0.2)
        numbers = [f"工单 #A-{n:04d}" for n in range(1, len(REPORTS) + 1)]
        for number in numbers:
            await world.bot_says(world.group("3"), number, after=said[0], timeout=30)
        await world.settle()
        async with world.app.uow() as tx:
            count = await tx.session.scalar(select(func.count()).select_from(TicketRow))
        assert count == len(REPORTS)
        messages = await world.bot_messages(world.group("3"), said[0])
        for number in numbers:  # one acknowledgement each, no false apology
            assert sum(1 for m in messages if number in (m.get("text") or "")) == 1
        assert not [m for m in messages if "没有处理好" in (m.get("text") or "")]
        if database_url.startswith("sqlite"):
            waiting = [app for app in (world.app, second) if app.inbox.standby]
            assert len(waiting) == 1
            assert STANDBY in (await healthz(waiting[0]))["warnings"]  # type: ignore[operator]
    finally:
        await second.stop()

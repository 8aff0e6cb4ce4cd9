"""A chart and an export reach Telegram through the outbox: a real PNG of the right size and a
document with its name and bytes, once – also when the process that queued them died first."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from bot.app import LoudaoApp
from bot.bootstrap import open_database
from bot.domain.clock import SystemClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, seed_from_registry
from bot.services import outgoing, renders
from bot.services.ports import UnitOfWorkFactory
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.world import ADMIN, DEMO

pytestmark = pytest.mark.e2e
COMMUNITY_GROUP = -1001000
EXPORT = "exports/A/tickets-2026-11.xlsx"
CONTENT = b"PK\x03\x04" + "工单导出".encode() * 4000  # stands in for the exporter's XLSX
WEEK = [("3号楼", 12.0), ("5号楼", 7.0), ("电梯", 3.0)]


async def queue_figures(uow: UnitOfWorkFactory, files_dir: Path, key: str) -> None:
    """What /stats and /export will do: queue the chart and the export in one transaction."""
    renders.stored_path(files_dir, EXPORT, make_folders=True).write_bytes(CONTENT)
    now = SystemClock().now()
    async with uow() as tx:
        await outgoing.send_photo(
            tx,
            COMMUNITY_GROUP,
            renders.bar_chart("本周报修（件）", WEEK, unit="件", compare=[9, 8, 5]),
            now,
            f"{key}:chart",
            purpose="stats",
            caption="<b>本周</b>：报修 22 件",
        )
        await outgoing.send_document(
            tx,
            ADMIN,
            renders.stored_file(EXPORT, "工单-2026-11.xlsx"),
            now,
            f"{key}:export",
            purpose="export",
            caption="11月工单导出",
        )
        await tx.commit()


async def download(client: SandboxClient, url: str) -> bytes:
    async with aiohttp.ClientSession() as http, http.get(f"{client.base_url}{url}") as response:
        assert response.status == 200
        return await response.read()


async def test_a_chart_and_an_export_queued_before_a_crash_arrive_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, read_registry(DEMO))
    files_dir = tmp_path / "files"
    settings = app_settings(base_url, database_url, files_dir=files_dir)
    client = SandboxClient(base_url)
    # the process that queued them died before its sender got to them
    async with open_database(settings) as database:
        await queue_figures(database.uow, files_dir, "stats:1")
    try:
        app = LoudaoApp(settings)
        await app.start()
        try:
            chart = await client.wait_for(COMMUNITY_GROUP, lambda m: bool(m.get("photo_url")))
            export = await client.wait_for(ADMIN, lambda m: bool(m.get("document")))
            await queue_figures(app.uow, files_dir, "stats:1")  # asked again: nothing new
            app.sender.wake()
            await app.sender.run_until_idle()
        finally:
            await app.stop()
        again = LoudaoApp(settings)  # and one more restart sends nothing twice
        await again.start()
        try:
            await again.sender.run_until_idle()
        finally:
            await again.stop()

        picture = Image.open(io.BytesIO(await download(client, chart["photo_url"])))
        assert picture.format == "PNG" and picture.size == (900, 500)
        picture.load()  # the whole image decodes
        assert chart["caption"] == "本周：报修 22 件"
        assert export["document"]["file_name"] == "工单-2026-11.xlsx"
        assert export["document"]["file_size"] == len(CONTENT)
        assert await download(client, export["document"]["url"]) == CONTENT
        assert export["caption"] == "11月工单导出"
        photos = [m for m in await client.messages(COMMUNITY_GROUP) if m.get("photo_url")]
        documents = [m for m in await client.messages(ADMIN) if m.get("document")]
        assert len(photos) == 1 and len(documents) == 1
        assert server.stats["calls.sendPhoto"] == 1 and server.stats["calls.sendDocument"] == 1
    finally:
        await client.close()
        await server.stop()


async def test_a_chart_queued_while_the_bot_runs_is_sent_at_once(
    database_url: str, tmp_path: Path
) -> None:
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, read_registry(DEMO))
    app = LoudaoApp(app_settings(base_url, database_url, files_dir=tmp_path))
    await app.start()
    client = SandboxClient(base_url)
    try:
        async with app.uow() as tx:
            await outgoing.send_photo(
                tx,
                COMMUNITY_GROUP,
                renders.bar_chart("上月报修", []),
                app.clock.now(),
                "stats:empty",
                purpose="stats",
            )
            await tx.commit()
        app.sender.wake()  # as a handler's service does after its commit
        chart = await client.wait_for(COMMUNITY_GROUP, lambda m: bool(m.get("photo_url")))
        picture = Image.open(io.BytesIO(await download(client, chart["photo_url"])))
        assert picture.size == (900, 500)
        assert chart["caption"] is None
    finally:
        await client.close()
        await app.stop()
        await server.stop()

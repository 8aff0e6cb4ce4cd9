"""Screenshots of every desk page, for review: the demo community with a few reports (two of
them late), the supervisor signed in with the link /desk sends, Chromium on a laptop and a
phone. Not a benchmark: it writes PNGs.

    python benchmarks/desk_screenshots.py [folder]   # default: desk-screenshots/
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.test_sandbox_browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.world import ADMIN, DEMO, SUPERVISOR, World

MONDAY_0900 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Shanghai
REPORTS = [
    ("3", "@loudao_bot 3号楼2单元楼道灯坏了，晚上很黑"),
    ("5", "@loudao_bot 5栋电梯坏了，卡在6楼"),
    ("3", "@loudao_bot 3号楼1单元楼下下水道堵了，有味道"),
    ("1", "@loudao_bot 1号楼门禁刷不开"),
]
SIZES = {"laptop": (1280, 860), "phone": (390, 844)}


async def desk_link(world: World, user: int) -> str:
    asked = await world.say(user, user, "/desk")
    answer = await world.bot_says(user, "登录链接", after=asked)
    found = re.search(r"http://\S+/desk/signin/\S+", answer["text"])
    assert found, answer["text"]
    return found.group(0)


async def ready(page: Any) -> None:
    """Wait until the page and its fonts are there (the Chinese font may be fetched)."""
    await page.wait_for_load_state("networkidle")
    await page.evaluate("document.fonts.ready.then(() => true)")
    await page.wait_for_timeout(300)


async def shoot(world: World, folder: Path, user: int, prefix: str) -> None:
    from playwright.async_api import async_playwright

    desk = f"http://127.0.0.1:{world.app.http_port}/desk"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            for size, (width, height) in SIZES.items():
                context = await browser.new_context(
                    locale="zh-CN", viewport={"width": width, "height": height}
                )
                page = await context.new_page()
                await page.goto(f"{desk}/tickets")
                await ready(page)  # the Chinese font, if fetched (a browser without one)
                await page.screenshot(path=folder / f"{prefix}signin-{size}.png", full_page=True)
                await page.goto(await desk_link(world, user))
                await ready(page)
                await page.screenshot(path=folder / f"{prefix}enter-{size}.png", full_page=True)
                await page.locator("#enter button").click()
                for name, path in (
                    ("overview", "/"),
                    ("tickets", "/tickets"),
                    ("tickets-overdue", "/tickets?overdue=1"),
                    ("ticket", "/tickets/A-0002"),
                ):
                    await page.goto(desk + path)
                    await ready(page)
                    await page.screenshot(
                        path=folder / f"{prefix}{name}-{size}.png", full_page=True
                    )
                await context.close()
        finally:
            await browser.close()


async def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    clock = FakeClock(MONDAY_0900)
    with tempfile.TemporaryDirectory() as tmp:
        settings = app_settings(base_url, f"sqlite+aiosqlite:///{tmp}/desk.sqlite3")
        app = LoudaoApp(settings, clock)
        await app.start()
        client = SandboxClient(base_url)
        world = World(server, app, client, residents_of(registry))
        try:
            for building, text in REPORTS:
                await world.say(world.resident(building), world.group(building), text)
                await world.settle()
                clock.advance(hours=5)  # the earlier ones are late by the end
            await app.tick()
            await world.settle()
            await shoot(world, folder, SUPERVISOR, "")
            await shoot(world, folder, ADMIN, "admin-")
        finally:
            await client.close()
            await app.stop()
            await server.stop()
    for path in sorted(folder.glob("*.png")):
        print(path)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "desk-screenshots")))

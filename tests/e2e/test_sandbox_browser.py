"""The chat page in a real Chromium: a resident writes, a tiny bot answers with a button."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.sandbox_fixtures import BOT_TOKEN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUILDING_3 = -1001003
RESIDENT = 201

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"{CHROMIUM} is missing (apt-get install chromium) – browser test skipped",
    ),
]


async def echo_bot(base_url: str) -> None:
    """A minimal bot: long-polls getUpdates, answers texts with a button, presses with a toast."""
    api = f"{base_url}/bot{BOT_TOKEN}"
    offset = 0
    async with aiohttp.ClientSession() as http:
        while True:
            async with http.post(
                f"{api}/getUpdates", json={"offset": offset, "timeout": 10}
            ) as response:
                updates = (await response.json())["result"]
            for update in updates:
                offset = update["update_id"] + 1
                if "message" in update and update["message"].get("text"):
                    message = update["message"]
                    await http.post(
                        f"{api}/sendMessage",
                        json={
                            "chat_id": message["chat"]["id"],
                            "text": f"<b>已收到</b>：{message['text']}",
                            "parse_mode": "HTML",
                            "reply_parameters": {"message_id": message["message_id"]},
                            "reply_markup": {
                                "inline_keyboard": [[{"text": "确认", "callback_data": "ok"}]]
                            },
                        },
                    )
                elif "callback_query" in update:
                    await http.post(
                        f"{api}/answerCallbackQuery",
                        json={"callback_query_id": update["callback_query"]["id"], "text": "谢谢"},
                    )


@pytest.fixture
async def running_echo_bot(sandbox_server: SandboxServer) -> AsyncIterator[None]:
    task = asyncio.create_task(echo_bot(sandbox_server.base_url))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.usefixtures("running_echo_bot")
async def test_a_resident_chats_with_the_bot_in_the_page(
    sandbox_server: SandboxServer, sandbox: SandboxClient
) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{sandbox_server.base_url}/?as={RESIDENT}&chat={BUILDING_3}")
            await expect(page.locator("#chat-title")).to_have_text("阳光花园3号楼业主群")
            await expect(page.locator("#persona")).to_have_value(str(RESIDENT))
            await expect(page.locator("#chat-list .chat-item")).to_have_count(
                3
            )  # building 3, whole community, private

            # @-mention autocomplete offers the bot.
            box = page.locator("#composer-input")
            await box.fill("")
            await box.press_sequentially("@lou")
            await expect(page.locator("#mention-box .mention-item").first).to_contain_text(
                "@loudao_bot"
            )
            await box.press("Enter")
            await expect(box).to_have_value("@loudao_bot ")
            await box.press_sequentially("我家厨房漏水了")
            await page.locator("#send-btn").click()

            reply = page.locator(".msg.bot .bubble", has_text="已收到")
            await expect(reply).to_contain_text("@loudao_bot 我家厨房漏水了", timeout=10_000)
            await expect(reply.locator("b")).to_have_text("已收到")

            await page.locator(".msg.bot .kb-btn", has_text="确认").click()
            await expect(page.locator("#toast")).to_have_text("谢谢")
        finally:
            await browser.close()

    said = await sandbox.messages(BUILDING_3)
    assert said[0]["from"]["id"] == RESIDENT
    assert said[0]["entities"] == [{"type": "mention", "offset": 0, "length": 11}]
    assert said[1]["from"]["is_bot"] and said[1]["reply_to_message_id"] == said[0]["message_id"]


async def test_the_page_shows_a_photo_and_a_document_the_bot_sent(
    sandbox_server: SandboxServer,
) -> None:
    from playwright.async_api import async_playwright, expect

    from tests.e2e.test_sandbox_botapi import tiny_png

    api = f"{sandbox_server.base_url}/bot{BOT_TOKEN}"
    async with aiohttp.ClientSession() as http:
        for method, field, data, name in (
            ("sendPhoto", "photo", tiny_png(90, 50), "chart.png"),
            ("sendDocument", "document", b"code,state\n", "工单导出.csv"),
        ):
            form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names, as httpx sends
            form.add_field("chat_id", str(BUILDING_3))
            form.add_field(field, data, filename=name)
            async with http.post(f"{api}/{method}", data=form) as response:
                assert response.status == 200, await response.text()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{sandbox_server.base_url}/?as={RESIDENT}&chat={BUILDING_3}")
            picture = page.locator(".msg.bot .bubble img")
            await expect(picture).to_have_count(1)
            assert await picture.evaluate("img => img.complete && img.naturalWidth") == 90
            document = page.locator(".msg.bot .bubble a.document")
            await expect(document).to_contain_text("工单导出.csv")
            await expect(document).to_contain_text("11 B")
            href = await document.get_attribute("href")
            assert href is not None and href.startswith("/sandbox/files/")
        finally:
            await browser.close()

"""The manager's desk in a real Chromium, against the real Application and the sandbox: the
supervisor signs in with the link /desk sends, sees the overview, opens a ticket's history,
reassigns it and the group's card changes; no session and a resident's /desk get nowhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain.clock import FakeClock
from storage.models import AuditEvent
from tests.e2e.test_e2e_tickets import card_of, edited
from tests.e2e.test_sandbox_browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.world import ADMIN, ELECTRICIAN, PLUMBER, SUPERVISOR, World

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(
        not __import__("os").path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing"
    ),
]
TUESDAY_1000 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Shanghai: the electrician is on
LIGHT = "@loudao_bot 3号楼2单元楼道灯坏了，晚上很黑"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/desk/signin/[A-Za-z0-9_-]+)")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_1000)


async def desk_link(world: World, user: int) -> str:
    asked = await world.say(user, user, "/desk")
    answer = await world.bot_says(user, "登录链接", after=asked)
    found = LINK.search(answer["text"])
    assert found, answer["text"]
    return found.group(1)


def desk(world: World) -> str:
    return f"http://127.0.0.1:{world.app.http_port}/desk"


async def test_a_supervisor_signs_in_sees_the_overview_and_reassigns_a_ticket(
    world: World,
) -> None:
    from playwright.async_api import async_playwright, expect

    group = world.group("3")
    said = await world.say(world.resident("3"), group, LIGHT)
    card = await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    link = await desk_link(world, SUPERVISOR)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.goto(link)  # opening it spends nothing: a link preview could have
            await page.locator("#enter button").click()
            assert page.url == desk(world) + "/"
            await expect(page.locator("h1")).to_have_text("本周概览")
            await expect(page.locator("#figures")).to_contain_text("新报 1 件")
            await expect(page.locator("header .who")).to_have_text("李经理")
            chart = page.locator("img.chart")
            await expect(chart).to_be_visible()
            assert await chart.evaluate("img => img.complete && img.naturalWidth") == 900
            cookie = next(c for c in await page.context.cookies() if c["name"] == "loudao_desk")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

            await page.locator("nav a", has_text="工单").click()
            await expect(page.locator("#tickets")).to_contain_text("A-0001")
            await page.locator("#tickets a", has_text="A-0001").click()
            await expect(page.locator("#ticket-title")).to_contain_text("A-0001")
            await expect(page.locator("#assignee")).to_have_text("刘师傅")
            await expect(page.locator("#timeline")).to_contain_text("登记")
            await expect(page.locator("#timeline")).to_contain_text("派单")
            await expect(page.locator("#promises")).to_contain_text("未到期")
            assert await page.locator("#room").count() == 0  # a supervisor sees no room

            await page.locator("#reassign select").select_option(label="张师傅")
            await page.locator("#reassign button").click()
            await expect(page.locator("#done")).to_contain_text("张师傅")
            await expect(page.locator("#assignee")).to_have_text("张师傅")
            await expect(page.locator("#timeline")).to_contain_text("转派")

            # the group's card, in the sandbox's chat page, says who has the ticket now
            chat = await browser.new_page(locale="zh-CN")
            await chat.goto(f"{world.server.base_url}/?as={SUPERVISOR}&chat={group}")
            group_card = chat.locator(".msg.bot .bubble", has_text="工单 #A-0001")
            await expect(group_card.first).to_contain_text("张师傅", timeout=10_000)
            await chat.close()

            await page.goto(link)  # the link works once
            await expect(page.locator("#signin-notice")).to_contain_text("已经用过")

            await page.goto(desk(world) + "/")
            await page.locator("form.signout button").click()
            await expect(page.locator("#signin-notice")).to_contain_text("已退出")
            await page.goto(desk(world) + "/tickets")
            await expect(page.locator("#signin-title")).to_have_text("请先登录")
        finally:
            await browser.close()

    await edited(world, card, "张师傅")  # the group's card says who has it now
    await world.bot_says(PLUMBER, "#A-0001")  # and 张师傅 got the private card
    await edited(world, private, "已转给 张师傅")  # the electrician's card no longer stands
    async with world.app.uow() as tx:
        rows = await tx.session.execute(
            select(AuditEvent.actor_telegram_id).where(AuditEvent.action == "ticket.reassign")
        )
        assert [actor for (actor,) in rows] == [SUPERVISOR]  # the desk user did it


async def test_without_a_session_the_desk_asks_to_sign_in_and_a_resident_gets_no_link(
    world: World,
) -> None:
    from playwright.async_api import async_playwright, expect

    resident = world.resident("3")
    asked = await world.say(resident, resident, "/desk")
    answer = await world.bot_says(resident, "工作台", after=asked)
    assert "只给物业主管和管理员" in answer["text"] and "/desk/signin/" not in answer["text"]
    asked = await world.say(ELECTRICIAN, ELECTRICIAN, "/desk")
    answer = await world.bot_says(ELECTRICIAN, "工作台", after=asked)
    assert "/desk/signin/" not in answer["text"]

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.goto(desk(world) + "/tickets/A-0001")
            assert page.url == desk(world) + "/signin"
            await expect(page.locator("#signin-title")).to_have_text("请先登录")
            await expect(page.locator("main")).to_contain_text("/desk")
        finally:
            await browser.close()


async def test_an_admin_sees_room_and_phone_and_the_view_is_audited(world: World) -> None:
    from playwright.async_api import async_playwright, expect

    said = await world.say(world.resident("3"), world.group("3"), LIGHT)
    await card_of(world, world.group("3"), said)
    link = await desk_link(world, ADMIN)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.goto(link)
            await page.locator("#enter button").click()
            await page.goto(desk(world) + "/tickets/A-0001")
            await expect(page.locator("#room")).to_be_visible()
        finally:
            await browser.close()
    async with world.app.uow() as tx:
        assert await tx.audit.count("desk.personal_viewed") == 1

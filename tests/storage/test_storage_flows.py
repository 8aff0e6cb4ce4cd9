"""The guided /notice and /report flows on a real database: drafts a running deployment stored
before an upgrade are continued, and the screens the e2e tests do not walk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.notices.records import DraftRecord
from bot.domain.records import ButtonSpec, CommunityInfo
from bot.domain.tickets import Draft
from bot.notice_files import load_templates
from bot.registry_file import read_registry
from bot.services.buttons import Buttons, Pressed
from bot.services.duty.routing import RosterRouter
from bot.services.notices.flow import NoticeFlow
from bot.services.notices.service import NoticeService
from bot.services.registry import load_registry
from bot.services.tickets.core import TicketEnv
from bot.services.tickets.desk import TicketDesk
from storage.models import OutboxMessage
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import DEMO_COMMUNITY

ADMIN, PLUMBER, RESIDENT = 9001, 9003, 201
GROUP_3 = -1001003
JSON = dict[str, Any]


@pytest.fixture
async def community(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> CommunityInfo:
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai
    await load_registry(uow, read_registry(DEMO_COMMUNITY), clock)
    async with uow() as tx:
        found = await tx.registry.community_by_code("A")
    assert found is not None
    return found


async def said(engine: AsyncEngine, chat_id: int) -> list[tuple[str, JSON]]:
    """What the bot queued for one chat, oldest first: (method, payload)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(OutboxMessage.method, OutboxMessage.payload)
            .where(OutboxMessage.chat_id == chat_id)
            .order_by(OutboxMessage.id)
        )
        # a step's message losing its buttons once answered (the flow moved on) is not speech
        return [(r[0], r[1]) for r in rows if not (r[0] == "edit_buttons" and not r[1]["buttons"])]


async def last_buttons(engine: AsyncEngine, chat_id: int) -> JSON:
    """The latest message with buttons to the chat (a redraw counts)."""
    return next(p for _, p in reversed(await said(engine, chat_id)) if p.get("buttons"))


async def press(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, message: JSON, label: str, user: int
) -> Pressed:
    """Press the button whose label contains `label`, as Telegram would hand it over."""
    data = next(
        b["callback_data"] for row in message["buttons"] for b in row if label in b["text"]
    )
    return await Buttons(uow, clock).press(data, user)


async def old_button(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, spec: ButtonSpec, user: int
) -> Pressed:
    """A button stored by the previous release, pressed now."""
    async with uow() as tx:
        button_id = await tx.buttons.create(spec, clock.now())
        await tx.commit()
    return await Buttons(uow, clock).press(f"b:{button_id}", user)


async def old_notice_draft(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock, data: JSON, **kw: Any
) -> int:
    """Store a /notice draft exactly as the untyped flow wrote it; return its id."""
    async with uow() as tx:
        record, _ = await tx.notices.start_draft(community.id, ADMIN, 500, clock.now())
        await tx.notices.save_draft(
            DraftRecord(record.id, community.id, ADMIN, data, **kw), clock.now()
        )
        await tx.commit()
    return record.id


async def test_a_notice_draft_waiting_for_a_blank_goes_on_to_the_groups_and_is_sent(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    # after the template button the old flow had remembered the update twice
    stored = {"seen": [501, 501], "template": "fire_safety", "variables": {}}
    draft_id = await old_notice_draft(uow, community, clock, stored, awaiting="var:contact")
    flow = NoticeFlow(NoticeService(uow, clock, load_templates()))
    assert await flow.text(ADMIN, "物业服务中心 8888", 502)
    groups = await last_buttons(engine, ADMIN)
    assert "发给哪些群" in groups["text"]
    await flow.press(await press(uow, clock, groups, "3号楼", ADMIN), 1, 503)
    redrawn = await last_buttons(engine, ADMIN)
    assert "✅ 3号楼" in [b["text"] for row in redrawn["buttons"] for b in row]
    await flow.press(await press(uow, clock, redrawn, "下一步", ADMIN), 1, 504)
    when = await last_buttons(engine, ADMIN)
    assert "什么时候发" in when["text"]
    await flow.press(await press(uow, clock, when, "1 小时后", ADMIN), 1, 505)
    summary = await last_buttons(engine, ADMIN)
    assert "确认" in summary["text"]
    answer = await flow.press(await press(uow, clock, summary, "确认发送", ADMIN), 1, 506)
    assert answer
    async with uow() as tx:
        notice = await tx.notices.by_key(community.id, f"draft:{draft_id}")
        draft = await tx.notices.draft(draft_id)
    assert notice is not None and draft is not None and draft.status == "done"
    assert notice.template == "fire_safety"
    assert notice.variables == {"contact": "物业服务中心 8888"}
    assert notice.target == {"buildings": ["3"]}
    assert notice.schedule == {"at": "2026-12-01T11:00:00"}


async def test_an_old_confirm_button_sends_a_notice_drafted_before_the_upgrade(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    stored = {
        "seen": [501, 501, 502, 502, 503, 503, 504, 505],
        "template": None,
        "text": "明天上午停水",
        "target": {"buildings": ["3", "5"]},
        "pin": True,
        "schedule": {"at": "2026-12-01T18:00:00"},
    }
    draft_id = await old_notice_draft(uow, community, clock, stored)
    flow = NoticeFlow(NoticeService(uow, clock, load_templates()))
    confirm = ButtonSpec(
        kind="notice.flow.confirm",
        subject=f"draft:{draft_id}",
        payload={"draft": draft_id},
        allowed_user_ids=(ADMIN,),
        community_id=community.id,
        expires_at=clock.now() + timedelta(days=2),
    )
    pressed = await old_button(uow, clock, confirm, ADMIN)
    assert await flow.press(pressed, 1, 505) is None  # an update the old flow had handled
    assert await flow.press(pressed, 1, 506)
    async with uow() as tx:
        notice = await tx.notices.by_key(community.id, f"draft:{draft_id}")
    assert notice is not None
    assert (notice.template, notice.text, notice.pin) == (None, "明天上午停水", True)
    assert notice.target == {"buildings": ["3", "5"]}
    assert notice.schedule == {"at": "2026-12-01T18:00:00"}
    assert "好的，已安排" in (await said(engine, ADMIN))[-1][1]["text"]


async def old_report_draft(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock, step: str, data: JSON
) -> None:
    """Store a /report draft exactly as the untyped flow wrote it."""
    async with uow() as tx:
        expires = clock.now() + timedelta(minutes=30)
        await tx.tickets.save_draft(
            Draft(GROUP_3, RESIDENT, community.id, step, data, expires), clock.now()
        )
        await tx.commit()


async def test_a_report_draft_waiting_for_a_photo_is_confirmed_and_opens_the_ticket(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    stored = {
        "building": "3",
        "name": "陈大爷",
        "start": 700,
        "category": "lighting",
        "text": "2单元三楼的灯一闪一闪的",
        "message_id": 77,
    }
    await old_report_draft(uow, community, clock, "photo", stored)
    desk = TicketDesk(TicketEnv(uow, clock, RosterRouter(uow)))
    assert await desk.report.take(GROUP_3, RESIDENT, 78, 701, "", "photo-1")
    confirm = await last_buttons(engine, GROUP_3)
    assert "请确认" in confirm["text"] and "照片：1 张" in confirm["text"]
    pressed = await press(uow, clock, confirm, "确认提交", RESIDENT)
    answer = await desk.report.press(pressed, GROUP_3, 79, 702)
    assert "A-0001" in answer
    async with uow() as tx:
        ticket = await tx.tickets.by_source_key(f"rpt:{GROUP_3}:{RESIDENT}:700")
        left = await tx.tickets.draft(GROUP_3, RESIDENT, clock.now())
    assert ticket is not None and left is None
    assert (ticket.category, ticket.building, ticket.message_id) == ("lighting", "3", 77)
    assert ticket.text == "2单元三楼的灯一闪一闪的" and ticket.reporter_name == "陈大爷"


async def test_an_old_report_draft_takes_its_pending_step_and_ignores_earlier_buttons(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    await old_report_draft(uow, community, clock, "category", {"building": "3", "start": 710})
    desk = TicketDesk(TicketEnv(uow, clock, RosterRouter(uow)))
    assert not await desk.report.take(GROUP_3, RESIDENT, 80, 711, "灯坏了", None)
    building = ButtonSpec("ticket.flow", "", {"s": "building", "v": "5"}, (RESIDENT,))
    earlier = await old_button(uow, clock, building, RESIDENT)
    assert await desk.report.press(earlier, GROUP_3, 81, 712) == ""
    category = ButtonSpec("ticket.flow", "", {"s": "category", "v": "lighting"}, (RESIDENT,))
    await desk.report.press(await old_button(uow, clock, category, RESIDENT), GROUP_3, 81, 713)
    async with uow() as tx:
        draft = await tx.tickets.draft(GROUP_3, RESIDENT, clock.now())
    assert draft is not None and draft.step == "text"
    assert draft.data == {"building": "3", "start": 710, "category": "lighting"}
    assert "第3步" in (await said(engine, GROUP_3))[-1][1]["text"]


# -- screens the e2e tests do not walk -----------------------------------------------------------
async def reporting(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> TicketDesk:
    """A /report begun in building 3's group and past its category: it waits for words."""
    desk = TicketDesk(TicketEnv(uow, clock, RosterRouter(uow)))
    await desk.report.start(GROUP_3, False, RESIDENT, "陈大爷", 90, 800)
    category = ButtonSpec("ticket.flow", "", {"s": "category", "v": "lighting"}, (RESIDENT,))
    await desk.report.press(await old_button(uow, clock, category, RESIDENT), GROUP_3, 91, 801)
    return desk


async def test_a_report_without_words_is_asked_for_them_and_a_photo_with_them_skips_a_step(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    desk = await reporting(uow, clock)
    assert await desk.report.take(GROUP_3, RESIDENT, 92, 802, "  ", None)  # a sticker, say
    method, asked = (await said(engine, GROUP_3))[-1]
    assert (method, asked["text"], asked["reply_to_message_id"]) == (
        "send_message",
        "请直接发文字描述问题。",
        92,
    )
    assert not asked.get("buttons")  # no keyboard: [] and none are the same to the gateway
    assert await desk.report.take(GROUP_3, RESIDENT, 93, 803, " 灯不亮 ", "photo-1")
    confirm = await last_buttons(engine, GROUP_3)
    assert confirm["reply_to_message_id"] == 93
    assert "内容：灯不亮\n照片：1 张" in confirm["text"]
    labels = [[b["text"] for b in row] for row in confirm["buttons"]]
    assert labels == [["确认提交"], ["取消"]]
    assert not await desk.report.take(GROUP_3, RESIDENT, 94, 804, "还有一件事", None)
    async with uow() as tx:
        draft = await tx.tickets.draft(GROUP_3, RESIDENT, clock.now())
    assert draft is not None and draft.step == "confirm"
    assert draft.data == {
        "building": "3",
        "name": "陈大爷",
        "start": 800,
        "category": "lighting",
        "text": "灯不亮",
        "message_id": 93,
        "photos": ["photo-1"],
    }


async def test_at_the_photo_step_more_words_are_added_and_a_sticker_asks_again(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    desk = await reporting(uow, clock)
    assert await desk.report.take(GROUP_3, RESIDENT, 92, 802, "灯不亮", None)
    photo = await last_buttons(engine, GROUP_3)
    assert "第4步" in photo["text"]
    assert [[b["text"] for b in row] for row in photo["buttons"]] == [["不用照片"], ["取消"]]
    assert await desk.report.take(GROUP_3, RESIDENT, 93, 803, "", None)
    again = await last_buttons(engine, GROUP_3)
    assert "第4步" in again["text"] and again["reply_to_message_id"] == 93
    assert await desk.report.take(GROUP_3, RESIDENT, 94, 804, "三楼", None)
    confirm = await last_buttons(engine, GROUP_3)
    assert "内容：灯不亮 三楼\n照片：0 张" in confirm["text"]


async def test_a_report_button_after_the_draft_expired_says_so(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    desk = TicketDesk(TicketEnv(uow, clock, RosterRouter(uow)))
    await desk.report.start(RESIDENT, True, RESIDENT, "陈大爷", 90, 800)
    buildings = await last_buttons(engine, RESIDENT)
    assert "第1步" in buildings["text"]
    assert [len(row) for row in buildings["buttons"]] == [3, 3, 2, 1]
    pressed = await press(uow, clock, buildings, "5号楼", RESIDENT)
    clock.set(clock.now() + timedelta(hours=3))
    assert await desk.report.press(pressed, RESIDENT, 91, 801) == ""
    assert (await said(engine, RESIDENT))[-1] == (
        "edit_text",
        {"text": "这次填写已经超时，请重新发送 /report。", "message_id": 91},
    )


async def confirming(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> tuple[NoticeFlow, int]:
    """A free-text /notice to building 3 at its confirm step, as the untyped flow stored it."""
    stored = {"template": None, "text": "停水", "target": {"buildings": ["3"]}}
    draft_id = await old_notice_draft(
        uow, community, clock, {**stored, "schedule": {"at": "2026-12-01T18:00:00"}}
    )
    return NoticeFlow(NoticeService(uow, clock, load_templates())), draft_id


async def test_the_pin_redraws_the_confirm_buttons_and_cancel_ends_the_draft(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine, community: CommunityInfo, clock: FakeClock
) -> None:
    flow, draft_id = await confirming(uow, community, clock)
    spec = ButtonSpec(
        kind="notice.flow.pin",
        subject=f"draft:{draft_id}",
        payload={"draft": draft_id},
        allowed_user_ids=(ADMIN,),
        community_id=community.id,
    )
    assert await flow.press(await old_button(uow, clock, spec, ADMIN), 41, 600) is None
    method, redrawn = (await said(engine, ADMIN))[-1]
    assert method == "edit_buttons" and redrawn["message_id"] == 41
    labels = [[b["text"] for b in row] for row in redrawn["buttons"]]
    assert labels == [["✅ 确认发送"], ["📌 发后置顶：是", "✖️ 取消"]]
    await flow.press(await press(uow, clock, redrawn, "取消", ADMIN), 41, 601)
    assert (await said(engine, ADMIN))[-1][1] == {"text": "好的，这条通知不发了。"}
    async with uow() as tx:
        draft = await tx.notices.draft(draft_id)
    assert draft is not None and (draft.status, draft.awaiting) == ("cancelled", None)
    assert draft.data["pin"] is True
    with pytest.raises(NotFound):
        await flow.press(await press(uow, clock, redrawn, "确认发送", ADMIN), 41, 602)


async def test_typed_text_that_is_empty_or_too_long_is_refused_and_the_draft_still_waits(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    draft_id = await old_notice_draft(uow, community, clock, {"template": None}, awaiting="text")
    flow = NoticeFlow(NoticeService(uow, clock, load_templates()))
    for text, key in (("   ", "notice.flow.empty"), ("长" * 3001, "notice.flow.too_long")):
        with pytest.raises(InvalidInput) as refused:
            await flow.text(ADMIN, text, 600)
        assert refused.value.key == key
    async with uow() as tx:
        draft = await tx.notices.draft(draft_id)
    assert draft is not None and draft.awaiting == "text"
    assert not await flow.text(PLUMBER, "not a draft of mine", 601)

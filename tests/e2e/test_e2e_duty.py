"""Duty end to end (fake clock): a night emergency goes to the night plumber, is escalated to the
backup and the supervisor when nobody accepts, stops when the supervisor accepts – also across
a restart of the bot process."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from bot.domain.tickets import Status
from bot.registry_file import read_registry
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_tickets import card_of, current, edited
from tests.e2e.world import ADMIN, DEMO, ELECTRICIAN, JSON, PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e
NIGHT_PLUMBER = 9008
TUESDAY_0200 = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # Tue 1 Dec 02:00 in Shanghai
BURST = "@loudao_bot 3号楼2单元楼道里水管爆了，水漫出来了"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_0200)


async def tick(world: World) -> None:
    await world.app.tick()
    await world.settle()


async def pages(world: World, user: int) -> list[JSON]:
    return [m for m in await world.bot_messages(user) if "升级" in (m.get("text") or "")]


async def ticket(world: World, number: str):  # type: ignore[no-untyped-def]
    async with world.app.uow() as tx:
        return await tx.tickets.by_number(number)


async def test_a_night_emergency_escalates_once_and_stops_when_the_supervisor_accepts(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    card = await card_of(world, group, said)
    assert "紧急" in card["text"] and "周师傅" in card["text"]
    private = await world.bot_says(NIGHT_PLUMBER, "#A-0001")
    assert "紧急" in private["text"]
    stored = await ticket(world, "A-0001")
    assert stored.assignee_id == NIGHT_PLUMBER
    assert stored.respond_by == datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # 30 minutes
    assert stored.due_at == datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # under control in 2 h

    clock.advance(minutes=4)  # 80% of the 5 minutes to accept: the night plumber is reminded
    await tick(world)
    reminder = await world.bot_says(NIGHT_PLUMBER, "提醒", after=private)
    assert "#A-0001" in reminder["text"] and "接单" in reminder["text"]
    assert await pages(world, PLUMBER) == [] and await pages(world, SUPERVISOR) == []

    clock.advance(minutes=1)  # 5 minutes, nobody accepted: backup and supervisor at once
    await tick(world)
    await tick(world)  # a second tick at the same moment sends nothing more
    backup_pages, supervisor_pages = await pages(world, PLUMBER), await pages(world, SUPERVISOR)
    assert len(backup_pages) == 1 and len(supervisor_pages) == 1
    page = supervisor_pages[0]
    assert "#A-0001" in page["text"] and "周师傅" in page["text"] and "没有接单" in page["text"]
    assert await pages(world, ADMIN) == []
    # the community file does not opt in: the group card says nothing about escalation
    assert "升级" not in (await current(world, card))["text"]

    answer = await world.client.press(SUPERVISOR, page, "我来接单")
    await world.settle()
    assert "已接单" in str(answer)
    await edited(world, card, "李经理")
    accepted = await ticket(world, "A-0001")
    assert accepted.status is Status.ACCEPTED and accepted.assignee_id == SUPERVISOR
    await world.bot_says(NIGHT_PLUMBER, "李经理 接手")

    # the chain stops: no more pages to anyone as the clock moves on past the admin's 30 min
    for _ in range(4):
        clock.advance(minutes=10)
        await tick(world)
    assert len(await pages(world, PLUMBER)) == 1
    assert len(await pages(world, SUPERVISOR)) == 1
    assert await pages(world, ADMIN) == []
    assert await pages(world, NIGHT_PLUMBER) == []
    # the backup's page is over: it says who took it and its button is gone
    over = await edited(world, backup_pages[0], "李经理 已经接单了")
    assert "没有接单" in over["text"] and not (over.get("reply_markup") or {}).get(
        "inline_keyboard"
    )


async def test_the_backup_accepting_the_page_takes_the_ticket_over(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    card = await card_of(world, group, said)
    clock.advance(minutes=5)
    await tick(world)
    [page] = await pages(world, PLUMBER)
    await world.client.press(PLUMBER, page, "我来接单")
    await world.settle()
    await edited(world, card, "张师傅")
    # the backup now has the ordinary private card with the progress and resolve buttons
    full = await world.bot_says(PLUMBER, lambda m: "进度" in str(m.get("reply_markup")))
    assert "#A-0001" in full["text"]
    # the supervisor's page of the same moment now says who took it, without the button
    [supervisor_page] = await pages(world, SUPERVISOR)
    over = await edited(world, supervisor_page, "张师傅 已经接单了")
    assert not (over.get("reply_markup") or {}).get("inline_keyboard")


async def test_an_accepted_emergency_gets_a_follow_up_task_when_resolved(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    await card_of(world, group, said)
    private = await world.bot_says(NIGHT_PLUMBER, "#A-0001")
    await world.client.press(NIGHT_PLUMBER, private, "接单")
    await world.settle()
    await world.client.press(NIGHT_PLUMBER, await current(world, private), "完成")
    await world.settle()
    prompt = await world.bot_says(NIGHT_PLUMBER, "直接完成", after=private)
    await world.client.press(NIGHT_PLUMBER, prompt, "直接完成")
    await world.settle()
    task = await world.bot_says(NIGHT_PLUMBER, "回访任务", after=private)
    assert "12月2日 02:00" in task["text"]  # within 24 hours of the report
    await world.client.press(NIGHT_PLUMBER, task, "✅ 回访完成")
    await world.settle()
    await edited(world, task, "回访已完成")
    note_prompt = await world.bot_says(NIGHT_PLUMBER, "回复这条消息", after=task)
    said = await world.say(
        NIGHT_PLUMBER,
        NIGHT_PLUMBER,
        "已电话回访，居民说没问题了",
        reply_to=note_prompt["message_id"],
    )
    await world.bot_says(NIGHT_PLUMBER, "回访情况已保存", after=said)
    # the follow-up deadline passes without reminders or pages: the call was made
    before = len(await world.bot_messages(NIGHT_PLUMBER))
    clock.advance(hours=25)
    await tick(world)
    assert len(await world.bot_messages(NIGHT_PLUMBER)) == before
    assert await pages(world, ADMIN) == [] and await pages(world, SUPERVISOR) == []
    async with world.app.uow() as tx:
        task_row = await tx.duty.followup((await ticket(world, "A-0001")).id)
    assert task_row is not None and task_row.note == "已电话回访，居民说没问题了"


# -- restart ---------------------------------------------------------------------------------


@pytest.fixture
async def sandbox_server() -> AsyncIterator[tuple[SandboxServer, str]]:
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, read_registry(DEMO))
    try:
        yield server, base_url
    finally:
        await server.stop()


async def test_pending_escalations_survive_a_restart_and_fire_once(
    database_url: str, sandbox_server: tuple[SandboxServer, str]
) -> None:
    server, base_url = sandbox_server
    clock = FakeClock(TUESDAY_0200)
    settings = app_settings(base_url, database_url)
    residents = residents_of(read_registry(DEMO))
    client = SandboxClient(base_url)
    first = LoudaoApp(settings, clock)
    await first.start()
    try:
        world = World(server, first, client, residents)
        said = await world.say(world.resident("3"), world.group("3"), BURST)
        await card_of(world, world.group("3"), said)
        await world.bot_says(NIGHT_PLUMBER, "#A-0001")
        clock.advance(minutes=2)
        await tick(world)
    finally:
        await first.stop()  # the process goes away with every page still pending

    clock.advance(minutes=4)  # 02:06: the 4-minute reminder and the 5-minute pages are due
    second = LoudaoApp(settings, clock)
    await second.start()
    try:
        world = World(server, second, client, residents)
        await tick(world)
        await tick(world)
        assert len(await pages(world, PLUMBER)) == 1
        assert len(await pages(world, SUPERVISOR)) == 1
        reminders = [m for m in await world.bot_messages(NIGHT_PLUMBER) if "提醒" in m["text"]]
        assert len(reminders) == 1
        stored = await ticket(world, "A-0001")
        assert stored.respond_by == datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
    finally:
        await client.close()
        await second.stop()


# -- in chat ----------------------------------------------------------------------------------


async def test_duty_in_a_group_names_who_is_on_duty_for_its_building(world: World) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "/duty")
    answer = await world.bot_says(group, "现在值班", after=said)
    text = answer["text"]
    assert "3号楼" in text and "周师傅" in text and "张师傅" in text  # night plumber and backup
    assert "值班主管：李经理" in text
    assert "9008" not in text  # names only
    assert "张师傅（备班）" in text  # the backup is marked as such
    now, after = text.split("以后：")  # and who is on once the night shift ends
    assert "陈阿姨" not in now and "陈阿姨" in after  # the cleaner works by day


async def test_supervisor_sees_the_roster_and_records_leave_and_cover(world: World) -> None:
    said = await world.say(SUPERVISOR, SUPERVISOR, "/roster")
    roster = await world.bot_says(SUPERVISOR, "12月1日", after=said)
    assert "· 周师傅 08:00–17:00（备班），17:00–08:00" in roster["text"]
    assert "工作日" in roster["text"]
    said = await world.say(SUPERVISOR, SUPERVISOR, "/leave 陈阿姨 12-01 12-02")
    await world.bot_says(SUPERVISOR, "已记录", after=said)
    told = await world.bot_says(9005, "李经理 更新了排班")
    assert "陈阿姨 请假" in told["text"]
    said = await world.say(SUPERVISOR, SUPERVISOR, "/cover 张师傅 12-03 12-03")
    await world.bot_says(SUPERVISOR, "张师傅 的班由 李经理 代", after=said)
    said = await world.say(SUPERVISOR, SUPERVISOR, "/roster week")
    week = await world.bot_says(SUPERVISOR, "12月7日", after=said)
    assert "调班和请假" in week["text"]
    # the cover is taken back by the number /roster shows next to it
    numbers = re.findall(r"张师傅 的班由 李经理 代（编号 (\d+)）", week["text"])
    assert len(numbers) == 1
    said = await world.say(SUPERVISOR, SUPERVISOR, f"/cover del {numbers[0]}")
    await world.bot_says(SUPERVISOR, "已撤销", after=said)
    said = await world.say(SUPERVISOR, SUPERVISOR, "/roster week")
    week = await world.bot_says(SUPERVISOR, "12月7日", after=said)
    assert "张师傅 的班由" not in week["text"] and "陈阿姨 请假" in week["text"]
    # a resident cannot see or change the roster; /cover in a group is refused politely
    resident = world.resident("3")
    said = await world.say(resident, resident, "/roster")
    await world.bot_says(resident, "工作人员", after=said)
    said = await world.say(SUPERVISOR, world.group("3"), "/cover 张师傅 12-03 12-03")
    await world.bot_says(world.group("3"), "私聊", after=said)


async def test_a_cover_that_makes_a_double_shift_or_leaves_no_backup_is_warned_about(
    world: World,
) -> None:
    # the night plumber also takes the day plumber's day: 17:00 on the 2nd to 08:00 on the 4th
    said = await world.say(SUPERVISOR, SUPERVISOR, "/cover 张师傅 周师傅 12-03 12-03")
    saved = await world.bot_says(SUPERVISOR, "已记录", after=said)
    assert "周师傅 12月2日 起要连续值班 39 小时" in saved["text"]
    # and he is the day's backup too: that day has nobody behind him
    assert "12月3日 没有备班" in saved["text"]
    said = await world.say(SUPERVISOR, SUPERVISOR, "/leave 陈阿姨 12-05 12-05")
    quiet = await world.bot_says(SUPERVISOR, "已记录", after=said)
    assert "请留意" not in quiet["text"]  # an ordinary change gets no warning


async def test_morning_handoff_reaches_the_staff_on_duty_once(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 30, 23, 58, tzinfo=UTC))  # 07:58 in Shanghai: night shift
    said = await world.say(world.resident("3"), world.group("3"), BURST)
    await card_of(world, world.group("3"), said)
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai
    await tick(world)
    await tick(world)
    clock.advance(seconds=2)  # anything the flood limit held back (retry after 1 s) goes now
    await world.settle()
    handoffs = [m for m in await world.bot_messages(NIGHT_PLUMBER) if "早上好" in m["text"]]
    assert len(handoffs) == 1 and "#A-0001" in handoffs[0]["text"]
    day = await world.bot_says(PLUMBER, "早上好，张师傅")
    assert "08:00–17:00" in day["text"]


# -- escalation of everyday repairs and follow-up calls (both databases) ---------------------

SEEP = "@loudao_bot 3号楼2单元楼道里水管有点渗水"  # level 2: a routine repair


async def test_a_routine_ticket_nobody_acknowledges_pages_backup_then_supervisor_once_each(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00: 张师傅 is on duty
    group = world.group("3")
    said = await world.say(world.resident("3"), group, SEEP)
    await card_of(world, group, said)
    await world.bot_says(PLUMBER, "#A-0001")
    stored = await ticket(world, "A-0001")
    assert stored.level == 2 and stored.assignee_id == PLUMBER

    clock.set(datetime(2026, 12, 1, 4, 1, tzinfo=UTC))  # 12:01: two working hours have passed
    await tick(world)
    await tick(world)
    [backup_page] = await pages(world, NIGHT_PLUMBER)  # the backup, paged once
    assert "#A-0001" in backup_page["text"] and "张师傅" in backup_page["text"]
    assert await pages(world, SUPERVISOR) == []

    clock.set(datetime(2026, 12, 8, 9, 31, tzinfo=UTC))  # 5 working days: not fixed either
    await tick(world)
    await tick(world)
    [supervisor_page] = await pages(world, SUPERVISOR)
    assert "#A-0001" in supervisor_page["text"] and "办结并反馈" in supervisor_page["text"]
    assert len(await pages(world, NIGHT_PLUMBER)) == 1
    assert await pages(world, ADMIN) == []


async def test_a_follow_up_call_nobody_makes_pages_the_admin(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    await card_of(world, group, said)
    private = await world.bot_says(NIGHT_PLUMBER, "#A-0001")
    await world.client.press(NIGHT_PLUMBER, private, "接单")
    await world.settle()
    await world.client.press(NIGHT_PLUMBER, await current(world, private), "完成")
    await world.settle()
    prompt = await world.bot_says(NIGHT_PLUMBER, "直接完成", after=private)
    await world.client.press(NIGHT_PLUMBER, prompt, "直接完成")
    await world.settle()
    await world.bot_says(NIGHT_PLUMBER, "回访任务", after=private)

    clock.advance(hours=24, minutes=1)  # nobody pressed 回访完成 within 24 hours
    await tick(world)
    await tick(world)
    [page] = await pages(world, ADMIN)
    assert "#A-0001" in page["text"] and "电话回访" in page["text"]
    # the page offers the call's own button, not 我来接单 for a ticket already handled
    buttons = [b["text"] for row in page["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["✅ 回访完成"]
    await world.client.press(ADMIN, page, "✅ 回访完成")
    await world.settle()
    async with world.app.uow() as tx:
        task_row = await tx.duty.followup((await ticket(world, "A-0001")).id)
    assert task_row is not None and task_row.done_by == ADMIN


async def _resolve_emergency(world: World, private: JSON) -> None:
    await world.client.press(NIGHT_PLUMBER, await current(world, private), "完成")
    await world.settle()
    prompt = await world.bot_says(NIGHT_PLUMBER, "直接完成", after=private)
    await world.client.press(NIGHT_PLUMBER, prompt, "直接完成")
    await world.settle()


async def test_a_reopen_cancels_the_follow_up_and_the_new_fix_gets_a_new_one(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    card = await card_of(world, group, said)
    private = await world.bot_says(NIGHT_PLUMBER, "#A-0001")
    await world.client.press(NIGHT_PLUMBER, private, "接单")
    await world.settle()
    await _resolve_emergency(world, private)
    task = await world.bot_says(NIGHT_PLUMBER, "回访任务", after=private)
    assert "请在报事的群里联系" in task["text"]  # no phone or room given: how to reach them
    verdict = await world.bot_says(group, "解决了吗", after=card)
    await world.client.press(world.resident("3"), verdict, "没解决")
    await world.settle()
    cancelled = await edited(world, task, "回访任务 #A-0001 已取消")
    assert not (cancelled.get("reply_markup") or {}).get("inline_keyboard")
    again = await world.bot_says(NIGHT_PLUMBER, "需要您处理", after=task)  # the card again
    await world.client.press(NIGHT_PLUMBER, again, "接单")
    await world.settle()
    await _resolve_emergency(world, again)
    second = await world.bot_says(NIGHT_PLUMBER, "回访任务", after=again)
    assert second["message_id"] != task["message_id"] and "✅ 回访完成" in str(
        second.get("reply_markup")
    )


async def test_pages_nobody_receives_bring_the_next_page_forward_at_once(
    world: World, clock: FakeClock
) -> None:
    world.server.close_private(PLUMBER)  # the backup and the supervisor never pressed Start
    world.server.close_private(SUPERVISOR)
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    await card_of(world, group, said)
    clock.advance(minutes=5)  # nobody accepted: the backup and supervisor are paged, in vain
    await tick(world)
    await tick(world)
    # the admin's page, planned for 30 minutes, comes now: the chain does not wait on nobody
    [page] = await pages(world, ADMIN)
    assert "#A-0001" in page["text"]
    async with world.app.uow() as tx:
        fired = [(s.target_key, s.outcome) for s in await tx.duty.steps(1) if s.fired_at]
    assert ("wang", "sent") in fired and ("zhang", "sent") in fired and ("li", "sent") in fired
    notes = [m for m in await world.bot_messages(ADMIN) if "没法私信" in (m.get("text") or "")]
    assert len(notes) == 2  # 张师傅 and 李经理, once each


async def test_a_routine_report_on_new_years_eve_2027_does_not_count_new_years_day(
    world: World, clock: FakeClock
) -> None:
    # chinesecalendar ends with 2026: 1 Jan 2027 (a Friday) is still a statutory day off
    clock.set(datetime(2026, 12, 31, 2, 0, tzinfo=UTC))  # Thursday 31 Dec, 10:00 in Shanghai
    group = world.group("3")
    said = await world.say(world.resident("3"), group, SEEP)
    await card_of(world, group, said)
    stored = await ticket(world, "A-0001")
    # 5 working days after Thursday: Mon 4 … Fri 8 January, at the end of working hours
    assert stored.due_at == datetime(2027, 1, 8, 9, 30, tzinfo=UTC)
    # the admins are told once what is really unknown: 2027's make-up working days
    [warning] = [m for m in await world.bot_messages(ADMIN) if "调休" in (m.get("text") or "")]
    assert "2027" in warning["text"] and "法定节假日" in warning["text"]


async def test_the_card_names_its_promise_and_a_missed_one_is_told_to_the_group_once(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai
    group = world.group("3")
    said = await world.say(world.resident("3"), group, SEEP)
    card = await card_of(world, group, said)
    assert "承诺：12月8日 17:30 前修好" in card["text"]  # 5 working days, by name
    clock.set(datetime(2026, 12, 8, 9, 31, tzinfo=UTC))  # 17:31 on the 8th: not fixed
    await tick(world)
    await tick(world)
    late = await edited(world, card, "已超时")
    assert "原定12月8日 17:30 前修好" in late["text"]
    sorry = await world.bot_says(group, "很抱歉", after=said)
    assert sorry["reply_to_message_id"] == card["message_id"]
    assert "#A-0001" in sorry["text"] and "现在由" in sorry["text"]
    clock.advance(hours=3)
    await tick(world)
    notes = [m for m in await world.bot_messages(group) if "很抱歉" in (m.get("text") or "")]
    assert len(notes) == 1  # once, not every tick


async def test_an_emergency_card_promises_someone_there_within_30_minutes(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    card = await card_of(world, group, said)
    assert "承诺：30 分钟内到场（02:30 前）" in card["text"]


async def test_a_report_before_the_shift_moves_to_the_electrician_when_his_shift_begins(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 30, 23, 34, tzinfo=UTC))  # Tuesday 07:34: no electrician yet
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼楼道灯不亮了")
    card = await card_of(world, group, said)
    assert (await ticket(world, "A-0001")).assignee_id == SUPERVISOR  # the fallback
    clock.set(datetime(2026, 12, 1, 0, 1, tzinfo=UTC))  # 08:01: 刘师傅's day shift has begun
    await tick(world)
    moved = await ticket(world, "A-0001")
    assert moved.assignee_id == ELECTRICIAN and moved.status is Status.ASSIGNED
    await world.bot_says(ELECTRICIAN, "#A-0001")  # the new holder gets the card
    told = await world.bot_says(SUPERVISOR, "现在交给正在值班的 刘师傅")
    assert "#A-0001" in told["text"]
    await edited(world, card, "刘师傅")
    async with world.app.uow() as tx:
        from sqlalchemy import select

        from storage.models import AuditEvent

        actions = list(await tx.session.scalars(select(AuditEvent.action)))
    assert "duty.handover" in actions
    await tick(world)  # the holder is now at work: it stays with him
    assert (await ticket(world, "A-0001")).assignee_id == ELECTRICIAN


async def test_an_accepted_ticket_stays_with_its_holder_after_the_shift_changes(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 30, 23, 34, tzinfo=UTC))
    group = world.group("3")
    said = await world.say(world.resident("3"), group, "@loudao_bot 3号楼楼道灯不亮了")
    await card_of(world, group, said)
    private = await world.bot_says(SUPERVISOR, "#A-0001")
    await world.client.press(SUPERVISOR, private, "接单")
    await world.settle()
    clock.set(datetime(2026, 12, 1, 0, 1, tzinfo=UTC))
    await tick(world)
    assert (await ticket(world, "A-0001")).assignee_id == SUPERVISOR


async def test_a_complex_matter_gets_its_plan_posted_and_each_step_reminded_on_its_day(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00
    group = world.group("3")
    said = await world.say(
        world.resident("3"), group, "@loudao_bot 3号楼2单元有人群租，一套房住了十几个人，天天吵"
    )
    card = await card_of(world, group, said)
    assert "给出处理方案" in card["text"]
    stored = await ticket(world, "A-0001")
    assert stored.level == 3 and stored.assignee_id is not None
    private = await world.bot_says(stored.assignee_id, "#A-0001")
    assert "方案：" in private["text"]  # the card says how to give the plan
    # a progress note is not the plan: the plan deadline still stands
    await world.say(stored.assignee_id, stored.assignee_id, "已经上门看过了",
                    reply_to=private["message_id"])  # fmt: skip
    await world.settle()
    async with world.app.uow() as tx:
        steps = await tx.duty.steps(stored.id)
    assert any(s.reason == "plan_by" and s.cancelled_at is None for s in steps)
    await world.say(
        stored.assignee_id,
        stored.assignee_id,
        "方案：12月3日前 网格员和民警上门核实人数\n12月10日前 联系房东限期整改",
        reply_to=private["message_id"],
    )
    ack = await world.bot_says(stored.assignee_id, "方案已记录")
    assert "2 个有日期的步骤" in ack["text"]
    posted = await world.bot_says(group, "处理方案", after=card)
    assert (
        "联系房东限期整改" in posted["text"]
        and posted["reply_to_message_id"] == card["message_id"]
    )
    async with world.app.uow() as tx:
        steps = await tx.duty.steps(stored.id)
    assert not any(s.reason == "plan_by" and s.cancelled_at is None for s in steps)
    clock.set(datetime(2026, 12, 3, 1, 0, tzinfo=UTC))  # 3 December, 09:00
    await tick(world)
    reminder = await world.bot_says(stored.assignee_id, "方案里约定的日子")
    assert "网格员和民警上门核实人数" in reminder["text"] and "限期整改" not in reminder["text"]

"""Notices end to end: the real app and the sandbox – right groups, once, through 403s, 429s and
restarts; the /notice flow, /notices buttons and the /outage form."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.app import LoudaoApp
from bot.domain.clock import Clock, FakeClock
from bot.domain.notices.records import NoticeRecord, dump_schedule
from bot.domain.notices.schedule import Once
from tests.e2e.conftest import app_settings
from tests.e2e.world import ADMIN, JSON, PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e

ALL_GROUPS = [-1001000] + [World.group(b) for b in ("1", "2", "3", "5", "6", "8", "65", "171")]
Restart = Callable[[], Awaitable[LoudaoApp]]


@pytest.fixture
def clock() -> Clock:
    return FakeClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai


@pytest.fixture
async def restart(world: World, database_url: str, clock: Clock) -> AsyncIterator[Restart]:
    """Stop the running LoudaoApp and start a new one on the same database and sandbox."""
    original = world.app

    async def again() -> LoudaoApp:
        old = world.app
        await old.stop()
        app = LoudaoApp(app_settings(world.server.base_url, database_url), clock)
        await app.start()
        world.app = app
        return app

    yield again
    if world.app is not original:
        await world.app.stop()
        world.app = original


async def current(world: World, message: JSON) -> JSON:
    """The message as it is now (after edits of its text or buttons)."""
    found = await world.client.messages(message["chat_id"], message["message_id"] - 1)
    return next(m for m in found if m["message_id"] == message["message_id"])


async def notices_in(world: World, chat: int, needle: str) -> list[JSON]:
    return [m for m in await world.bot_messages(chat) if needle in (m.get("text") or "")]


async def tick(world: World) -> None:
    """Run the periodic jobs and wait until the outbox is idle, then settle and report."""
    for _ in range(100):
        await world.app.tick()
        await world.settle()
        async with world.app.database.engine.connect() as conn:
            busy = await conn.scalar(text("SELECT count(*) FROM outbox WHERE status = 'sending'"))
        if not busy:
            break
        await asyncio.sleep(0.05)  # the app's own sender is finishing a message
    await world.app.tick()  # settles deliveries and queues the author's report
    await world.settle()


async def make_notice(world: World, user: int, buildings: list[str], time_button: str) -> JSON:
    """Walk the guided flow: fire-safety template, contact, buildings, time; return the summary."""
    said = await world.say(user, user, "/notice")
    menu = await world.bot_says(user, "要发什么通知", after=said)
    await world.client.press(user, menu, "消防安全提醒")
    ask = await world.bot_says(user, "联系人", after=menu)
    said = await world.say(user, user, "物业服务中心 <b>8888</b>")
    groups = await world.bot_says(user, "发给哪些群", after=said)
    assert ask["message_id"] < groups["message_id"]
    used = await current(world, menu)  # the answered template menu keeps no dead buttons
    assert not (used.get("reply_markup") or {}).get("inline_keyboard")
    for building in buildings:
        groups = await current(world, groups)
        await world.client.press(user, groups, f"{building}号楼")
        await world.settle()
    groups = await current(world, groups)
    assert [b["text"] for b in groups["reply_markup"]["inline_keyboard"][2]][:2] == [
        "1号楼",
        "2号楼",
    ]
    await world.client.press(user, groups, "下一步 ▶️")
    when = await world.bot_says(user, "什么时候发", after=groups)
    await world.client.press(user, when, time_button)
    return when


async def test_a_notice_to_three_of_the_groups_arrives_once_in_each_and_in_no_other(
    world: World,
) -> None:
    when = await make_notice(world, ADMIN, ["3", "5", "65"], "现在发送")
    preview = await world.bot_says(ADMIN, "消防安全提醒", after=when)
    summary = await world.bot_says(ADMIN, "确认发送吗", after=preview)
    assert "共 3 个群" in summary["text"] and "&lt;b&gt;" not in preview["text"]
    assert "物业服务中心 <b>8888</b>" in preview["text"]  # escaped, shown literally
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    await world.bot_says(ADMIN, "已安排", after=summary)
    await tick(world)
    for chat in ALL_GROUPS:
        got = await notices_in(world, chat, "消防安全提醒")
        wanted = chat in (World.group("3"), World.group("5"), World.group("65"))
        assert len(got) == (1 if wanted else 0), chat
        if wanted:
            assert got[0]["text"] == preview["text"]  # exactly what the author previewed
    report = await world.bot_says(ADMIN, "已发送 3/3", after=summary)
    assert "消防安全提醒" in report["text"]
    await tick(world)
    assert len(await notices_in(world, World.group("3"), "消防安全提醒")) == 1


async def test_residents_and_plumbers_are_politely_refused(world: World) -> None:
    resident = world.resident("3")
    said = await world.say(resident, resident, "/notice")
    await world.bot_says(resident, "只有管理员和主管可以发通知", after=said)
    said = await world.say(PLUMBER, PLUMBER, "/outage 停水 65号楼 今晚23:00-次日02:00 抢修")
    await world.bot_says(PLUMBER, "只有管理员和主管可以发通知", after=said)
    said = await world.say(ADMIN, World.group("3"), "/notices")
    await world.bot_says(World.group("3"), "请私聊我", after=said)
    await tick(world)
    assert await notices_in(world, World.group("65"), "停水") == []


async def test_an_outage_does_not_count_a_group_the_bot_was_removed_from(
    world: World, clock: FakeClock
) -> None:
    await world.client.set_member(
        World.group("65"), world.server.state.bot.id, add=False, by_user_id=ADMIN
    )
    await world.settle()
    said = await world.say(
        SUPERVISOR, SUPERVISOR, "/outage 停电 全小区 今晚23:00-次日02:00 线路检修"
    )
    ok = await world.bot_says(SUPERVISOR, "已把通知发到", after=said)
    assert "已把通知发到 8 个群" in ok["text"]  # the demo's 9 groups, less 65号楼's
    assert "另有 1 个群发不进去" in ok["text"] and "65号楼" in ok["text"]


async def test_the_outage_form_posts_now_reminds_before_and_says_restored(
    world: World, clock: FakeClock
) -> None:
    said = await world.say(
        SUPERVISOR, SUPERVISOR, "/outage 停水 65号楼 今晚23:00-次日02:00 主管道抢修"
    )
    ok = await world.bot_says(SUPERVISOR, "已把通知发到 1 个群", after=said)
    assert "22:30" in ok["text"]
    await world.settle()
    (notice,) = await notices_in(world, World.group("65"), "停水通知")
    assert "今天（12月1日）23:00" in notice["text"] and "明天（12月2日）02:00" in notice["text"]
    assert "物业服务中心 0571-88886666" in notice["text"]  # the community's contact, with a number
    assert "主管道抢修" in notice["text"]
    clock.set(datetime(2026, 12, 1, 14, 29, tzinfo=UTC))  # 22:29: not yet
    await tick(world)
    assert await notices_in(world, World.group("65"), "再提醒一下") == []
    clock.set(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))
    await tick(world)
    assert len(await notices_in(world, World.group("65"), "再提醒一下")) == 1
    clock.set(datetime(2026, 12, 1, 17, 40, tzinfo=UTC))  # 01:40: repaired early
    said = await world.say(SUPERVISOR, SUPERVISOR, "/outage done")
    await world.bot_says(SUPERVISOR, "停水已经结束", after=said)
    await world.settle()
    (restored,) = await notices_in(world, World.group("65"), "已恢复")
    assert "65号楼的供水已经恢复" in restored["text"]
    for chat in ALL_GROUPS:
        if chat != World.group("65"):
            assert await world.bot_messages(chat) == [], chat


async def test_a_reminder_is_not_sent_once_the_outage_is_over_early(
    world: World, clock: FakeClock
) -> None:
    said = await world.say(ADMIN, ADMIN, "/outage 停电 3号楼 明天09:00-12:00 线路检修")
    await world.bot_says(ADMIN, "已把通知发到 1 个群", after=said)
    said = await world.say(ADMIN, ADMIN, "/outage done")
    await world.bot_says(ADMIN, "停电已经结束", after=said)
    clock.set(datetime(2026, 12, 2, 0, 40, tzinfo=UTC))  # 08:40 tomorrow
    await tick(world)
    assert await notices_in(world, World.group("3"), "再提醒一下") == []


async def test_pause_and_cancel_from_the_list_stop_the_notices(
    world: World, clock: FakeClock
) -> None:
    for key, building in (("a", "1"), ("b", "2")):
        async with world.app.uow() as tx:
            community = await tx.registry.community_by_code("A")
            assert community is not None
            await world.app.notices.create(
                tx,
                NoticeRecord(
                    community_id=community.id,
                    key=key,
                    template="anti_fraud",
                    target={"buildings": [building]},
                    schedule=dump_schedule(Once(at=datetime(2026, 12, 1, 15, 0))),
                    author_telegram_id=ADMIN,
                    max_lateness_minutes=600,
                ),
                community,
            )
            await tx.commit()
    said = await world.say(SUPERVISOR, SUPERVISOR, "/notices")
    header = await world.bot_says(SUPERVISOR, "共有 6 条", after=said)  # 2 + 4 from the file
    assert "修改" in header["text"]
    await world.settle()
    cards = await world.bot_messages(SUPERVISOR, after=header)
    by_building = {b: next(c for c in cards if f"发给：{b}号楼" in c["text"]) for b in "12"}
    await world.client.press(SUPERVISOR, by_building["1"], "⏸ 暂停")
    await world.client.press(SUPERVISOR, by_building["2"], "✖️ 取消")
    await world.settle()
    assert "已暂停" in (await current(world, by_building["1"]))["text"]
    cancelled = await current(world, by_building["2"])
    assert "已取消" in cancelled["text"] and not cancelled.get("reply_markup")
    clock.set(datetime(2026, 12, 1, 7, 1, tzinfo=UTC))  # 15:01
    await tick(world)
    assert await world.bot_messages(World.group("1")) == []
    assert await world.bot_messages(World.group("2")) == []
    await world.client.press(SUPERVISOR, await current(world, by_building["1"]), "▶️ 恢复")
    await world.settle()
    await tick(world)
    assert len(await notices_in(world, World.group("1"), "防诈骗")) == 1
    assert await world.bot_messages(World.group("2")) == []


async def test_editing_a_notice_replaces_it_and_only_the_new_groups_get_it_once(
    world: World, clock: FakeClock
) -> None:
    when = await make_notice(world, ADMIN, ["3"], "明天 09:00")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=when)
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    await world.bot_says(ADMIN, "已安排", after=summary)
    # the admin changes the groups from the list: building 5 instead of 3, same time
    said = await world.say(ADMIN, ADMIN, "/notices")
    header = await world.bot_says(ADMIN, "共有", after=said)
    entry = await world.bot_says(ADMIN, "发给：3号楼", after=header)
    await world.client.press(ADMIN, entry, "✏️ 修改")
    what = await world.bot_says(ADMIN, "要改哪一项", after=entry)
    await world.client.press(ADMIN, what, "发给哪些群")
    groups = await world.bot_says(ADMIN, "发给哪些群？", after=what)
    assert "✅ 3号楼" in str(groups["reply_markup"])  # what the notice had is ticked
    for label in ("✅ 3号楼", "5号楼"):
        groups = await current(world, groups)
        await world.client.press(ADMIN, groups, label)
        await world.settle()
    await world.client.press(ADMIN, await current(world, groups), "下一步 ▶️")
    when = await world.bot_says(ADMIN, "什么时候发", after=groups)
    await world.client.press(ADMIN, when, "⏱ 保持原时间（明天（12月2日）09:00）")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=when)
    assert "5号楼" in summary["text"] and "共 1 个群" in summary["text"]
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    done = await world.bot_says(ADMIN, "已替换原来的通知", after=summary)
    assert "1 个群" in done["text"]
    # the old list entry's button now meets a notice that is gone: a polite refusal
    refused = await world.client.press(ADMIN, entry, "✏️ 修改")
    assert "不能再修改" in refused["text"]
    clock.set(datetime(2026, 12, 2, 1, 1, tzinfo=UTC))  # 09:01 in Shanghai
    await tick(world)
    assert len(await notices_in(world, World.group("5"), "消防安全提醒")) == 1
    assert await notices_in(world, World.group("3"), "消防安全提醒") == []
    await tick(world)
    assert len(await notices_in(world, World.group("5"), "消防安全提醒")) == 1


async def test_an_edit_confirmed_after_the_notice_was_cancelled_saves_nothing(
    world: World, clock: FakeClock
) -> None:
    when = await make_notice(world, ADMIN, ["3"], "明天 09:00")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=when)
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    said = await world.say(ADMIN, ADMIN, "/notices")
    entry = await world.bot_says(ADMIN, "发给：3号楼", after=said)
    await world.client.press(ADMIN, entry, "✏️ 修改")
    what = await world.bot_says(ADMIN, "要改哪一项", after=entry)
    await world.client.press(ADMIN, what, "发送时间")
    ask = await world.bot_says(ADMIN, "什么时候发", after=what)
    await world.client.press(ADMIN, ask, "1 小时后")
    edited_summary = await world.bot_says(ADMIN, "确认发送吗", after=ask)
    await world.client.press(ADMIN, await current(world, entry), "✖️ 取消")  # meanwhile
    await world.settle()
    answer = await world.client.press(ADMIN, edited_summary, "✅ 确认发送")
    assert "没有保存" in answer["text"]
    staff = await world.app.notices.staff(ADMIN)
    from_chat = [n for n in await world.app.notices.upcoming(staff) if n.source == "chat"]
    assert from_chat == []  # neither the old notice nor the edit (the file's are untouched)
    clock.set(datetime(2026, 12, 2, 1, 1, tzinfo=UTC))
    await tick(world)
    assert await notices_in(world, World.group("3"), "消防安全提醒") == []


async def test_a_group_without_the_bot_fails_the_rest_continue_and_the_author_is_told(
    world: World,
) -> None:
    world.server.state.chats[World.group("5")].bot_member = False  # removed, update never came
    when = await make_notice(world, ADMIN, ["3", "5", "65"], "现在发送")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=when)
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    await tick(world)
    assert len(await notices_in(world, World.group("3"), "消防安全提醒")) == 1
    assert len(await notices_in(world, World.group("65"), "消防安全提醒")) == 1
    report = await world.bot_says(ADMIN, "已发送 2/3", after=summary)
    assert "失败 1：5号楼邻里群（机器人已不在群里）" in report["text"]


async def test_429s_from_telegram_cause_no_duplicates_and_no_losses(
    world: World, clock: FakeClock
) -> None:
    world.server.configure_limits(per_chat_per_minute=20, global_per_second=2)
    for key, template in (("k1", "anti_fraud"), ("k2", "gas_safety")):
        async with world.app.uow() as tx:
            community = await tx.registry.community_by_code("A")
            assert community is not None
            await world.app.notices.create(
                tx,
                NoticeRecord(
                    community_id=community.id,
                    key=key,
                    template=template,
                    variables={"contact": "物业"},
                    target={"community": True},
                    schedule=dump_schedule(Once(at=datetime(2026, 12, 1, 10, 0))),
                    author_telegram_id=ADMIN,
                    urgent=True,
                ),
                community,
            )
            await tx.commit()
    await world.app.tick()
    for _ in range(60):
        await world.app.sender.run_until_idle()
        await world.app.tick()
        got = [await world.bot_messages(chat) for chat in ALL_GROUPS]
        if all(len(messages) >= 2 for messages in got):
            break
        clock.advance(seconds=2)  # retry_after is counted on the bot's clock
        await asyncio.sleep(0.5)  # ...and the sandbox's window on the real one
    assert world.server.stats["429"] > 0
    for chat in ALL_GROUPS:
        texts = [m["text"] for m in await world.bot_messages(chat)]
        assert sum("防诈骗" in t for t in texts) == 1, chat
        assert sum("燃气" in t for t in texts) == 1, chat


async def test_a_restart_between_scheduling_and_sending_loses_and_doubles_nothing(
    world: World, clock: FakeClock, restart: Restart
) -> None:
    said = await world.say(ADMIN, ADMIN, "/notice")
    menu = await world.bot_says(ADMIN, "要发什么通知", after=said)
    await world.client.press(ADMIN, menu, "✍️ 自己写")
    await world.bot_says(ADMIN, "通知的内容", after=menu)
    said = await world.say(ADMIN, ADMIN, "明天上午停车场划线，请把车挪开。")
    groups = await world.bot_says(ADMIN, "发给哪些群", after=said)
    await world.client.press(ADMIN, groups, "171号楼")
    await world.settle()
    await world.client.press(ADMIN, await current(world, groups), "下一步 ▶️")
    when = await world.bot_says(ADMIN, "什么时候发", after=groups)
    await world.client.press(ADMIN, when, "自己输入时间")
    await world.bot_says(ADMIN, "请输入时间", after=when)
    said = await world.say(ADMIN, ADMIN, "下辈子")
    await world.bot_says(ADMIN, "看不懂时间", after=said)
    said = await world.say(ADMIN, ADMIN, "18:30")
    summary = await world.bot_says(ADMIN, "确认发送吗", after=said)
    await world.client.press(ADMIN, summary, "✅ 确认发送")
    await world.bot_says(ADMIN, "已安排", after=summary)

    await restart()  # scheduled, not sent
    clock.set(datetime(2026, 12, 1, 10, 31, tzinfo=UTC))  # 18:31
    await world.app.notices.run_due()  # deliveries queued; the process dies before sending
    await restart()
    clock.advance(minutes=3)  # leases of anything caught mid-send run out
    await tick(world)
    got = await notices_in(world, World.group("171"), "停车场划线")
    assert len(got) == 1
    assert got[0]["text"].startswith("<b>通知</b>") or "通知" in got[0]["text"]
    for chat in ALL_GROUPS:
        if chat != World.group("171"):
            assert await notices_in(world, chat, "停车场划线") == []
    await world.bot_says(ADMIN, "已发送 1/1", after=summary)


async def test_a_notice_made_at_night_waits_for_the_morning_and_says_so(
    world: World, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    when = await make_notice(world, SUPERVISOR, ["8"], "现在发送")
    summary = await world.bot_says(SUPERVISOR, "确认发送吗", after=when)
    assert "休息时间" in summary["text"] and "12-02 07:30" in summary["text"]
    await world.client.press(SUPERVISOR, summary, "✅ 确认发送")
    await tick(world)
    assert await world.bot_messages(World.group("8")) == []
    clock.set(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))  # 07:30
    await tick(world)
    assert len(await notices_in(world, World.group("8"), "消防安全提醒")) == 1

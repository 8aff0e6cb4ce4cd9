"""A day in the life of the demo community, scripted with the fake clock: a working day, a
night, a weekend and the 2027 New Year. Every message the bot sends to the people involved is
kept in a transcript (printed with `pytest -s`, and written to the test's tmp folder), and each
step checks that what residents and staff read is right about who, what and when."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FakeClock
from tests.e2e.test_e2e_tickets import card_of, current, edited, press
from tests.e2e.world import ADMIN, ELECTRICIAN, JSON, SUPERVISOR, World

pytestmark = pytest.mark.e2e
SH = ZoneInfo("Asia/Shanghai")
NIGHT_PLUMBER = 9008
NAMES = {ADMIN: "王主任(admin)", SUPERVISOR: "李经理(supervisor)", ELECTRICIAN: "刘师傅",
         NIGHT_PLUMBER: "周师傅"}  # fmt: skip


def sh(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(sh(12, 1, 7, 34))  # Tuesday 1 December, 07:34


class Transcript:
    """What the bot said, where and when (by the fake clock), step by step."""

    def __init__(self, world: World, clock: FakeClock, chats: dict[int, str]) -> None:
        self.world, self.clock, self.chats = world, clock, chats
        self.seen: dict[int, set[tuple[int, str]]] = {chat: set() for chat in chats}
        self.lines: list[str] = []

    async def step(self, title: str) -> list[tuple[int, JSON]]:
        """Record every new or edited bot message since the last step, under a heading; return
        them with the chat each is in."""
        await self.world.app.tick()  # time moves on as it would: every periodic job runs
        await self.world.settle()
        when = self.clock.now().astimezone(SH).strftime("%a %d %b %Y %H:%M")
        self.lines.append(f"\n== {when} · {title}")
        fresh: list[tuple[int, JSON]] = []
        for chat, label in self.chats.items():
            for message in await self.world.bot_messages(chat):
                mark = (message["message_id"], message.get("text") or "")
                if mark in self.seen.setdefault(chat, set()):
                    continue
                self.seen[chat].add(mark)
                fresh.append((chat, message))
                edited_ = " (edited)" if message.get("edit_date") else ""
                text = (message.get("text") or "").replace("\n", " ⏎ ")
                self.lines.append(f"  [{label}]{edited_} {text}")
        return fresh

    def text(self) -> str:
        return "\n".join(self.lines)


async def test_a_working_day_a_night_a_weekend_and_new_year_2027(
    world: World, clock: FakeClock, tmp_path: Path
) -> None:
    group3, resident = world.group("3"), world.resident("3")
    chats = {group3: "3号楼群", resident: "resident (private)"}
    chats |= {person: name for person, name in NAMES.items()}
    log = Transcript(world, clock, chats)
    try:
        await _working_day(world, clock, log, group3, resident)
        await _night(world, clock, log, group3)
        await _weekend(world, clock, log)
        await _new_year(world, clock, log, group3, resident)
    finally:
        transcript = log.text()
        (tmp_path / "day_in_the_life.txt").write_text(transcript, encoding="utf-8")
        print(transcript)


async def _working_day(
    world: World, clock: FakeClock, log: Transcript, group: int, resident: int
) -> None:
    said = await world.say(resident, group, "@loudao_bot 3号楼2单元楼道灯不亮了，晚上很黑")
    card = await card_of(world, group, said)
    await log.step("07:34 a resident reports a dead stairwell light; no electrician on yet")
    assert "承诺：12月8日 17:30 前修好" in card["text"]  # 5 working days, by name
    assert "李经理" in card["text"]  # the supervisor holds it until the shift begins

    clock.set(sh(12, 1, 8, 1))
    await world.app.tick()
    fresh = await log.step("08:01 the electrician's shift has begun: the ticket follows it")
    assert any("现在交给正在值班的 刘师傅" in (m.get("text") or "") for _, m in fresh)
    private = await world.bot_says(ELECTRICIAN, "#A-0001")
    assert "需要您处理" in private["text"]

    clock.set(sh(12, 1, 9, 15))
    await press(world, ELECTRICIAN, private, "接单")
    accepted = await edited(world, private, "工作人员已接单")
    await log.step("09:15 刘师傅 accepts")
    assert "接单" not in str(accepted.get("reply_markup"))  # no second 接单 to tap
    await edited(world, card, "工作人员已接单")

    clock.set(sh(12, 1, 14, 0))
    await press(world, ELECTRICIAN, private, "完成")
    prompt = await world.bot_says(ELECTRICIAN, "怎么处理好的", after=private)
    await world.say(ELECTRICIAN, ELECTRICIAN, "换了新的声控灯", reply_to=prompt["message_id"])
    verdict = await world.bot_says(group, "解决了吗", after=card)
    await log.step("14:00 fixed: the group is asked whether it is really fixed")
    assert "换了新的声控灯" in verdict["text"]
    answer = await press(world, ELECTRICIAN, verdict, "已解决，满意")
    assert "不能替居民确认" in answer["text"]  # the electrician cannot confirm for the resident
    await press(world, resident, verdict, "已解决，满意")
    await edited(world, card, "居民已确认")
    await log.step("14:05 the resident confirms; the electrician's own tap was refused")


async def _night(world: World, clock: FakeClock, log: Transcript, group: int) -> None:
    for hour in (16, 18, 20, 22):
        clock.set(sh(12, 1, hour, 0))
        await world.app.tick()
    await log.step("the afternoon and evening pass")
    clock.set(sh(12, 1, 22, 10))
    neighbour = world.resident("3", 1)
    said = await world.say(neighbour, group, "3号楼2单元水管爆了，水漫到楼道了，快来人！")
    card = await card_of(world, group, said)
    await log.step("22:10 a burst pipe, unaddressed: an emergency all the same")
    assert "紧急" in card["text"] and "承诺：30 分钟内到场（22:40 前）" in card["text"]
    assert "周师傅" in card["text"]  # the night plumber
    await world.bot_says(group, "119", after=said)  # safety advice in the group

    clock.set(sh(12, 1, 22, 14))  # 80% of the 5 minutes: the night plumber is reminded
    await log.step("22:14 the night plumber is reminded")
    clock.set(sh(12, 1, 22, 15))
    await world.app.tick()
    fresh = await log.step("22:15 nobody accepted in 5 minutes: backup and supervisor paged")
    paged = [(chat, m) for chat, m in fresh if "升级" in (m.get("text") or "")]
    assert paged and all("超过 5 分钟没有接单" in m["text"] for _, m in paged)
    page = next(m for chat, m in paged if chat == SUPERVISOR)
    await press(world, SUPERVISOR, page, "我来接单")
    await log.step("22:16 the supervisor takes it over; the chain stops")
    clock.set(sh(12, 1, 23, 30))
    await world.app.tick()
    fresh = await log.step("23:30 later ticks: nobody is paged again")
    assert not [m for _, m in fresh if "升级" in (m.get("text") or "")]


async def _weekend(world: World, clock: FakeClock, log: Transcript) -> None:
    clock.set(sh(12, 5, 10, 0))  # Saturday: the weekend electrician by rotation
    group8 = world.group("8")
    said = await world.say(world.resident("8"), group8, "@loudao_bot 8号楼电梯按钮坏了")
    card = await card_of(world, group8, said)
    log.chats[group8] = "8号楼群"
    await log.step("Sat 10:00 a lift button: the weekend electrician on rotation")
    assert "承诺：12月11日 17:30 前修好" in card["text"]  # the weekend does not count


async def _new_year(
    world: World, clock: FakeClock, log: Transcript, group: int, resident: int
) -> None:
    clock.set(sh(12, 31, 10, 0))
    said = await world.say(resident, group, "@loudao_bot 3号楼2单元楼道窗户关不上了")
    card = await card_of(world, group, said)
    fresh = await log.step("Thu 31 Dec 10:00 a routine repair over the New Year")
    # 1 January 2027 is a statutory day off although chinesecalendar stops at 2026
    assert "承诺：1月8日 17:30 前修好" in card["text"]
    told = [m for chat, m in fresh if chat == ADMIN and "调休" in (m.get("text") or "")]
    assert told and "2027" in told[0]["text"]  # the admins hear what is really unknown, once
    await current(world, card)

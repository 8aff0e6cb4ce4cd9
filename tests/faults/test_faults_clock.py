"""The clock moved from outside (LOUDAO_TEST_CLOCK_FILE): deadlines and notices fall due in the
real process without waiting, and a restart around them doubles nothing.

- An emergency nobody accepts is escalated after its deadline: the pages go once, and a SIGTERM
  restart afterwards sends none again.
- A notice broadcast to every group, killed after its first delivery: after the restart every
  group has it; only a delivery in flight at the kill may show twice (notices go at least once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage.models_notices import NoticeDelivery
from tests.faults.harness import (
    SentRow,
    Stage,
    assert_no_personal_data,
    assert_sandbox_matches_outbox,
    report_figure,
)

pytestmark = pytest.mark.faults

GAS = "@loudao_bot 5号楼2单元楼道里有很浓的煤气味，我家502室，电话13800001111"
FIRE_SAFETY = "消防"  # the weekly fire-safety notice (bot/demo/notices.yaml)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sent(rows: list[SentRow], purpose: str) -> int:
    return sum(1 for r in rows if r.purpose == purpose and r.status == "sent")


async def test_an_unaccepted_emergency_is_paged_once_after_its_deadline_and_not_again_on_restart(
    stage: Stage,
) -> None:
    bot = await stage.start_bot()
    await stage.say(stage.resident("5"), stage.group("5"), GAS)
    await stage.settle()
    assert sent(await stage.outbox_rows(), "duty.page") == 0

    stage.move_clock(minutes=31)  # past the emergency's 30-minute deadline, without waiting
    took = await stage.wait_for(
        lambda: _sent_soon(stage, "duty.page"), timeout=60, what="the first page"
    )
    report_figure("clock moved past the deadline → first page", took)
    await stage.settle()
    pages = sent(await stage.outbox_rows(), "duty.page")
    assert pages >= 1
    await assert_sandbox_matches_outbox(stage)

    assert (await bot.terminate())[0] == 0
    again = await stage.start_bot()
    await stage.settle()
    assert sent(await stage.outbox_rows(), "duty.page") == pages
    await assert_sandbox_matches_outbox(stage)
    assert await stage.tickets() == 1
    assert (await again.terminate())[0] == 0
    assert_no_personal_data(stage, ["502室"])


async def _sent_soon(stage: Stage, purpose: str) -> bool:
    return sent(await stage.outbox_rows(), purpose) > 0


def next_monday_nine(now: datetime) -> datetime:
    """The weekly fire-safety notice's next occurrence after `now` (Mondays 09:00 Shanghai)."""
    local = now.astimezone(SHANGHAI)
    days = (7 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


async def test_a_broadcast_killed_after_its_first_delivery_reaches_every_group_after_restart(
    stage: Stage,
) -> None:
    bot = await stage.start_bot(crash_at="mid_broadcast")
    due = next_monday_nine(stage.bot_now())
    stage.move_clock(seconds=(due - stage.bot_now()).total_seconds() + 30)
    assert await bot.exited(timeout=60) == -9
    rows = await stage.outbox_rows()
    notices = [r for r in rows if r.purpose == "notice"]
    groups = {r.chat_id for r in notices}
    in_doubt = {r.chat_id for r in notices if r.status == "sending" and r.attempted_at}
    # killed mid-way: the first one marked sent (others may have finished meanwhile), not all
    assert 1 <= sent(rows, "notice") < len(groups)

    stage.move_clock(minutes=3)  # past the dead process's lease
    again = await stage.start_bot()
    took = await stage.settle(timeout=120)
    report_figure(f"broadcast to {len(groups)} groups killed → all delivered", took)
    twice = 0
    for chat in groups:
        copies = sum(1 for m in stage.bot_messages(chat) if FIRE_SAFETY in (m.get("text") or ""))
        assert copies == 1 or (chat in in_doubt and copies == 2), (chat, copies)
        twice += copies == 2
    report_figure("deliveries in flight at the kill, shown twice", twice, f"of {len(in_doubt)}")
    deliveries = await stage.scalar(select(func.count()).select_from(NoticeDelivery))
    assert deliveries == len(groups)
    assert sent(await stage.outbox_rows(), "notice") == len(groups)
    await assert_sandbox_matches_outbox(stage, repeated=twice)
    assert (await again.terminate())[0] == 0
    assert_no_personal_data(stage)

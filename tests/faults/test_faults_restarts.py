"""Kills and stops of the real process: nothing lost, nothing doubled, nothing waits a lease.

- SIGKILL between Telegram's answer and mark_sent: the card is not sent a second time (its row
  is recorded `unknown`: at most once for a message that is not about safety).
- SIGKILL before / after the commit of a report's transaction: the update is handled again
  after the restart and makes exactly one ticket and one card.
- SIGTERM from outside while a send is in flight: the send finishes, the rest is given back
  (no claimed row left), exit 0; after the restart the emergency advice arrives at once.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from sandbox.fault_proxy import Fault
from storage.models import OutboxMessage
from tests.faults.harness import (
    Stage,
    assert_no_personal_data,
    assert_sandbox_matches_outbox,
    report_figure,
    ticket_cards,
)

pytestmark = pytest.mark.faults

LIGHT = "@loudao_bot 3号楼2单元楼道灯不亮了，我住1702室，电话13912345678"
GAS = "@loudao_bot 5号楼2单元楼道里有很浓的煤气味，我家502室，电话13800001111"
ADVICE = "燃气泄漏"
ROOMS = ["1702", "502室"]


def copies(stage: Stage, chat: int, needle: str) -> int:
    return sum(1 for m in stage.bot_messages(chat) if needle in (m.get("text") or ""))


async def claimed(stage: Stage) -> int:
    """Outbox rows some process still holds (status sending, or a lease not cleared)."""
    return int(
        await stage.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where((OutboxMessage.status == "sending") | OutboxMessage.claimed_until.is_not(None))
        )
        or 0
    )


async def test_a_kill_after_telegram_answered_and_before_mark_sent_does_not_double_the_card(
    stage: Stage,
) -> None:
    bot = await stage.start_bot(crash_at="after_send_before_mark_sent")
    group = stage.group("3")
    # private cards go a little slower, so the group card is the send the kill follows
    stage.faults.add(Fault("delay", private_only=True, seconds=1.0, times=None))
    await stage.say(stage.resident("3"), group, LIGHT)
    assert await bot.exited() == -9  # killed itself right after the first send was answered
    assert len(ticket_cards(stage.bot_messages(group))) == 1  # Telegram has the card

    stage.move_clock(minutes=3)  # past the dead process's 120 s lease, without waiting for it
    stage.faults.clear()
    again = await stage.start_bot()
    took = await stage.settle()
    report_figure("kill after send → settled after restart", took)

    assert await stage.tickets() == 1
    assert len(ticket_cards(stage.bot_messages(group))) == 1, stage.bot_messages(group)
    rows = await stage.outbox_rows()
    # the card, and any send to another chat that was in flight at the kill: at most once
    in_doubt = {r.purpose for r in rows if r.status == "unknown"}
    assert "ticket.card" in in_doubt
    assert in_doubt <= {"ticket.card", "ticket.private_card"}
    await assert_sandbox_matches_outbox(stage)
    assert (await again.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
async def test_a_kill_around_the_commit_of_a_report_makes_exactly_one_ticket_after_restart(
    stage: Stage, point: str
) -> None:
    bot = await stage.start_bot(crash_at=point)
    group = stage.group("3")
    await stage.say(stage.resident("3"), group, LIGHT)
    assert await bot.exited() == -9
    assert await stage.tickets() == (1 if point == "after_commit" else 0)

    again = await stage.start_bot()
    took = await stage.settle()
    report_figure(f"kill {point} → settled after restart", took)
    assert await stage.tickets() == 1
    assert len(ticket_cards(stage.bot_messages(group))) == 1, stage.bot_messages(group)
    await assert_sandbox_matches_outbox(stage)
    assert (await again.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)


async def test_sigterm_mid_send_drains_releases_and_the_emergency_advice_comes_at_once(
    stage: Stage,
) -> None:
    group = stage.group("5")
    bot = await stage.start_bot()
    slow = stage.faults.add(Fault("delay", chat_id=group, seconds=2.0, times=1))
    await stage.say(stage.resident("5"), group, GAS)
    await stage.wait_for(lambda: slow.hits == 1, what="the card's send to be in flight")

    code, stopping = await bot.terminate()
    report_figure("SIGTERM with a send in flight → exit", stopping)
    assert code == 0, bot.log()[-3000:]
    assert await claimed(stage) == 0  # nothing left for a lease to run out
    assert len(ticket_cards(stage.bot_messages(group))) == 1  # the send in flight finished

    began = time.monotonic()
    again = await stage.start_bot()
    # a lease left behind would hold it back 120 s; released, it goes as soon as the bot is up
    await stage.wait_for(lambda: copies(stage, group, ADVICE) >= 1, timeout=60)
    report_figure("restart → emergency advice in the group", time.monotonic() - began)
    await stage.settle()
    assert copies(stage, group, ADVICE) == 1
    assert len(ticket_cards(stage.bot_messages(group))) == 1
    assert await stage.tickets() == 1
    await assert_sandbox_matches_outbox(stage)
    assert (await again.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)

"""Telegram misbehaving between the real process and the sandbox: 5xx and 429 storms, the
network gone, and a send Telegram accepted whose answer never came back.

Counted exactly: tickets in the database, cards in each group, and every bot message in the
sandbox against the outbox rows that say they were sent."""

from __future__ import annotations

import asyncio
import time

import pytest

from sandbox.fault_proxy import Fault
from tests.faults.harness import (
    Stage,
    assert_no_personal_data,
    assert_sandbox_matches_outbox,
    report_figure,
    ticket_cards,
)

pytestmark = pytest.mark.faults

REPORTS = {
    "3": "@loudao_bot 3号楼2单元楼道灯不亮了，我住1702室，电话13912345678",
    "5": "@loudao_bot 5号楼1单元电梯坏了，一直停在一楼，我是801的",
    "6": "@loudao_bot 6号楼门口的垃圾两天没人收了",
}
ROOMS = ["1702", "801的"]


async def report_all(stage: Stage) -> None:
    for building, text in REPORTS.items():
        await stage.say(stage.resident(building), stage.group(building), text)


async def assert_each_report_served_once(stage: Stage) -> None:
    assert await stage.tickets() == len(REPORTS)
    for building in REPORTS:
        cards = ticket_cards(stage.bot_messages(stage.group(building)))
        assert len(cards) == 1, (building, [c["text"] for c in cards])
    await assert_sandbox_matches_outbox(stage)
    assert not [r for r in await stage.outbox_rows() if r.status in ("unknown", "failed")]


async def test_5xx_and_429_storms_deliver_everything_exactly_once(stage: Stage) -> None:
    bot = await stage.start_bot()
    gateway_down = stage.faults.add(Fault("5xx", times=6))
    flooded = stage.faults.add(Fault("429", seconds=2, times=8))
    began = time.monotonic()
    await report_all(stage)
    await stage.wait_for(lambda: gateway_down.hits == 6 and flooded.hits == 8, timeout=60)
    await stage.settle(timeout=120)
    report_figure("5xx ×6 and 429 ×8 storm → everything delivered", time.monotonic() - began)
    await assert_each_report_served_once(stage)
    assert (await bot.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)


async def test_the_network_gone_for_a_while_loses_and_doubles_nothing(stage: Stage) -> None:
    bot = await stage.start_bot()
    await stage.network.unplug()  # connects refused: the bot knows nothing went out
    await report_all(stage)
    await asyncio.sleep(5)
    restored = time.monotonic()
    await stage.network.plug_in()
    await stage.wait_for(
        lambda: all(ticket_cards(stage.bot_messages(stage.group(b))) for b in REPORTS),
        timeout=90,
        what="every card after the network came back",
    )
    report_figure("network back → every card in its group", time.monotonic() - restored)
    await stage.settle(timeout=90)
    await assert_each_report_served_once(stage)
    assert (await bot.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)


async def test_a_send_accepted_whose_answer_is_lost_is_not_repeated_unless_it_is_safety_advice(
    stage: Stage,
) -> None:
    """The card's answer is lost: recorded `unknown`, not sent again (one card). The emergency
    advice's answer is lost too: it goes again (at least once – the group sees it twice)."""
    group = stage.group("5")
    bot = await stage.start_bot()
    lost = stage.faults.add(Fault("accepted_then_lost", chat_id=group, times=2))
    await stage.say(
        stage.resident("5"), group, "@loudao_bot 5号楼2单元楼道里有很浓的煤气味，我家502室"
    )
    await stage.wait_for(lambda: lost.hits == 2, what="both answers to be lost")
    await stage.settle(timeout=90)
    assert await stage.tickets() == 1
    assert len(ticket_cards(stage.bot_messages(group))) == 1
    advice = [m for m in stage.bot_messages(group) if "燃气泄漏" in (m.get("text") or "")]
    assert len(advice) == 2  # at least once: the copy whose answer was lost, and the resend
    statuses = {r.purpose: r.status for r in await stage.outbox_rows() if r.chat_id == group}
    assert statuses["ticket.card"] == "unknown"
    assert statuses["ticket.safety"] == "sent"
    await assert_sandbox_matches_outbox(stage, repeated=1)
    assert (await bot.terminate())[0] == 0
    assert_no_personal_data(stage, ["502室"])


async def test_dropped_requests_lose_no_update_and_safety_advice_still_arrives_once(
    stage: Stage,
) -> None:
    """getUpdates calls reset on the way: the updates are fetched again (the offset only moves
    once they are stored). The advice's first send is reset before Telegram saw it: in doubt,
    so – being safety – it goes again, and arrives exactly once."""
    group = stage.group("5")
    bot = await stage.start_bot()
    polls = stage.faults.add(Fault("drop", method="getUpdates", times=3))
    advice = stage.faults.add(Fault("drop", chat_id=group, text="燃气泄漏", times=1))
    await stage.say(stage.resident("5"), group, "@loudao_bot 5号楼2单元楼道里有很浓的煤气味")
    await report_all(stage)
    await stage.wait_for(lambda: polls.hits == 3 and advice.hits == 1, what="the drops")
    await stage.settle(timeout=90)
    assert await stage.tickets() == len(REPORTS) + 1
    assert len(ticket_cards(stage.bot_messages(group))) == 2  # the gas leak and the lift
    shown = [m for m in stage.bot_messages(group) if "燃气泄漏" in (m.get("text") or "")]
    assert len(shown) == 1
    await assert_sandbox_matches_outbox(stage)
    assert (await bot.terminate())[0] == 0
    assert_no_personal_data(stage, ROOMS)

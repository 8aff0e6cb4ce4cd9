"""The fault suite's smoke case: the real process serves a report and stops cleanly on SIGTERM."""

from __future__ import annotations

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

REPORT = "@loudao_bot 3号楼2单元楼道灯不亮了，我住1702室，电话13912345678"


async def test_a_report_is_served_by_the_real_process_and_sigterm_stops_it_with_exit_0(
    stage: Stage,
) -> None:
    bot = await stage.start_bot()
    report_figure("start-up of loudao run", await bot.ready())
    said = await stage.say(stage.resident("3"), stage.group("3"), REPORT)
    took = await stage.wait_for(
        lambda: bool(ticket_cards(stage.bot_messages(stage.group("3")))), what="the card"
    )
    report_figure("report → card in the group", took)
    await stage.settle()
    assert await stage.tickets() == 1
    assert len(ticket_cards(stage.bot_messages(stage.group("3")))) == 1
    await assert_sandbox_matches_outbox(stage)
    code, seconds = await bot.terminate()
    report_figure("SIGTERM → exit", seconds)
    assert code == 0, bot.log()[-2000:]
    assert said["message_id"]
    assert_no_personal_data(stage, rooms=["1702"])


async def test_even_at_debug_the_log_holds_no_personal_data_or_secrets(stage: Stage) -> None:
    bot = await stage.start_bot(LOUDAO_LOG_LEVEL="DEBUG")
    stage.faults.add(Fault("429", seconds=1, times=2))  # the sender's own DEBUG lines too
    await stage.say(stage.resident("3"), stage.group("3"), REPORT)
    await stage.wait_for(
        lambda: bool(ticket_cards(stage.bot_messages(stage.group("3")))), what="the card"
    )
    await stage.settle()
    assert (await bot.terminate())[0] == 0
    assert_no_personal_data(stage, rooms=["1702"])  # Loudao's own DEBUG lines included

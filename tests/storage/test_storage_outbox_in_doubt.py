"""A send whose outcome is unknown is not blindly repeated; a clean stop gives claims back.

The rule (README, Reliability): a new message whose answer was lost, or that a process was
sending when it died, is recorded `unknown` and not sent again – unless it is about safety
(emergency advice, pages, notices), which goes again (at least once). Edits, pins and deletes
do the same thing twice, so they are repeated; an edit of a message recorded `unknown` is sent
as a new message, since nobody knows the first one's id."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from bot.domain.clock import FakeClock
from bot.domain.records import OutboundMessage
from bot.services.outbox import OutboxSender
from bot.services.ports import OutcomeUnknown
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.test_storage_outbox_sender import ScriptedTelegram, queue


def message(chat_id: int, body: str, purpose: str, **extra: Any) -> OutboundMessage:
    return OutboundMessage(chat_id, "send_message", {"text": body, **extra}, purpose)


class Killed(BaseException):
    """The process dies here (nothing in the sender catches it)."""


class DiesAfterTelegramAnswers(ScriptedTelegram):
    """Telegram takes the message; the process dies before it can record that."""

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        await super().deliver(chat_id, method, payload)
        raise Killed


async def status(uow: SqlUnitOfWorkFactory, item: int) -> str | None:
    async with uow() as tx:
        return await tx.outbox.status(item)


async def test_a_card_whose_answer_was_lost_is_recorded_unknown_and_not_sent_again(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("工单卡片", OutcomeUnknown("ReadTimeout"))
    sender = OutboxSender(uow, telegram, clock)
    [card] = await queue(uow, clock, message(-1, "工单卡片", "ticket.card"))
    for _ in range(3):
        await sender.run_until_idle()
        clock.advance(seconds=400)
    assert telegram.delivered == []  # the lost one arrived (we assume), no second copy
    assert await status(uow, card) == "unknown"


async def test_safety_advice_whose_answer_was_lost_is_sent_again(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("燃气泄漏", OutcomeUnknown("ReadTimeout"))
    sender = OutboxSender(uow, telegram, clock)
    [advice] = await queue(uow, clock, message(-1, "燃气泄漏", "ticket.safety"))
    for _ in range(3):
        await sender.run_until_idle()
        clock.advance(seconds=10)
    assert [p["text"] for _, _, p in telegram.delivered] == ["燃气泄漏"]
    assert await status(uow, advice) == "sent"


async def test_a_message_a_dead_process_was_sending_is_at_most_once_unless_safety(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    card, advice = await queue(
        uow,
        clock,
        message(-1, "工单卡片", "ticket.card"),
        message(-2, "燃气泄漏", "ticket.safety"),
    )
    dying = OutboxSender(uow, DiesAfterTelegramAnswers(), clock, concurrency=1)
    with contextlib.suppress(Killed):
        await dying.run_once()
    clock.advance(seconds=121)  # the dead process's lease runs out
    telegram = ScriptedTelegram()
    await OutboxSender(uow, telegram, clock).run_until_idle()
    assert await status(uow, card) == "unknown"
    # the advice was claimed but never attempted by the dead process: it simply goes now
    assert [p["text"] for _, _, p in telegram.delivered] == ["燃气泄漏"]
    assert await status(uow, advice) == "sent"


async def test_an_edit_of_a_card_recorded_unknown_is_shown_as_a_new_message(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = ScriptedTelegram()
    telegram.fail("工单卡片", OutcomeUnknown("RemoteProtocolError"))
    sender = OutboxSender(uow, telegram, clock)
    [card] = await queue(uow, clock, message(-1, "工单卡片", "ticket.card"))
    await sender.run_until_idle()
    edit = OutboundMessage(
        -1, "edit_text", {"text": "工单卡片：已接单", "target_outbox_id": card}, "ticket.card"
    )
    await queue(uow, clock, edit)
    await sender.run_until_idle()
    assert [(m, p["text"]) for _, m, p in telegram.delivered] == [
        ("send_message", "工单卡片：已接单")
    ]


async def test_a_clean_stop_gives_back_what_it_claimed_so_nothing_waits_out_the_lease(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    ids = await queue(uow, clock, *(message(-1, f"第{i}条", "ticket.card") for i in range(3)))
    sender = OutboxSender(uow, ScriptedTelegram(), clock, lease=timedelta(seconds=120))
    async with uow() as tx:
        claimed = await tx.outbox.claim_due(clock.now(), 10, timedelta(seconds=120))
        await tx.commit()
    assert [c.id for c in claimed] == ids
    sender._held.update(ids)  # as run_once does after its claim
    sender.stopping()
    assert await sender.release() == 3
    telegram = ScriptedTelegram()
    await OutboxSender(uow, telegram, clock).run_until_idle()  # at once: no lease to wait for
    assert [p["text"] for _, _, p in telegram.delivered] == ["第0条", "第1条", "第2条"]

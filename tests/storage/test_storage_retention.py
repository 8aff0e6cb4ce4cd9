"""Personal data is kept briefly: rooms, phones and reporters of long-ended tickets, old
Telegram updates and old private messages are erased – and nothing else is."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.clock import FakeClock
from bot.domain.records import CommunityInfo, OutboundMessage
from bot.domain.tickets import Action, Draft, NewTicket, Ticket
from bot.domain.tickets.changes import cancelled
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from bot.services.retention import Erased, RetentionDesk
from bot.services.tickets.core import change
from storage.models import AuditEvent, InboxUpdate, OutboxMessage
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ADMIN = 9001
TEXT = "171号401室厨房漏水，我电话13912345678，急"


@pytest.fixture
async def community(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> CommunityInfo:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        found = await tx.registry.community_by_code("A")
    assert found is not None
    return found


async def ticket_at(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, key: str, cancel: bool
) -> Ticket:
    async with uow() as tx:
        ticket = await tx.tickets.create(
            NewTicket(
                community_id=community.id, source_key=key, source="mention", category="water_leak",
                level=2, building="171", unit="1", room="401", phone="13912345678", text=TEXT,
                chat_id=-1001171, message_id=10, reporter_id=201, reporter_name="陈大爷",
            ),
            T0,
        )  # fmt: skip
        await tx.tickets.add_note(
            ticket.id, "progress", 9003, "已联系401住户 13912345678", None, None, T0
        )
        if cancel:
            ticket = await change(
                tx, ticket, Action.CANCEL, T0, actor=201, update_id=None, locale="zh_CN",
                note="不需要了 有事打13912345678", changes=cancelled("不需要了", T0),
            )  # fmt: skip
        await tx.commit()
    return ticket


def desk(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> RetentionDesk:
    return RetentionDesk(
        uow, clock, keep_private=timedelta(days=180), keep_messages=timedelta(days=30)
    )


async def whole_run(retention: RetentionDesk) -> Erased:
    """Tick until the run that the first tick starts is over; return what it erased."""
    total: dict[str, int] = {}
    while True:
        for what, n in asdict(await retention.tick()).items():
            total[what] = total.get(what, 0) + n
        if not retention.running:
            return Erased(**total)


async def test_a_run_erases_in_bounded_batches_one_per_tick(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    """A district's first run is many short transactions, one a tick, not one long one."""
    for n in range(5):
        await ticket_at(uow, community, f"u:b{n}", cancel=True)
    async with uow() as tx:
        for update_id in range(100, 107):
            await tx.inbox.record(update_id, {"message": {"text": TEXT}}, T0)
            await tx.inbox.mark(update_id, "done", T0)
        await tx.commit()
    clock.set(T0 + timedelta(days=181))
    retention = RetentionDesk(
        uow,
        clock,
        keep_private=timedelta(days=180),
        keep_messages=timedelta(days=30),
        batch=2,
        rows=2,
    )
    batches = []
    while not batches or retention.running:
        batches.append(await retention.tick())
    assert all(b.tickets <= 2 and b.updates <= 2 for b in batches)
    assert sum(b.tickets for b in batches) == 5
    assert sum(b.updates for b in batches) == 6  # the newest update is always kept
    assert len(batches) >= 3 + 4 + 1 + 1  # tickets 2+2+1, updates 2+2+2+0, messages, rest
    async with uow() as tx:
        assert await tx.audit.count("privacy.erased") == 1  # one audit row for the whole run
    assert not (await retention.tick()).anything  # the next run is an hour away


async def test_an_ended_ticket_loses_room_phone_and_reporter_after_the_keeping_period(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    ended = await ticket_at(uow, community, "u:1", cancel=True)
    still_open = await ticket_at(uow, community, "u:2", cancel=False)
    erased = await desk(uow, clock).erase(T0 + timedelta(days=179))
    assert erased.tickets == 0
    erased = await desk(uow, clock).erase(T0 + timedelta(days=181))
    assert erased.tickets == 1
    async with uow() as tx:
        gone = await tx.tickets.get(ended.id)
        kept = await tx.tickets.get(still_open.id)
        notes = await tx.tickets.notes(ended.id)
    assert gone is not None and kept is not None
    assert gone.room is None and gone.phone is None and gone.reporter_name == ""
    assert "13912345678" not in gone.text and "401" not in gone.text
    assert (
        "厨房漏水" in gone.text and gone.category == "water_leak"
    )  # what communities count stays
    assert gone.number == ended.number and gone.closed_at == T0
    assert notes and all("13912345678" not in text and "401" not in text for _, text, _ in notes)
    assert kept.room == "401" and kept.phone == "13912345678" and kept.text == TEXT  # still open
    async with uow() as tx:
        audit = [
            e.details
            for e in await tx.session.scalars(
                select(AuditEvent).where(AuditEvent.subject == f"ticket:{ended.number}")
            )
        ]
    # the audit log never held the note (it is append-only: retention leaves it as it was)
    assert {"from": "new", "to": "cancelled", "noted": True} in audit
    assert "13912345678" not in str(audit) and "不需要了" not in str(audit)
    again = await desk(uow, clock).erase(T0 + timedelta(days=200))
    assert again.tickets == 0  # erased once


async def test_old_updates_and_private_messages_are_forgotten_group_messages_stay(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    async with uow() as tx:
        for update_id in (1, 2, 3):
            await tx.inbox.record(update_id, {"message": {"text": TEXT}}, T0)
            await tx.inbox.mark(update_id, "done", T0)
        await tx.inbox.record(4, {"message": {"text": "刚收到"}}, T0 + timedelta(days=40))
        card = await tx.outbox.enqueue(
            OutboundMessage(9003, "send_message", {"text": TEXT}, "ticket.private_card"), T0
        )
        group = await tx.outbox.enqueue(
            OutboundMessage(-1001171, "send_message", {"text": "工单 #A-0001"}, "ticket.card"), T0
        )
        pending = await tx.outbox.enqueue(
            OutboundMessage(9004, "send_message", {"text": TEXT}, "ticket.private_card"), T0
        )
        assert card and group and pending
        await tx.outbox.mark_sent(card, 77, T0)
        await tx.outbox.mark_sent(group, 78, T0)
        # an abandoned /report (expired) and an untouched /notice draft, both with free text
        await tx.tickets.save_draft(
            Draft(-1001171, 201, community.id, "text", {"text": TEXT}, T0 + timedelta(minutes=30)),
            T0,
        )
        await tx.notices.start_draft(community.id, ADMIN, 555, T0)
        await tx.commit()
    clock.set(T0 + timedelta(days=40))
    retention = desk(uow, clock)
    erased = await whole_run(retention)
    assert (erased.updates, erased.messages, erased.drafts) == (3, 1, 2)
    assert not (await retention.tick()).anything  # at most once an hour, and nothing left anyway
    async with uow() as tx:
        left = list(await tx.session.scalars(select(InboxUpdate.update_id)))
        payloads = {
            m.id: (m.payload, m.sent_message_id)
            for m in await tx.session.scalars(select(OutboxMessage))
        }
        audits = await tx.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "privacy.erased")
        )
    assert left == [4]  # the pending (and newest) update is kept
    assert payloads[card] == ({"erased": True}, 77)  # the message id stays for later edits
    assert payloads[group][0] == {"text": "工单 #A-0001"}
    assert payloads[pending][0] == {"text": TEXT}  # not delivered yet: untouched
    assert audits == 1


async def test_generated_files_go_a_day_after_they_were_made(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """An export sent to an admin may hold personal data: it does not stay on disk."""
    import os
    import time

    old = tmp_path / "exports" / "A" / "tickets-old.xlsx"
    fresh = tmp_path / "exports" / "A" / "tickets-new.xlsx"
    lone = tmp_path / "exports" / "B" / "tickets.csv"
    for path in (old, fresh, lone):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"rows")
    two_days_ago = time.time() - 2 * 86400
    for path in (old, lone):
        os.utime(path, (two_days_ago, two_days_ago))
    retention = RetentionDesk(
        uow,
        clock,
        keep_private=timedelta(days=180),
        keep_messages=timedelta(days=30),
        files_dir=tmp_path,
    )
    erased = await retention.erase(clock.now())
    assert erased.files == 2
    assert fresh.exists() and not old.exists() and not lone.exists()
    assert not lone.parent.exists()  # its folder, left empty, went too

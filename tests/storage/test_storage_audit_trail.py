"""A ticket's history read from the audit log (SQLite and PostgreSQL): `loudao audit` prints it,
an admin's long history goes out in parts under Telegram's limit, and only that community's
events about that ticket are in it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.bootstrap import build_services
from bot.config import Settings
from bot.domain.clock import FakeClock
from bot.domain.message_parts import TELEGRAM_TEXT_LIMIT
from bot.domain.records import AuditRecord
from bot.domain.tickets import NewTicket
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from bot.services.replies import Replies
from bot.services.tickets.audit_trail import TicketAuditTrail
from storage.database import Database
from storage.models import OutboxMessage
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
ADMIN, PLUMBER, RESIDENT = 9001, 9003, 201


def trail(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> TicketAuditTrail:
    return build_services(Settings(), uow, clock).tickets.audit


async def a_ticket_with_events(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, *, notes: int = 0
) -> int:
    """Ticket A-0001 with a report, an escalation, acceptance, progress and a follow-up call
    (and `notes` more progress notes); one event about it filed under another community."""
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        await tx.tickets.create(
            NewTicket(
                community_id=community.id, source_key="u:1", source="mention",
                category="water_leak", level=1, building="3", unit="2", room="401",
                phone="13812345678", text="厨房漏水", chat_id=-1001003, message_id=10,
                reporter_id=RESIDENT, reporter_name="陈大爷",
            ),
            clock.now(),
        )  # fmt: skip
        events = [
            ("ticket.opened", RESIDENT, {"to": "new", "category": "water_leak", "level": 1}),
            ("ticket.escalated", None, {"step": 1, "to": "zhang", "reason": "accept"}),
            ("ticket.accept", PLUMBER, {"from": "assigned", "to": "accepted"}),
            *[("ticket.progress", PLUMBER, {"noted": True})] * notes,
            ("ticket.followed_up", PLUMBER, {}),
        ]
        for action, actor, details in events:
            clock.advance(minutes=7)
            await tx.audit.record(
                AuditRecord(action, "ticket:A-0001", actor, community.id, details=details),
                clock.now(),
            )
        await tx.audit.record(
            AuditRecord("ticket.cancel", "ticket:A-0001", 1, community.id + 1), clock.now()
        )
        await tx.commit()
    return community.id


async def test_loudao_audit_prints_the_history_in_the_communitys_time(
    database: Database,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await a_ticket_with_events(database.uow, clock)
    monkeypatch.setenv("LOUDAO_DATABASE_URL", database.url)
    assert await asyncio.to_thread(main, ["audit", "--ticket", "A-0001"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "工单 #A-0001 的处理记录（共 4 条）：",
        "12月1日 10:07 居民 报修登记（漏水渗水，1级）",
        "12月1日 10:14 系统 提醒张师傅处理",
        "12月1日 10:21 张师傅 接单",
        "12月1日 10:28 张师傅 完成回访",
    ]
    assert await asyncio.to_thread(main, ["audit", "--ticket", "1", "--community", "a"]) == 0
    assert "共 4 条" in capsys.readouterr().out
    for argv, said in (
        (["audit", "--ticket", "A-0002"], "没有找到工单 A-0002"),
        (["audit", "--ticket", "A-0001", "--community", "Z"], "没有代码为 Z 的小区"),
        (["audit", "--ticket", "B-0001", "--community", "A"], "没有找到工单 B-0001"),
    ):
        assert await asyncio.to_thread(main, argv) == 1
        assert said in capsys.readouterr().err


async def test_a_long_history_goes_to_the_admin_in_parts_under_telegrams_limit(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await a_ticket_with_events(uow, clock, notes=300)
    text = await trail(uow, clock).for_admin(ADMIN, "A-0001", "zh_CN")
    assert text.count("\n") == 304 and text.endswith("张师傅 完成回访")
    await Replies(uow, clock).reply(ADMIN, text, update_id=77)
    async with uow() as tx:
        parts = list(
            await tx.session.scalars(select(OutboxMessage.payload).order_by(OutboxMessage.id))
        )
    assert len(parts) >= 2
    assert all(len(p["text"]) < TELEGRAM_TEXT_LIMIT for p in parts)
    assert "\n".join(p["text"] for p in parts) == text  # cut at line breaks, nothing lost


async def test_only_an_admin_of_the_tickets_community_reads_it(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    from bot.domain.errors import NotAllowed, NotFound

    await a_ticket_with_events(uow, clock)
    history = trail(uow, clock)
    for user in (PLUMBER, RESIDENT):
        with pytest.raises(NotAllowed):
            await history.for_admin(user, "A-0001", "zh_CN")
    with pytest.raises(NotFound):
        await history.for_admin(ADMIN, "A-0009", "zh_CN")
    assert (await history.for_admin(ADMIN, "1", "en")).splitlines()[:2] == [
        "History of ticket #A-0001 (4 entries):",
        "1/12 10:07 a resident: reported it (leak, level 1)",
    ]

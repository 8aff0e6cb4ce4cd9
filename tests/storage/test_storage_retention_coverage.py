"""Retention covers every table that can hold personal data: each text or JSON column of the
schema is either erased by retention or declared as holding none – and after retention ran,
no table still holds the room, phone, name or words a resident gave."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text, select

from bot.domain.clock import FakeClock
from bot.domain.records import CommunityInfo, OutboundMessage
from bot.registry_file import read_registry
from bot.services.faq.desk import FaqDesk, FaqLibrary
from bot.services.ports import FaqOutcome, Question
from bot.services.registry import load_registry
from bot.services.retention import RetentionDesk
from storage.models import ButtonAction, InboxUpdate
from storage.models_duty import FollowUpRow, RosterOverrideRow
from storage.models_faq import FaqGap
from storage.models_notices import NoticeDraft
from storage.models_offers import ReportOffer
from storage.models_tickets import (
    KnownUsername,
    ReportDraft,
    TicketNote,
    TicketPhoto,
    TicketRow,
)
from storage.retention_plan import NO_PERSONAL_DATA, PERSONAL
from storage.schema import metadata
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PHONE, ROOM, NAME, WORDS = "13912345678", "4817", "陈秘密", "厨房漏水秘密"
SAID = f"171号{ROOM}室{WORDS}，电话{PHONE}，我是{NAME}"
# the description itself stays in the ticket (what communities count): not a marker
MARKERS = (PHONE, ROOM, NAME)


def text_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String | Text | JSON)
    }


def test_every_text_or_json_column_is_declared_personal_or_holding_none() -> None:
    personal = {(t, c) for t, columns in PERSONAL.items() for c in columns}
    none = {(t, c) for t, (_, columns) in NO_PERSONAL_DATA.items() for c in columns}
    assert personal & none == set()  # never both
    undeclared = text_columns() - personal - none
    assert undeclared == set(), "say how retention erases these, or why they hold nothing"
    assert (personal | none) - text_columns() == set()  # no stale names either
    assert all(how for columns in PERSONAL.values() for how in columns.values())
    assert all(why for why, _ in NO_PERSONAL_DATA.values())


@pytest.fixture
async def community(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> CommunityInfo:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        found = await tx.registry.community_by_code("A")
    assert found is not None
    return found


async def seed_everything(uow: SqlUnitOfWorkFactory, community: CommunityInfo) -> None:
    """What a resident's report leaves behind in every table that can hold it."""
    async with uow() as tx:
        s = tx.session
        ticket = TicketRow(
            community_id=community.id, seq=1, number="A-0001", source_key="u:1",
            source="mention", status="cancelled", category="water_leak", level=2,
            building="171", room=ROOM, phone=PHONE, text=SAID, chat_id=-1001171,
            reporter_id=201, reporter_name=NAME, last_note=SAID, cancel_reason=SAID,
            closed_at=T0, created_at=T0, updated_at=T0,
        )  # fmt: skip
        s.add(ticket)
        await s.flush()
        s.add(TicketNote(ticket_id=ticket.id, kind="progress", text=SAID,
                         photo_file_id=f"photo-{NAME}", created_at=T0))  # fmt: skip
        s.add(TicketPhoto(ticket_id=ticket.id, file_id=f"photo-{NAME}", created_at=T0))
        s.add(FollowUpRow(ticket_id=ticket.id, community_id=community.id, assignee_id=9003,
                          note=SAID, created_at=T0))  # fmt: skip
        s.add(InboxUpdate(update_id=1, payload={"message": {"text": SAID}}, received_at=T0,
                          status="done"))  # fmt: skip
        s.add(InboxUpdate(update_id=2, payload={"message": {"text": "新的"}}, received_at=T0
                          + timedelta(days=199), status="done"))  # fmt: skip
        s.add(ButtonAction(id="ask1", kind="ticket.ask", created_at=T0,
                           payload={"text": SAID, "name": NAME, "by": 201}))  # fmt: skip
        s.add(ReportDraft(chat_id=-1001171, telegram_id=201, community_id=community.id,
                          step="text", data={"text": SAID}, updated_at=T0,
                          expires_at=T0 + timedelta(hours=1)))  # fmt: skip
        s.add(NoticeDraft(community_id=community.id, author_telegram_id=9001,
                          data={"text": SAID}, origin_update_id=3, updated_at=T0))  # fmt: skip
        s.add(ReportOffer(community_id=community.id, telegram_id=201, topic="water_leak",
                          offered_at=T0))  # fmt: skip
        s.add(FaqGap(community_id=community.id, key=SAID, text=SAID, first_at=T0, last_at=T0))
        s.add(KnownUsername(telegram_id=201, username=f"room{ROOM}", updated_at=T0))
        s.add(RosterOverrideRow(community_id=community.id, kind="leave", staff_key="wang",
                                start_at=T0, end_at=T0 + timedelta(days=1),
                                note=f"{NAME}住院 {PHONE}", created_at=T0))  # fmt: skip
        card = await tx.outbox.enqueue(
            OutboundMessage(9003, "send_message", {"text": SAID}, "ticket.private_card"), T0
        )
        assert card is not None
        await tx.outbox.mark_sent(card, 77, T0)
        await tx.commit()


async def left_behind(uow: SqlUnitOfWorkFactory) -> list[str]:
    """Every text and JSON value of every table that still holds one of the markers."""
    found = []
    async with uow() as tx:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in await tx.session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    said = json.dumps(value, ensure_ascii=False) if value is not None else ""
                    if any(m in said for m in MARKERS):
                        found.append(f"{table.name}.{column.name}: {said[:80]}")
    return found


async def test_after_retention_no_table_holds_a_residents_room_phone_name_or_words(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    await seed_everything(uow, community)
    assert len(await left_behind(uow)) >= 15  # the markers are there to be found
    desk = RetentionDesk(
        uow, clock, keep_private=timedelta(days=180), keep_messages=timedelta(days=30)
    )
    erased = await desk.erase(T0 + timedelta(days=200))
    assert erased.tickets == 1 and erased.buttons == 1 and erased.questions == 1
    assert erased.usernames == 1 and erased.overrides == 1
    assert await left_behind(uow) == []
    async with uow() as tx:
        ticket = await tx.tickets.by_number("A-0001")
    assert ticket is not None and "漏水" in ticket.text  # what communities count stays


async def test_an_unanswered_question_is_counted_without_its_phone_or_room(
    uow: SqlUnitOfWorkFactory, community: CommunityInfo, clock: FakeClock
) -> None:
    desk = FaqDesk(uow, clock, FaqLibrary())
    for update_id, phone in ((11, PHONE), (12, "13800001111")):
        asked = f"@loudao_bot 谁会修古董钟 171号{ROOM}室 联系我{phone}"
        question = Question(
            update_id=update_id, chat_id=-1001171, message_id=update_id, user_id=201,
            text=asked, addressed=True, private=False, community_id=None, building=None,
            locale="zh_CN",
        )  # fmt: skip
        assert await desk.answer(question) is FaqOutcome.NONE
    async with uow() as tx:
        gaps = list(await tx.session.execute(select(FaqGap.key, FaqGap.text, FaqGap.count)))
    assert len(gaps) == 1 and gaps[0].count == 2  # one question, whatever number it gave
    assert "古董钟" in gaps[0].key and "古董钟" in gaps[0].text
    assert not any(m in gaps[0].key + gaps[0].text for m in (PHONE, ROOM, "13800001111"))

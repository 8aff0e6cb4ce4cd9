"""Ticket storage: numbers per community, one ticket per update, followers, notes, timers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.clock import FakeClock
from bot.domain.records import OutboundMessage
from bot.domain.tickets import Draft, Follower, NewTicket, Prompt, Status
from bot.domain.tickets.changes import TicketChange, handed_to
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


def _new(community_id: int, key: str, **kw: object) -> NewTicket:
    values: dict[str, object] = dict(
        community_id=community_id, source_key=key, source="mention", category="lighting",
        level=2, building="3", unit="2", room="401", phone=None, text="楼道灯不亮",
        chat_id=-1001003, message_id=10, reporter_id=201, reporter_name="陈大爷",
    )  # fmt: skip
    values.update(kw)
    return NewTicket(**values)  # type: ignore[arg-type]


@pytest.fixture
async def community_id(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> int:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
    assert community is not None
    return community.id


async def test_numbers_count_up_per_community(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        first = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        second = await tx.tickets.create(_new(community_id, "u:2"), clock.now())
        await tx.commit()
    assert (first.number, second.number) == ("A-0001", "A-0002")
    assert first.label == "#A-0001" and first.status is Status.NEW
    async with uow() as tx:
        found = await tx.tickets.by_number("a-0002")
        assert found is not None and found.id == second.id
        assert (await tx.tickets.by_source_key("u:1")) == first


async def test_one_update_can_open_only_one_ticket(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    from sqlalchemy.exc import IntegrityError

    async with uow() as tx:
        await tx.tickets.create(_new(community_id, "u:7"), clock.now())
        await tx.commit()
    with pytest.raises(IntegrityError):
        async with uow() as tx:
            await tx.tickets.create(_new(community_id, "u:7"), clock.now())


async def test_changes_followers_photos_and_notes(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        t = await tx.tickets.update(
            t.id, handed_to(9004, "刘师傅").with_status(Status.ASSIGNED), clock.now()
        )
        assert await tx.tickets.add_follower(t.id, Follower(202, -1001003, 11), clock.now())
        assert not await tx.tickets.add_follower(t.id, Follower(202, -1001003, 12), clock.now())
        assert await tx.tickets.add_photo(t.id, "file-1", 201, clock.now())
        assert not await tx.tickets.add_photo(t.id, "file-1", 201, clock.now())
        assert await tx.tickets.add_note(t.id, "progress", 9004, "明天来修", None, 99, clock.now())
        assert not await tx.tickets.add_note(t.id, "progress", 9004, "again", None, 99,
                                             clock.now())  # fmt: skip
        await tx.commit()
    async with uow() as tx:
        t2 = await tx.tickets.get(t.id)
        assert t2 is not None
        assert t2.status is Status.ASSIGNED and t2.assignee_name == "刘师傅"
        assert t2.followers == (202,) and t2.photos == ("file-1",)
        assert [n[1] for n in await tx.tickets.notes(t.id)] == ["明天来修"]
        assert [x.id for x in await tx.tickets.assigned_to(9004)] == [t.id]
        assert [x.id for x in await tx.tickets.of_resident(202)] == [t.id]
        with pytest.raises(TypeError):  # a ticket's room is fixed at creation: no change has it
            await tx.tickets.update(t.id, TicketChange(room="999"), clock.now())  # type: ignore[call-arg]


async def test_open_tickets_like_a_new_report_are_found_for_duplicates(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        closed = await tx.tickets.create(_new(community_id, "u:2"), clock.now())
        await tx.tickets.update(closed.id, TicketChange(status=Status.CLOSED), clock.now())
        await tx.commit()
    async with uow() as tx:
        since = clock.now() - timedelta(hours=1)
        found = await tx.tickets.open_like(community_id, "3", "lighting", since)
        assert [x.id for x in found] == [t.id]
        assert await tx.tickets.open_like(community_id, "5", "lighting", since) == []


async def test_resolved_tickets_past_their_verdict_time_are_claimed(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        change = TicketChange(
            status=Status.RESOLVED, verdict_due_at=clock.now() + timedelta(hours=48)
        )
        await tx.tickets.update(t.id, change, clock.now())
        await tx.commit()
    async with uow() as tx:
        assert await tx.tickets.claim_verdict_due(clock.now()) == []
    clock.advance(hours=48)
    async with uow() as tx:
        assert [x.id for x in await tx.tickets.claim_verdict_due(clock.now())] == [t.id]


async def test_a_reply_finds_its_prompt_through_the_sent_message(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    async with uow() as tx:
        t = await tx.tickets.create(_new(community_id, "u:1"), clock.now())
        item = await tx.outbox.enqueue(OutboundMessage(9004, "send_message", {"text": "x"}),
                                       clock.now())  # fmt: skip
        assert item is not None
        await tx.tickets.add_prompt(Prompt(item, t.id, "progress", 9004, False), 9004, clock.now())
        await tx.outbox.mark_sent(item, 555, clock.now())
        await tx.commit()
    async with uow() as tx:
        prompt = await tx.tickets.prompt_for_message(9004, 555)
        assert prompt is not None and prompt.ticket_id == t.id and prompt.kind == "progress"
        assert await tx.tickets.prompt_for_message(9004, 556) is None
        pending = await tx.tickets.pending_prompt(9004, clock.now() - timedelta(minutes=30))
        assert pending == prompt
        await tx.tickets.answer_prompts(t.id, 9004)
        assert await tx.tickets.pending_prompt(9004, clock.now() - timedelta(minutes=30)) is None


async def test_usernames_and_report_drafts(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    async with uow() as tx:
        await tx.tickets.remember_username(9003, "Zhang9003", clock.now())
        await tx.tickets.save_draft(
            Draft(-1001003, 201, 1, "category", {"building": "3"},
                  clock.now() + timedelta(minutes=30)),
            clock.now(),
        )  # fmt: skip
        await tx.commit()
    async with uow() as tx:
        assert await tx.tickets.user_by_username("@zhang9003") == 9003
        draft = await tx.tickets.draft(-1001003, 201, clock.now())
        assert draft is not None and draft.data == {"building": "3"}
    clock.advance(minutes=31)
    async with uow() as tx:
        assert await tx.tickets.draft(-1001003, 201, clock.now()) is None

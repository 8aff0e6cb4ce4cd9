"""A group that became a supergroup is followed once, whatever tells us and however often.

The signals: the supergroup's `migrate_from_chat_id` message, the old group's
`migrate_to_chat_id` message, and ChatMigrated on a send to the old id – in any order, more
than once, and in two processes at the same time.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.clock import FakeClock
from bot.domain.records import OutboundMessage
from bot.domain.tickets import Follower, NewTicket
from bot.domain.tickets.changes import card_posted
from bot.registry_file import read_registry
from bot.services.chats import ChatGate, ChatService
from bot.services.migration import ChatMigrations
from bot.services.outbox import OutboxSender
from bot.services.ports import ChatMigrated
from bot.services.registry import load_registry
from bot.services.tickets.cards import Looks, show_card
from storage.chat_moves import NOT_MOVED, statements
from storage.models import AuditEvent, Base, OutboxMessage
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
OLD, NEW = -4003, -1001234567890
ADMIN = 9001


class UpgradedTelegram:
    """Stands in for the Bot API after the upgrade: the old id answers ChatMigrated."""

    def __init__(self) -> None:
        self.delivered: list[tuple[int, str, dict[str, Any]]] = []

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        if chat_id == OLD:
            raise ChatMigrated(NEW)
        self.delivered.append((chat_id, method, payload))
        return 100 + len(self.delivered)


@pytest.fixture
async def community_id(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> int:
    """The demo community with a basic group bound to building 3 and a ticket reported there."""
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        await tx.chats.bind(OLD, community.id, "building", "3", None, "3号楼老群", clock.now())
        await tx.commit()
    return community.id


async def open_ticket(uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int) -> int:
    """A ticket of the old group whose card was sent there (message 11)."""
    async with uow() as tx:
        ticket = await tx.tickets.create(
            NewTicket(
                community_id=community_id, source_key="u:1", source="mention",
                category="lighting", level=2, building="3", unit="2", room="401", phone=None,
                text="楼道灯不亮", chat_id=OLD, message_id=10, reporter_id=201,
                reporter_name="陈大爷",
            ),
            clock.now(),
        )  # fmt: skip
        card = await tx.outbox.enqueue(
            OutboundMessage(OLD, "send_message", {"text": "工单 #A-0001"}, "ticket.card", "c"),
            clock.now(),
        )
        assert card is not None
        await tx.outbox.mark_sent(card, 11, clock.now())
        await tx.tickets.update(ticket.id, card_posted(card), clock.now())
        await tx.tickets.add_follower(ticket.id, Follower(202, OLD, 12), clock.now())
        await tx.commit()
    return ticket.id


async def audits(uow: SqlUnitOfWorkFactory) -> list[dict[str, Any]]:
    async with uow() as tx:
        rows = await tx.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "chat.migrated")
        )
        return [r.details for r in rows]


def test_every_table_that_keeps_a_chat_id_moves_or_says_why_not() -> None:
    keeping = {t.name for t in Base.metadata.tables.values() if "chat_id" in t.c}
    moved = {s.table.name for s in statements(OLD, NEW).values()}
    assert keeping == moved | set(NOT_MOVED)


@pytest.mark.parametrize("order", list(itertools.permutations(["from", "to", "send"])))
async def test_every_signal_in_any_order_follows_the_group_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int, order: tuple[str, ...]
) -> None:
    ticket_id = await open_ticket(uow, clock, community_id)
    async with uow() as tx:
        await tx.outbox.enqueue(
            OutboundMessage(OLD, "send_message", {"text": "停水"}), clock.now()
        )
        await tx.commit()
    migrations = ChatMigrations(uow, clock)
    for via in (*order, *order):  # each signal twice
        assert await migrations.upgraded(OLD, NEW, via=via)

    [details] = await audits(uow)
    assert details == {"to": NEW, "via": order[0], "queued": 1, "tickets": 1, "followers": 1}
    async with uow() as tx:
        new = await tx.chats.get(NEW)
        assert new is not None and new.is_bound and new.community_id == community_id
        assert (new.coverage_kind, new.coverage_ref, new.title) == ("building", "3", "3号楼老群")
        old = await tx.chats.get(OLD)
        assert old is not None and old.status == "migrated" and not old.is_bound
        ticket = await tx.tickets.get(ticket_id)
        assert ticket is not None and (ticket.chat_id, ticket.message_id) == (NEW, None)
        assert await tx.tickets.by_message(NEW, 10) is None  # the supergroup's own message 10
        [follower] = await tx.tickets.followers(ticket_id)
        assert (follower.chat_id, follower.message_id) == (NEW, None)
        queued = await tx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        assert [(m.chat_id, m.payload["text"]) for m in queued] == [(NEW, "停水")]


async def test_the_supergroup_is_served_and_the_old_group_is_neither_served_nor_left(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    chats = ChatService(uow, clock)
    assert await chats.gate(NEW, "supergroup") is ChatGate.LEAVE  # a stranger, before
    assert await ChatMigrations(uow, clock).upgraded(OLD, NEW, via="update")
    assert await chats.gate(NEW, "supergroup") is ChatGate.SERVE
    assert await chats.gate(OLD, "group") is ChatGate.IGNORE  # leaving it would only fail


async def test_two_processes_told_at_once_follow_it_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    await open_ticket(uow, clock, community_id)
    one, other = ChatMigrations(uow, clock), ChatMigrations(uow, clock)
    done = await asyncio.gather(one.upgraded(OLD, NEW, via="update"), other.seen_on_send(OLD, NEW))
    assert done == [True, True]
    assert len(await audits(uow)) == 1
    async with uow() as tx:
        new = await tx.chats.get(NEW)
        assert new is not None and new.is_bound


async def test_what_was_queued_for_the_old_group_goes_to_the_supergroup(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    ticket_id = await open_ticket(uow, clock, community_id)
    async with uow() as tx:
        ticket = await tx.tickets.get(ticket_id)
        assert ticket is not None and ticket.card_outbox_id is not None
        card = ticket.card_outbox_id
        for message in (
            OutboundMessage(OLD, "edit_text", {"text": "v2", "target_outbox_id": card}),
            OutboundMessage(OLD, "edit_text", {"text": "v3", "target_outbox_id": card}),
            OutboundMessage(OLD, "send_message", {"text": "已接单", "reply_to_outbox_id": card}),
            OutboundMessage(OLD, "edit_text", {"text": "转给谁？· 热线", "message_id": 13}),
            OutboundMessage(OLD, "send_message", {"text": "收到", "reply_to_message_id": 12}),
        ):
            await tx.outbox.enqueue(message, clock.now())
        await tx.commit()
    telegram = UpgradedTelegram()
    migrations = ChatMigrations(uow, clock)
    sender = OutboxSender(uow, telegram, clock, follow_upgrade=migrations.seen_on_send)
    await sender.run_until_idle()

    # the card comes over as a new message with its latest text; the rest follow it
    assert telegram.delivered == [
        (NEW, "send_message", {"text": "v2"}),
        (NEW, "edit_text", {"text": "v3", "message_id": 101}),
        (NEW, "send_message", {"text": "已接单", "reply_to_message_id": 101}),
        (NEW, "send_message", {"text": "收到"}),  # message 12 of the old group: no reply
    ]  # the menu closed in the old group: nothing to do in the supergroup
    assert [d["via"] for d in await audits(uow)] == ["send"]
    async with uow() as tx:
        ticket = await tx.tickets.get(ticket_id)
        assert ticket is not None and ticket.card_outbox_id not in (None, card)
        assert await tx.outbox.sent_message_id(ticket.card_outbox_id or 0) == 101
        assert await tx.outbox.oldest_due(clock.now()) is None
        assert await tx.outbox.failed_since(clock.now()) == 0
    assert await migrations.upgraded(OLD, NEW, via="update")  # the service messages come late
    assert await sender.run_until_idle() == 0


async def test_a_card_left_in_the_old_group_is_shown_anew_in_the_supergroup(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    ticket_id = await open_ticket(uow, clock, community_id)
    assert await ChatMigrations(uow, clock).upgraded(OLD, NEW, via="update")
    looks = Looks()
    for _ in range(2):
        async with uow() as tx:
            ticket = await tx.tickets.get(ticket_id)
            community = await tx.registry.community(community_id)
            assert ticket is not None and community is not None
            await show_card(tx, looks, ticket, community, clock.now())
            await tx.commit()
    async with uow() as tx:
        rows = list(
            await tx.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == NEW)
                .order_by(OutboxMessage.id)
            )
        )
        ticket = await tx.tickets.get(ticket_id)
        posted, edited = rows
        assert (posted.method, posted.dedup_key) == ("send_message", f"tk:{ticket_id}:card:v2")
        assert "#A-0001" in posted.payload["text"]
        assert edited.method == "edit_text" and edited.payload["target_outbox_id"] == posted.id
        assert ticket is not None
        assert (ticket.card_outbox_id, ticket.card_version) == (posted.id, 3)


async def test_the_community_file_naming_the_old_id_changes_the_supergroup(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int, tmp_path: Path
) -> None:
    upgraded = -1009876543210
    assert await ChatMigrations(uow, clock).upgraded(-1001003, upgraded, via="update")
    renamed = tmp_path / "community.yaml"
    renamed.write_text(DEMO.read_text(encoding="utf-8").replace("3号楼邻里群", "3号楼业主群"))
    await load_registry(uow, read_registry(renamed), clock)
    async with uow() as tx:
        new = await tx.chats.get(upgraded)
        old = await tx.chats.get(-1001003)
    assert new is not None and new.is_bound and new.title == "3号楼业主群"
    assert old is not None and old.status == "migrated"


async def test_when_it_cannot_be_done_the_admins_are_told_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int
) -> None:
    impossible = -(2**63) - 5  # no database stores this id: the move fails as a whole
    migrations = ChatMigrations(uow, clock)
    assert not await migrations.upgraded(OLD, impossible, via="update")
    assert not await migrations.seen_on_send(OLD, impossible)
    async with uow() as tx:
        told = list(
            await tx.session.scalars(
                select(OutboxMessage).where(OutboxMessage.purpose == "admin.chat_upgrade_failed")
            )
        )
        old = await tx.chats.get(OLD)
        assert [m.chat_id for m in told] == [ADMIN]
        assert "3号楼老群" in told[0].payload["text"] and "超级群" in told[0].payload["text"]
    assert old is not None and old.is_bound  # nothing half done
    assert await audits(uow) == []

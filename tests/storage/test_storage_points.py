"""The points ledger on SQLite and PostgreSQL: rows are only ever added (by the session and by
the database itself), one event earns a rule once, caps hold, and a ballot earns its points in
the transaction that stores it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from bot.domain.households.records import ConsultationRecord
from bot.domain.households.register import HouseholdSpec
from bot.domain.points.records import EntryKind, Holder, NewEntry
from bot.domain.records import CommunityInfo
from bot.registry_file import read_registry
from bot.services.households.consult import ConsultationDesk
from bot.services.points.earn import award, points_spec
from bot.services.registry import load_registry
from storage.append_only import AppendOnlyError
from storage.models_points import PointsEntryRow
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
RESIDENT = Holder("person", 501, "3")


async def community(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> CommunityInfo:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        found = await tx.registry.community_by_code("A")
    assert found is not None
    return found


def entry(cid: int, event: str, points: int = 2, rule: str = "fixed") -> NewEntry:
    return NewEntry(
        community_id=cid, holder=RESIDENT, kind=EntryKind.AWARD, points=points, rule=rule,
        event=event, reason="报修已解决", actor=None, approved_by=None,
    )  # fmt: skip


async def test_one_event_earns_a_rule_once_and_the_balance_is_the_sum_of_the_rows(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = (await community(uow, clock)).id
    async with uow() as tx:
        assert await tx.points.add(entry(cid, "ticket:1"), clock.now()) is True
        assert await tx.points.add(entry(cid, "ticket:1"), clock.now()) is False  # again
        assert await tx.points.add(entry(cid, "ticket:2"), clock.now()) is True
        await tx.commit()
    async with uow() as tx:  # a second transaction cannot double it either
        assert await tx.points.add(entry(cid, "ticket:1", points=5), clock.now()) is False
        assert await tx.points.add(entry(cid, "ticket:1", rule="vote"), clock.now()) is True
        await tx.commit()
        assert await tx.points.balance(cid, RESIDENT) == 6
        recent = await tx.points.recent(cid, RESIDENT, 2)
    assert len(recent) == 2 and all(e.kind is EntryKind.AWARD for e in recent)


async def test_a_session_refuses_to_change_or_delete_a_ledger_row(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = (await community(uow, clock)).id
    async with uow() as tx:
        await tx.points.add(entry(cid, "ticket:1"), clock.now())
        await tx.commit()
        row_id = await tx.session.scalar(select(PointsEntryRow.id))
    for act in ("change", "delete", "bulk update", "bulk delete"):
        with pytest.raises(AppendOnlyError):
            async with uow() as tx:
                row = await tx.session.get(PointsEntryRow, row_id)
                assert row is not None
                if act == "change":
                    row.points = 200
                    await tx.session.flush()
                elif act == "delete":
                    await tx.session.delete(row)
                    await tx.session.flush()
                elif act == "bulk update":
                    await tx.session.execute(update(PointsEntryRow).values(points=200))
                else:
                    await tx.session.execute(delete(PointsEntryRow))
    async with uow() as tx:
        assert await tx.points.balance(cid, RESIDENT) == 2


async def test_the_database_refuses_updates_and_deletes_of_the_ledger(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, engine: AsyncEngine
) -> None:
    cid = (await community(uow, clock)).id
    async with uow() as tx:
        await tx.points.add(entry(cid, "ticket:1"), clock.now())
        await tx.commit()
        row_id = await tx.session.scalar(select(PointsEntryRow.id))
    replace = (
        f"INSERT OR REPLACE INTO points_ledger (id, community_id, holder_kind, holder_id, kind, "
        f"points, rule, event, reason, at) VALUES ({row_id}, {cid}, 'person', 501, 'award', 99, "
        "'x', 'y', 'z', '2026-01-01 00:00:00')"
    )
    for sql in (
        "UPDATE points_ledger SET points = 200",
        f"DELETE FROM points_ledger WHERE id = {row_id}",
        "TRUNCATE points_ledger" if engine.dialect.name == "postgresql" else replace,
    ):
        with pytest.raises(DBAPIError, match="points_ledger is append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(sql))
    async with uow() as tx:
        assert await tx.points.balance(cid, RESIDENT) == 2


async def test_an_award_is_cut_to_the_rules_cap_in_the_communitys_month(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    info = await community(uow, clock)
    spec = points_spec(info)
    assert spec is not None
    fixed = spec.rule("fixed")  # 2 points, at most 10 a month
    assert fixed is not None
    given = []
    async with uow() as tx:
        for n in range(7):
            given.append(await award(tx, info, fixed, RESIDENT, f"ticket:{n}", clock.now()))
        await tx.commit()
    assert given == [2, 2, 2, 2, 2, 0, 0]
    clock.advance(timedelta(days=31))  # a new month: the cap starts again
    async with uow() as tx:
        assert await award(tx, info, fixed, RESIDENT, "ticket:99", clock.now()) == 2
        await tx.commit()
        assert await tx.points.balance(info.id, RESIDENT) == 12


async def test_a_first_ballot_earns_the_voter_points_once_and_a_changed_one_earns_nothing(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = (await community(uow, clock)).id
    now = clock.now()
    spec = HouseholdSpec.model_validate({"building": "3", "unit": "2", "room": "401"})
    async with uow() as tx:
        await tx.households.replace_register(cid, [spec], now)
        home = await tx.households.find(cid, "3", "2", "401")
        assert home is not None
        await tx.households.link(home.id, 501, now)  # the first account: the voter
        consultation = ConsultationRecord(
            community_id=cid, question="换电梯？", options=("同意", "反对"), buildings=("3",),
            voters="all", rule={}, secret=True, deadline=now + timedelta(days=1),
            created_by=9001, update_id=42,
        )  # fmt: skip
        cons_id = await tx.consultations.add(consultation, now)
        await tx.commit()
    desk = ConsultationDesk(uow, clock)
    await desk.vote(501, cons_id, 0, update_id=1)
    await desk.vote(501, cons_id, 1, update_id=2)  # changed: still one ballot
    async with uow() as tx:
        assert await tx.points.balance(cid, Holder("person", 501)) == 1
        rows = (await tx.session.scalars(select(PointsEntryRow))).all()
        written = [(r.rule, r.event, r.building) for r in rows]
    assert written == [("vote", f"consultation:{cons_id}:household:{home.id}", "3")]

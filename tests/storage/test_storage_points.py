"""The points ledger on SQLite and PostgreSQL: rows are only ever added (by the session and by
the database itself), one event earns a rule once, caps hold, and a ballot earns its points in
the transaction that stores it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput
from bot.domain.households.records import ConsultationRecord
from bot.domain.households.register import HouseholdSpec
from bot.domain.points.records import EntryKind, Holder, NewEntry
from bot.domain.records import CommunityInfo
from bot.registry_file import read_registry
from bot.services.households.consult import ConsultationDesk
from bot.services.points.earn import award, holder_of, points_spec
from bot.services.points.shop import ShopDesk
from bot.services.registry import load_registry
from storage.append_only import AppendOnlyError
from storage.database import Database
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


# -- the shop ------------------------------------------------------------------------------------


async def residents_with_points(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, cid: int, count: int, points: int
) -> list[int]:
    """`count` linked residents of building 3, each holding `points`."""
    now = clock.now()
    homes = [
        HouseholdSpec.model_validate({"building": "3", "unit": "1", "room": f"{100 + n}"})
        for n in range(count)
    ]
    people = [7000 + n for n in range(count)]
    async with uow() as tx:
        await tx.households.replace_register(cid, homes, now)
        for n, person in enumerate(people):
            home = await tx.households.find(cid, "3", "1", f"{100 + n}")
            assert home is not None
            await tx.households.link(home.id, person, now)
            holder = Holder("person", person, "3")
            gift = NewEntry(
                community_id=cid, holder=holder, kind=EntryKind.AWARD, points=points,
                rule="volunteer", event=f"gift:{person}", reason="志愿服务", actor=None,
                approved_by=9001,
            )  # fmt: skip
            await tx.points.add(gift, now)
        await tx.commit()
    return people


async def outcome(desk: ShopDesk, person: int, item_id: int) -> str:
    try:
        return await desk.redeem(person, item_id)
    except InvalidInput as refused:
        return refused.key


async def test_twenty_residents_redeeming_the_last_item_at_once_only_one_gets_it(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL (SQLite has one writer)")
    cid = (await community(uow, clock)).id
    people = await residents_with_points(uow, clock, cid, 20, 100)
    async with uow() as tx:
        item = await tx.shop.add_item(cid, "大米", 50, 1, clock.now())
        await tx.commit()
    desk = ShopDesk(uow, clock)
    results = await asyncio.gather(*(outcome(desk, p, item.id) for p in people))
    won = [r for r in results if r.startswith("兑换成功")]
    assert len(won) == 1 and results.count("points.shop.sold_out") == 19
    async with uow() as tx:
        left = await tx.shop.get_item(item.id)
        balances = [await tx.points.balance(cid, Holder("person", p)) for p in people]
    assert left is not None and left.stock == 0
    assert sorted(balances) == [50] + [100] * 19


async def test_one_resident_redeeming_twenty_items_at_once_spends_the_points_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL (SQLite has one writer)")
    cid = (await community(uow, clock)).id
    (person,) = await residents_with_points(uow, clock, cid, 1, 60)
    async with uow() as tx:
        items = [await tx.shop.add_item(cid, f"物品{n}", 50, 1, clock.now()) for n in range(20)]
        await tx.commit()
    desk = ShopDesk(uow, clock)
    results = await asyncio.gather(*(outcome(desk, person, item.id) for item in items))
    assert len([r for r in results if r.startswith("兑换成功")]) == 1
    assert results.count("points.shop.too_few") == 19
    async with uow() as tx:
        left = [await tx.shop.get_item(item.id) for item in items]
        assert await tx.points.balance(cid, Holder("person", person)) == 10
    assert sorted(i.stock for i in left if i is not None) == [0] + [1] * 19  # put back


async def test_a_redemption_lowers_stock_and_balance_together_and_is_handed_out_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = (await community(uow, clock)).id
    (person,) = await residents_with_points(uow, clock, cid, 1, 60)
    async with uow() as tx:
        item = await tx.shop.add_item(cid, "大米", 50, 2, clock.now())
        await tx.commit()
    desk = ShopDesk(uow, clock)
    said = await desk.redeem(person, item.id)
    code = said.split("兑换码：")[1].split()[0]
    assert await outcome(desk, person, item.id) == "points.shop.too_few"  # 10 left: nothing
    async with uow() as tx:
        left = await tx.shop.get_item(item.id)
        assert await tx.points.balance(cid, Holder("person", person)) == 10
        assert await tx.shop.hand_out(code, 9003, clock.now()) is True
        assert await tx.shop.hand_out(code, 9003, clock.now()) is False
        await tx.commit()
    assert left is not None and left.stock == 1


async def test_loudao_points_report_sums_awards_and_redemptions_by_month_and_building(
    database: Database,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uow = database.uow
    cid = (await community(uow, clock)).id  # clock: 1 December 2026, 10:00 in Shanghai
    (person,) = await residents_with_points(uow, clock, cid, 1, 60)
    async with uow() as tx:
        item = await tx.shop.add_item(cid, "大米", 50, 1, clock.now())
        await tx.points.add(
            NewEntry(
                community_id=cid, holder=Holder("person", 8000, "5"), kind=EntryKind.AWARD,
                points=2, rule="fixed", event="ticket:7", reason="报修已解决", actor=None,
                approved_by=None,
            ),
            clock.now(),
        )  # fmt: skip
        await tx.commit()
    clock.advance(days=31)  # January
    await ShopDesk(uow, clock).redeem(person, item.id)
    monkeypatch.setenv("LOUDAO_DATABASE_URL", database.url)
    assert await asyncio.to_thread(main, ["points", "report", "--community", "A"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "month\tbuilding\tawarded\tredeemed",
        "2026-12\t3\t60\t0",
        "2026-12\t5\t2\t0",
        "2027-01\t3\t0\t50",
    ]
    assert await asyncio.to_thread(main, ["points", "report", "--community", "Z"]) == 1


async def test_with_households_as_the_unit_every_account_of_a_home_shares_its_points(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    info = await community(uow, clock)
    per_home = replace(
        info, extra={**info.extra, "points": {**info.extra["points"], "unit": "household"}}
    )
    now = clock.now()
    spec = HouseholdSpec.model_validate({"building": "3", "unit": "2", "room": "401"})
    async with uow() as tx:
        await tx.households.replace_register(info.id, [spec], now)
        home = await tx.households.find(info.id, "3", "2", "401")
        assert home is not None
        for account in (501, 502):
            await tx.households.link(home.id, account, now)
        first = await holder_of(tx, per_home, 501)
        second = await holder_of(tx, per_home, 502)
        assert first == second == Holder("household", home.id, "3")
        assert await holder_of(tx, per_home, 999) is None  # not linked: holds nothing
        rules = points_spec(per_home)
        rule = rules.rule("fixed") if rules is not None else None
        assert rule is not None
        await award(tx, per_home, rule, first, "ticket:1", now)
        await award(tx, per_home, rule, second, "ticket:2", now)
        await tx.commit()
        assert await tx.points.balance(info.id, first) == 4
        assert await holder_of(tx, info, 501) == Holder("person", 501, "3")  # the default

"""The household register, its codes and accounts, and ballots, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.clock import FakeClock
from bot.domain.households.records import ConsultationRecord
from bot.domain.households.register import HouseholdSpec
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from storage.database import Database
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


def home(building: str, unit: str | None, room: str, **extra: object) -> HouseholdSpec:
    return HouseholdSpec.model_validate(
        {"building": building, "unit": unit, "room": room, **extra}
    )


async def community_id(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> int:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        found = await tx.registry.community_by_code("A")
    assert found is not None
    return found.id


async def test_importing_the_register_again_updates_and_deletes_what_the_file_left_out(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = await community_id(uow, clock)
    first = [home("3", "2", "401", area="89.50"), home("3", "2", "402"), home("5", None, "101")]
    async with uow() as tx:
        report = await tx.households.replace_register(cid, first, clock.now())
        await tx.commit()
    assert (report.created, report.updated, report.removed) == (3, 0, 0)
    again = [home("3", "2", "401", area="89.50", status="tenant"), home("5", None, "101")]
    async with uow() as tx:
        report = await tx.households.replace_register(cid, again, clock.now())
        await tx.commit()
        homes = await tx.households.of_community(cid)
        only_five = await tx.households.of_community(cid, ["5"])
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 1)
    assert [h.key for h in homes] == ["3-2-401", "5-101"]
    assert homes[0].area == Decimal("89.5") and homes[0].status == "tenant"
    assert [h.key for h in only_five] == ["5-101"] and only_five[0].unit is None


async def test_a_code_links_once_and_the_first_account_is_the_households_voter(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = await community_id(uow, clock)
    async with uow() as tx:
        await tx.households.replace_register(cid, [home("3", "2", "401")], clock.now())
        found = await tx.households.find(cid, "3", "2", "401")
        assert found is not None
        now = clock.now()
        for code in ("AAAA1111", "BBBB2222"):
            await tx.households.add_code(code, found.id, 9001, now, now + timedelta(hours=1))
        await tx.commit()
    async with uow() as tx:
        assert await tx.households.use_code("AAAA1111", 501, now) == found.id
        assert await tx.households.use_code("AAAA1111", 502, now) is None  # spent
        assert await tx.households.link(found.id, 501, now) is True
        assert await tx.households.use_code("BBBB2222", 502, now + timedelta(hours=2)) is None
        assert await tx.households.link(found.id, 502, now) is False  # second: not the voter
        assert await tx.households.voters(cid) == {found.id: 501}
        assert await tx.households.set_voter(found.id, 502)
        assert not await tx.households.set_voter(found.id, 777)  # not linked to it
        await tx.commit()
    async with uow() as tx:
        assert await tx.households.voters(cid) == {found.id: 502}
        members = await tx.households.memberships(501)
    assert [(m.household.key, m.voter) for m in members] == [("3-2-401", False)]


async def test_a_households_later_ballot_replaces_the_earlier_and_a_consultation_closes_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = await community_id(uow, clock)
    now = clock.now()
    async with uow() as tx:
        await tx.households.replace_register(cid, [home("3", "2", "401")], now)
        found = await tx.households.find(cid, "3", "2", "401")
        assert found is not None
        consultation = ConsultationRecord(
            community_id=cid, question="换电梯？", options=("同意", "反对", "弃权"),
            buildings=("3",), voters="owners", rule={}, secret=True,
            deadline=now + timedelta(days=1), created_by=9001, update_id=42,
        )  # fmt: skip
        cons_id = await tx.consultations.add(consultation, now)
        assert await tx.consultations.add(consultation, now) == cons_id  # once per update
        assert await tx.consultations.cast(cons_id, found.id, 1, False, 501, now) is None
        assert await tx.consultations.cast(cons_id, found.id, 0, True, 9002, now) == 1
        await tx.commit()
    async with uow() as tx:
        ballots = await tx.consultations.ballots(cons_id)
        assert [(b.option, b.paper, b.cast_by, b.changes) for b in ballots] == [(0, True, 9002, 1)]
        assert await tx.consultations.claim_closing(now) == []  # not yet
        closing = await tx.consultations.claim_closing(now + timedelta(days=1))
        assert [c.id for c in closing] == [cons_id] and closing[0].closed_at is not None
        await tx.commit()
    async with uow() as tx:
        assert await tx.consultations.claim_closing(now + timedelta(days=2)) == []
        await tx.consultations.save_result(cons_id, {"passed": True})
        await tx.commit()
        stored = await tx.consultations.get(cons_id)
    assert stored is not None and stored.result == {"passed": True}


async def test_loudao_households_import_then_export_counts_and_the_register_only_audited(
    database: Database,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await community_id(database.uow, clock)
    monkeypatch.setenv("LOUDAO_DATABASE_URL", database.url)
    source = tmp_path / "households.csv"
    source.write_text("building,unit,room,area,name\n3,2,401,89.5,赵先生\n5,1,101,,\n", "utf-8")
    argv = ["households", "import", str(source), "--community", "A"]
    assert await asyncio.to_thread(main, [*argv, "--check"]) == 0
    assert "OK (A: 2 households)" in capsys.readouterr().out
    assert await asyncio.to_thread(main, argv) == 0
    assert "2 created" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["households", "export", "--community", "A"]) == 0
    counts = capsys.readouterr().out
    assert "building 3: 1 households, 1 owners, 1 with area" in counts
    assert "401" not in counts and "赵先生" not in counts  # counts only, by default
    out = tmp_path / "register.yaml"
    personal = ["households", "export", "--community", "A", "-o", str(out), "--with-personal-data"]
    assert await asyncio.to_thread(main, personal) == 1  # whose export?
    assert await asyncio.to_thread(main, [*personal, "--actor", "9003"]) == 1  # not an admin
    assert not out.exists()
    assert await asyncio.to_thread(main, [*personal, "--actor", "9001"]) == 0
    assert "赵先生" in out.read_text("utf-8")
    async with database.uow() as tx:
        assert await tx.audit.count("households.exported") == 1
        assert await tx.audit.count("households.imported") == 1


async def test_the_care_list_follows_the_file_and_a_round_starts_and_reports_once(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    cid = await community_id(uow, clock)
    care = {"reason": "elderly_alone", "consent": "2026-11-02", "note": "女儿照看"}
    homes = [home("3", "1", "101", care=care), home("3", "2", "402"), home("5", "1", "201")]
    now = clock.now()
    async with uow() as tx:
        await tx.households.replace_register(cid, homes, now)
        spec = homes[0].care
        assert spec is not None
        assert await tx.care.replace_entries(cid, {("3", "1", "101"): spec}, now) == 1
        cared = await tx.care.entries(cid, ["3"])
        assert [(c.household.key, c.reason, c.note) for c in cared] == [
            ("3-1-101", "elderly_alone", "女儿照看")
        ]
        assert await tx.care.entries(cid, ["5"]) == []
        later = now + timedelta(hours=2)
        round_id = await tx.care.start_round(cid, "outage:7", "water", ["3"], now, later)
        assert round_id is not None
        assert await tx.care.start_round(cid, "outage:7", "water", ["3"], now, later) is None
        await tx.care.add_checks(round_id, [cared[0].household.id])
        await tx.commit()
    async with uow() as tx:
        household = cared[0].household.id
        assert await tx.care.contact(round_id, household, 9009, now)
        assert not await tx.care.contact(round_id, household, 9006, now)  # reached already
        [check] = await tx.care.checks(round_id)
        assert check.contacted_by == 9009
        assert await tx.care.claim_reports(now) == []
        assert [r.id for r in await tx.care.claim_reports(later)] == [round_id]
        assert await tx.care.claim_reports(later) == []
        assert await tx.care.replace_entries(cid, {}, now) == 0  # consent withdrawn
        assert await tx.care.entries(cid) == []
        await tx.commit()

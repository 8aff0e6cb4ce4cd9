"""`loudao export tickets` on SQLite and PostgreSQL: tickets of a period read back from CSV and
XLSX, in batches across ties, deadlines met/missed/pending; personal columns only for an
admin, and then audited (with no personal data in the audit row)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import i18n
from bot.__main__ import main
from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.tickets import NewTicket, Status
from bot.domain.tickets.changes import TicketChange
from bot.domain.tickets.model import Closure, Verdict
from bot.registry_file import read_registry
from bot.services.registry import load_registry
from bot.services.reports.tickets_export import (
    COLUMNS,
    EXPORTED,
    PERSONAL_COLUMNS,
    ExportRequest,
    TicketExport,
)
from bot.table_files import write_table
from storage.database import Database
from storage.models import AuditEvent
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
ADMIN, PLUMBER = 9001, 9003
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NOVEMBER = {"first_day": date(2026, 11, 1), "last_day": date(2026, 11, 30)}
PRIVATE = ("401", "13812345678", "陈大爷", "楼道灯不亮")


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def iso(*at: int) -> str:
    return utc(*at).isoformat()


async def seed(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    """Five tickets: four opened in November (Shanghai time), two of them at the same moment,
    and one just after midnight on 1 December in Shanghai (still 30 November in UTC)."""
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None

        async def ticket(
            at: datetime, level: int, category: str, building: str, change: TicketChange
        ) -> int:
            new = NewTicket(
                community_id=community.id, source_key=f"u:{at.isoformat()}:{category}",
                source="mention", category=category, level=level, building=building, unit="2",
                room="401", phone="13812345678", text="楼道灯不亮", chat_id=-1001003,
                message_id=10, reporter_id=201, reporter_name="陈大爷",
            )  # fmt: skip
            created = await tx.tickets.create(new, at)
            await tx.tickets.update(created.id, change, at)
            return created.id

        first = await ticket(utc(11, 3, 1), 2, "lighting", "3", TicketChange(
            status=Status.CLOSED, closure=Closure.CONFIRMED, verdict=Verdict.SATISFIED,
            promised={"acknowledge_by": iso(11, 3, 3), "respond_by": iso(11, 3, 3),
                      "resolve_by": iso(11, 10, 10)},
            accepted_at=utc(11, 3, 1, 30), resolved_at=utc(11, 12, 1), closed_at=utc(11, 12, 2),
        ))  # fmt: skip
        emergency = await ticket(utc(11, 5, 2), 1, "water_leak", "6", TicketChange(
            status=Status.ACCEPTED, accepted_at=utc(11, 5, 2, 20),
            promised={"acknowledge_by": iso(11, 5, 2, 5), "respond_by": iso(11, 5, 2, 30),
                      "control_by": iso(11, 5, 4), "follow_up_by": iso(11, 6, 2)},
        ))  # fmt: skip
        await tx.duty.add_followup(emergency, community.id, PLUMBER, utc(11, 6, 2), utc(11, 5, 2))
        await tx.duty.followup_done(emergency, PLUMBER, utc(11, 5, 20))
        await ticket(utc(11, 5, 2), 2, "lighting", "3", TicketChange())  # old: no promises
        await ticket(utc(11, 20, 3), 2, "lighting", "3", TicketChange(
            status=Status.CANCELLED, merged_into_id=first, closed_at=utc(11, 20, 4),
            promised={"acknowledge_by": iso(11, 20, 5), "resolve_by": iso(12, 20, 1)},
        ))  # fmt: skip
        await ticket(utc(11, 30, 17), 2, "lighting", "171", TicketChange(
            promised={"acknowledge_by": iso(11, 30, 18), "resolve_by": iso(12, 8, 1)},
        ))  # fmt: skip
        await tx.commit()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def exporter(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> TicketExport:
    return TicketExport(uow, clock, batch_size=2)  # batches of 2: 4 tickets cross 2 boundaries


def by_column(header: list[str], row: list[object], personal: bool = False) -> dict[str, object]:
    names = (*COLUMNS, *PERSONAL_COLUMNS) if personal else COLUMNS
    assert header == [i18n.t("zh_CN", f"export.column.{n}") for n in names]
    return dict(zip(names, row, strict=True))


async def test_a_months_tickets_to_csv_without_personal_data(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    await seed(uow, clock)
    run = await exporter(uow, clock).start(ExportRequest("a", **NOVEMBER))
    assert run.total == 4
    path = tmp_path / "tickets.csv"
    seen: list[int] = []
    assert await write_table(path, run.header, run.rows(), seen.append) == 4
    assert seen == [1, 2, 3, 4]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese right
    assert not any(p in raw.decode("utf-8-sig") for p in PRIVATE)
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert header[0] == "工单号" and len(rows) == 4
    t1, t2, t3, t4 = (by_column(header, r) for r in rows)
    assert [t["number"] for t in (t1, t2, t3, t4)] == ["A-0001", "A-0002", "A-0003", "A-0004"]
    assert {k: t1[k] for k in ("created_at", "accepted_at", "resolved_at", "closed_at")} == {
        "created_at": "2026-11-03 09:00", "accepted_at": "2026-11-03 09:30",
        "resolved_at": "2026-11-12 09:00", "closed_at": "2026-11-12 10:00",
    }  # fmt: skip
    assert (t1["status"], t1["closure"], t1["verdict"]) == ("已办结", "居民已确认", "满意")
    assert (t1["category"], t1["level"], t1["building"], t1["grid"]) == (
        "照明灯具",
        "2",
        "3",
        "G1",
    )
    assert (t1["acknowledge_by"], t1["acknowledge_by_kept"]) == ("2026-11-03 11:00", "按时")
    assert (t1["resolve_by"], t1["resolve_by_kept"]) == ("2026-11-10 18:00", "超时")
    assert (t1["control_by"], t1["control_by_kept"], t1["plan_by_kept"]) == ("", "", "")
    # the emergency: acknowledged late, on site in time, never reported under control, called
    assert [t2[f"{p}_kept"] for p in ("acknowledge_by", "respond_by", "control_by", "follow_up_by")] == [
        "超时", "按时", "超时", "按时",
    ]  # fmt: skip
    assert (t2["grid"], t2["status"]) == ("G2", "工作人员已接单")
    assert all(t3[c] == "" for c in COLUMNS if c.endswith("_by") or c.endswith("_kept"))
    # merged before any deadline fell due: nothing more was owed
    assert (t4["merged_into"], t4["acknowledge_by_kept"], t4["resolve_by_kept"]) == (
        "A-0001",
        "",
        "",
    )


async def test_all_tickets_to_xlsx_with_personal_data_for_an_admin_are_audited(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    await seed(uow, clock)
    request = ExportRequest("A", personal=True, actor=ADMIN, file_format="xlsx")
    run = await exporter(uow, clock).start(request)
    path = tmp_path / "tickets.xlsx"
    assert await write_table(path, run.header, run.rows()) == 5
    book = load_workbook(path, read_only=True)
    header, *rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    book.close()
    last = by_column(header, rows[-1], personal=True)
    assert last["number"] == "A-0005" and last["created_at"] == datetime(2026, 12, 1, 1, 0)
    assert (last["resolve_by"], last["resolve_by_kept"]) == (datetime(2026, 12, 8, 9, 0), "未到期")
    assert (last["acknowledge_by_kept"], last["level"]) == ("超时", 2)
    assert [last[c] for c in PERSONAL_COLUMNS] == ["401", "13812345678", "陈大爷", "楼道灯不亮"]
    async with uow() as tx:
        found = await tx.session.execute(
            select(AuditEvent.actor_telegram_id, AuditEvent.subject, AuditEvent.details).where(
                AuditEvent.action == EXPORTED
            )
        )
        audit = [tuple(r) for r in found]
    assert audit == [
        (
            ADMIN,
            "community:A",
            {"rows": 5, "personal": True, "from": None, "to": None, "format": "xlsx"},
        )
    ]
    assert not any(p in json.dumps(audit[0][2], ensure_ascii=False) for p in PRIVATE)


async def test_personal_data_is_refused_to_anyone_but_an_admin_and_nothing_is_audited(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await seed(uow, clock)
    export = exporter(uow, clock)
    with pytest.raises(NotAllowed):
        await export.start(ExportRequest("A", personal=True, actor=PLUMBER))
    with pytest.raises(NotAllowed):
        await export.start(ExportRequest("A", personal=True, actor=201))
    with pytest.raises(InvalidInput):
        await export.start(ExportRequest("A", personal=True))
    with pytest.raises(InvalidInput):
        await export.start(ExportRequest("A", date(2026, 11, 30), date(2026, 11, 1)))
    async with uow() as tx:
        assert await tx.audit.count(EXPORTED) == 0
    run = await export.start(ExportRequest("A", actor=PLUMBER))  # without personal data: fine
    assert "房号" not in run.header and run.total == 5


async def test_loudao_export_tickets_writes_the_file_and_says_how_far_it_got(
    database: Database,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await seed(database.uow, clock)
    monkeypatch.setenv("LOUDAO_DATABASE_URL", database.url)
    out = tmp_path / "november.xlsx"
    argv = ["export", "tickets", "--community", "A", "--from", "2026-11-01", "--to", "2026-11-30"]
    assert await asyncio.to_thread(main, [*argv, "-o", str(out)]) == 0
    said = capsys.readouterr()
    assert said.out == f"{out}: 4 tickets written\n" and said.err.endswith("4/4 rows\n")
    book = load_workbook(out, read_only=True)
    assert len(list(book.active.iter_rows())) == 5
    book.close()
    refused = tmp_path / "refused.csv"
    for extra, why in (
        (["--with-personal-data", "--actor", str(PLUMBER)], "只有本小区的管理员"),
        (["--with-personal-data"], "--actor"),
    ):
        assert await asyncio.to_thread(main, [*argv, "-o", str(refused), *extra]) == 1
        assert why in capsys.readouterr().err
    assert not refused.exists() and list(tmp_path.glob(".*partial")) == []

"""`loudao report`'s workbook from a real database (SQLite and PostgreSQL): the sheets, the
figures of a small month read back with openpyxl, the definitions, and no resident's data."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.clock import FakeClock
from bot.domain.kpi import month
from bot.domain.tickets import Action, NewTicket, Ticket
from bot.domain.tickets.changes import confirmed, deadlines, expired, handed_to, resolved
from bot.domain.tickets.model import Verdict
from bot.registry_file import read_registry
from bot.services.kpi.report import build_report
from bot.services.kpi.report_files import write_report
from bot.services.kpi.report_tables import csv_tables, workbook_tables
from bot.services.registry import load_registry
from bot.services.tickets.core import change
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
STAFF = 9004  # 刘师傅 in the demo community: lighting
PRIVATE = ("陈大爷", "401", "13912345678", "楼道灯不亮")  # the reporter, room, phone, words


def _new(community_id: int, key: str, building: str) -> NewTicket:
    return NewTicket(
        community_id=community_id, source_key=key, source="mention", category="lighting",
        level=2, building=building, unit="2", room="401", phone="13912345678",
        text="楼道灯不亮", chat_id=-1001003, message_id=10, reporter_id=201,
        reporter_name="陈大爷",
    )  # fmt: skip


async def _step(
    tx: SqlUnitOfWork, ticket: Ticket, action: Action, clock: FakeClock, **kw: object
) -> Ticket:
    return await change(
        tx, ticket, action, clock.now(), actor=STAFF, update_id=None, locale="zh_CN",
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
async def community_id(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> int:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
    assert community is not None
    return community.id


async def _three_tickets(uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int) -> None:
    """Building 3: one fixed and confirmed (满意), one closed unconfirmed; building 5: one open,
    its 2-hour acknowledgement missed; and one in building 3 in November."""
    start = clock.now()
    async with uow() as tx:  # November's: the period before, for the hot spots
        await tx.tickets.create(_new(community_id, "u:nov", "3"), start - timedelta(days=5))
        made = [
            await tx.tickets.create(_new(community_id, f"u:{n}", building), start)
            for n, building in enumerate(("3", "3", "5"))
        ]
        for t in made:
            t = await tx.tickets.update(
                t.id,
                deadlines(start + timedelta(hours=2), start + timedelta(days=5), {
                    "acknowledge_by": (start + timedelta(hours=2)).isoformat(),
                    "resolve_by": (start + timedelta(days=5)).isoformat(),
                }),
                start,
            )  # fmt: skip
            await _step(tx, t, Action.ASSIGN, clock, changes=handed_to(STAFF, "刘师傅"))
        clock.advance(hours=1)
        for t in made[:2]:
            t = await tx.tickets.get(t.id)  # type: ignore[assignment]
            t = await _step(tx, t, Action.ACCEPT, clock)
            t = await _step(tx, t, Action.RESOLVE, clock,
                            changes=resolved("换了灯泡", None, clock.now(), timedelta(days=2)))  # fmt: skip
        first, second = [await tx.tickets.get(t.id) for t in made[:2]]
        assert first is not None and second is not None
        clock.advance(hours=1)
        await _step(tx, first, Action.CONFIRM, clock,
                    changes=confirmed(Verdict.SATISFIED, clock.now()))  # fmt: skip
        await _step(tx, second, Action.EXPIRE, clock, changes=expired(clock.now()))
        await tx.commit()
    clock.advance(days=1)


def _rows(sheet: Worksheet) -> dict[str, tuple[object, ...]]:
    """A sheet's rows by their first cell."""
    return {str(r[0]): r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}


async def test_the_workbook_holds_every_sheet_the_figures_and_their_definitions(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int, tmp_path: Path
) -> None:
    await _three_tickets(uow, clock, community_id)
    async with uow() as tx:
        community = await tx.registry.community(community_id)
        assert community is not None
        period = month(date(2026, 12, 1), community.timezone)
        report = await build_report(tx, community, period, clock.now(), ["building", "level"])
    path = tmp_path / "report.xlsx"
    write_report(workbook_tables(report), path)

    book = load_workbook(path)
    assert book.sheetnames == [
        "概况 Summary", "期限 Deadlines", "按楼栋 By building", "按级别 By level",
        "报修最多 Hot spots", "定义 Definitions",
    ]  # fmt: skip
    summary = _rows(book["概况 Summary"])
    assert summary["社区 Community"][0] == "阳光花园 (A)"
    assert summary["期间 Period"][0] == "2026-12-01 ~ 2026-12-31"
    assert summary["新报 Opened"][0] == 3
    assert summary["办结 Closed"][0] == 2
    assert summary["确认修好 Confirmed fixed"][0] == 1
    assert summary["办结率 Closure rate"][:3] == (pytest.approx(2 / 3), 2, 3)
    assert summary["确认修好率 Confirmed-fixed rate"][:3] == (0.5, 1, 2)
    assert summary["满意率 Satisfaction"][:3] == (1.0, 1, 1)
    assert summary["目前未办结 Open now"][0] == 2  # building 5's, and November's
    assert summary["目前超时 Overdue now"][0] == 2
    rate = next(c for c in book["概况 Summary"]["B"] if c.value == pytest.approx(2 / 3))
    assert rate.number_format == "0.0%"  # a number, shown as a percentage

    deadline_rows = [r for r in book["期限 Deadlines"].iter_rows(values_only=True)
                     if r[0] == "二级·一般 L2 routine"]  # fmt: skip
    acknowledge = next(r for r in deadline_rows if r[1] == "受理 Acknowledge")
    assert acknowledge[2:6] == (2, 1, 0, pytest.approx(2 / 3))  # met, missed, pending, on time
    assert acknowledge[6] == 1.0  # p50 in hours: accepted one working hour after the report
    assert acknowledge[8] == "工作时间 working time"  # the standard is 2 working hours

    by_building = _rows(book["按楼栋 By building"])
    assert by_building["3"][:3] == (2, 2, 2)  # opened, handled, closed
    assert by_building["5"][0] == 1 and by_building["5"][-1] == 1  # opened, overdue now
    assert by_building["1"][0] == 0  # every building of the community file has its row
    assert _rows(book["按级别 By level"])["二级·一般 L2 routine"][0] == 3

    hot = [r for r in book["报修最多 Hot spots"].iter_rows(values_only=True) if r[0]][1:]
    assert ("类别 Category", "照明灯具 lighting", 3, 1, 2) in hot  # opened, period before, change
    assert ("楼栋 Building", "3", 2, 1, 1) in hot

    definitions = _rows(book["定义 Definitions"])
    lines = list(book["概况 Summary"].iter_rows(values_only=True))
    header = next(n for n, line in enumerate(lines) if line[0] == "指标 Figure")
    figures = [line[0] for line in lines[header + 1 :]]
    assert len(figures) == 29 and all(name in definitions for name in figures)
    assert definitions["办结率 Closure rate"] == ("办结 ÷ 应办。", "Closed ÷ handled.")
    for sheet in book.worksheets:  # no resident's data anywhere
        for row in sheet.iter_rows(values_only=True):
            text = " ".join(str(v) for v in row if v is not None)
            assert not any(p in text for p in PRIVATE), (sheet.title, text)


async def test_the_csv_has_the_summary_and_the_breakdown_with_a_bom(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, community_id: int, tmp_path: Path
) -> None:
    await _three_tickets(uow, clock, community_id)
    async with uow() as tx:
        community = await tx.registry.community(community_id)
        assert community is not None
        period = month(date(2026, 12, 1), community.timezone)
        report = await build_report(tx, community, period, clock.now(), ["building"])
    path = tmp_path / "report.csv"
    write_report(csv_tables(report), path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    figures = {r[0]: r[1:] for r in rows if r}
    assert figures["新报 Opened"][0] == "3"
    assert figures["办结率 Closure rate"][:3] == ["66.7%", "2", "3"]
    assert ["按楼栋 By building"] in rows
    assert figures["3"][:3] == ["2", "2", "2"]
    assert not any(p in path.read_text(encoding="utf-8-sig") for p in PRIVATE)

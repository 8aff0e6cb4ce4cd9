"""`loudao report` through the CLI's entry function on a temp SQLite database: a workbook for a
month, and bad input refused with exit code 2 and no file written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from bot.bootstrap import open_database
from bot.config import Settings
from bot.domain.tickets import NewTicket

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


@pytest.fixture
def database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """The demo community loaded, and one ticket reported in November 2026."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"
    monkeypatch.setenv("LOUDAO_DATABASE_URL", url)
    assert main(["load", str(DEMO)]) == 0

    async def one_ticket() -> None:
        async with open_database(Settings(database_url=url)) as db, db.uow() as tx:
            community = await tx.registry.community_by_code("A")
            assert community is not None
            await tx.tickets.create(
                NewTicket(
                    community_id=community.id, source_key="u:1", source="mention",
                    category="elevator", level=1, building="3", unit="2", room="401",
                    phone=None, text="电梯坏了", chat_id=-1001003, message_id=10,
                    reporter_id=201, reporter_name="陈大爷",
                ),
                datetime(2026, 11, 12, 2, 0, tzinfo=UTC),
            )  # fmt: skip
            await tx.commit()

    asyncio.run(one_ticket())
    capsys.readouterr()
    return url


def test_a_months_workbook_with_a_breakdown_by_category(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.xlsx"
    code = main(["report", "--community", "A", "--period", "2026-11", "--by", "category",
                 "-o", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "2026-11-01 ~ 2026-11-30, 1 tickets opened" in capsys.readouterr().out
    book = load_workbook(out)
    assert "按类别 By category" in book.sheetnames
    summary = {r[0]: r[1] for r in book["概况 Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["新报 Opened"] == 1
    by_category = {r[0]: r[1] for r in book["按类别 By category"].iter_rows(values_only=True)}
    assert by_category["电梯 lift"] == 1


def test_from_and_to_give_the_same_month(database: str, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    assert main(["report", "--community", "A", "--from", "2026-11-01", "--to", "2026-11-30",
                 "-o", str(out)]) == 0  # fmt: skip
    assert "新报 Opened,1" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--community", "Z", "--period", "2026-11"], "no community 'Z'"),
        (["--community", "A", "--from", "2026-11-30", "--to", "2026-11-01"],
         "--to 2026-11-01 is before --from 2026-11-30"),
        (["--community", "A", "--period", "2026-11", "--by", "floor"],
         "cannot break down by floor"),
        (["--community", "A", "--period", "someday"], "--period 'someday': not a period"),
        (["--community", "A", "--from", "2026-11-01"], "give --from and --to"),
        (["--community", "A", "--from", "2026-11-01", "--to", "2026-11-30", "--period", "上月"],
         "either --period or --from and --to"),
    ],
)  # fmt: skip
def test_bad_input_is_named_with_exit_code_2_and_writes_nothing(
    database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    said: str,
) -> None:
    out = tmp_path / "report.xlsx"
    try:
        code = main(["report", *args, "-o", str(out)])
    except SystemExit as exit:  # argparse refuses a bad --by before the command runs
        code = int(exit.code or 0)
    assert code == 2
    assert said in capsys.readouterr().err
    # no report, and no part of one
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("report.db")] == []


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.pdf"
    assert main(["report", "--community", "A", "--period", "2026-11", "-o", str(out)]) == 2
    assert "written as .xlsx or .csv" in capsys.readouterr().err
    assert not out.exists()

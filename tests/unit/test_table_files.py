"""Rows to CSV and XLSX: text a spreadsheet would run stays text, times are times, a full sheet
goes on in a new one, and a failed export leaves no file behind."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import table_files
from bot.table_files import Cell, write_table

ROWS: list[list[Cell]] = [
    ['=HYPERLINK("http://x")', "+8613812345678", datetime(2026, 11, 3, 9, 0), 2, None],
    ["-楼下漏水", "@张师傅", "漏水\x07", 0, "普通"],
]


async def rows(
    items: Sequence[list[Cell]], fail_after: int | None = None
) -> AsyncIterator[list[Cell]]:
    for n, row in enumerate(items):
        if fail_after is not None and n == fail_after:
            raise RuntimeError("the database went away")
        yield row


async def test_csv_keeps_formulas_as_text_but_phone_numbers_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    assert await write_table(path, list("abcde"), rows(ROWS)) == 2
    _, first, second = list(
        csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    )
    assert first == ['\'=HYPERLINK("http://x")', "+8613812345678", "2026-11-03 09:00", "2", ""]
    assert second[:2] == ["'-楼下漏水", "'@张师傅"]
    assert path.stat().st_mode & 0o077 == 0  # only its owner reads it


async def test_xlsx_stores_text_as_text_and_times_as_times_on_as_many_sheets_as_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_files, "XLSX_ROWS", 2)  # a header and one row per sheet
    path = tmp_path / "t.xlsx"
    assert await write_table(path, list("abcde"), rows(ROWS)) == 2
    book = load_workbook(path)
    assert book.sheetnames == ["tickets", "tickets 2"]
    first = [c.value for c in book["tickets"][2]]
    assert first == [
        '=HYPERLINK("http://x")',
        "+8613812345678",
        datetime(2026, 11, 3, 9, 0),
        2,
        None,
    ]
    assert book["tickets"]["A2"].data_type == "s"  # not a formula
    assert [c.value for c in book["tickets 2"][1]] == list("abcde")
    assert book["tickets 2"]["C2"].value == "漏水"  # a control character XML cannot hold


async def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    for name in ("t.csv", "t.xlsx"):
        with pytest.raises(RuntimeError):
            await write_table(tmp_path / name, ["a"], rows(ROWS, fail_after=1))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"\.csv or an \.xlsx"):
        await write_table(tmp_path / "t.pdf", ["a"], rows(ROWS))

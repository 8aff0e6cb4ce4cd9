"""Writing rows to a CSV or XLSX file as they come, never holding them all.

CSV is UTF-8 with a BOM (so Excel reads Chinese correctly); XLSX is written by openpyxl in
write-only mode (rows go to a temporary file as they are added), a new sheet every
1,048,575 rows (Excel's limit). The file appears under its name only when complete, and is
readable by its owner only (it may hold personal data). Text that a spreadsheet would run as
a formula (=…, +…, -…, @…) is written as text.
"""

from __future__ import annotations

import csv
import os
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell = str | int | datetime | None
Progress = Callable[[int], None]  # called with the number of rows written so far
FORMATS = ("csv", "xlsx")
XLSX_ROWS = 1_048_576  # rows per sheet, the header included
TIME_FORMAT = "yyyy-mm-dd hh:mm"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table_format(path: Path) -> str:
    """ "csv" or "xlsx" from the file name; ValueError for anything else."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path}: write to a .csv or an .xlsx file")
    return suffix


async def write_table(
    path: Path,
    header: Sequence[str],
    rows: AsyncIterator[Sequence[Cell]],
    progress: Progress | None = None,
    sheet: str = "tickets",
) -> int:
    """Write `header` and every row to `path` (.csv or .xlsx); return the rows written."""
    kind = table_format(path)
    partial = path.with_name(f".{path.name}.partial")
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    try:
        if kind == "csv":
            count = await _write_csv(partial, header, rows, progress)
        else:
            count = await _write_xlsx(partial, header, rows, progress, sheet)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


async def _write_csv(
    path: Path,
    header: Sequence[str],
    rows: AsyncIterator[Sequence[Cell]],
    progress: Progress | None,
) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(header)
        async for row in rows:
            out.writerow([_csv_cell(v) for v in row])
            count += 1
            if progress is not None:
                progress(count)
    return count


def _csv_cell(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def _looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet would read the text as a formula (a phone +86… is not)."""
    if not value.startswith(_FORMULA_START):
        return False
    return not value.lstrip("+-").replace(" ", "").isdigit()


async def _write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: AsyncIterator[Sequence[Cell]],
    progress: Progress | None,
    title: str,
) -> int:
    book = Workbook(write_only=True)
    sheet = _new_sheet(book, title, header)
    on_sheet, count = 1, 0
    try:
        async for row in rows:
            if on_sheet == XLSX_ROWS:
                sheet = _new_sheet(book, f"{title} {count // (XLSX_ROWS - 1) + 1}", header)
                on_sheet = 1
            sheet.append([_xlsx_cell(sheet, v) for v in row])
            on_sheet += 1
            count += 1
            if progress is not None:
                progress(count)
    except BaseException:
        for written in book.worksheets:  # close their temporary files
            written.close()
        raise
    book.save(path)
    return count


def _new_sheet(book: Workbook, title: str, header: Sequence[str]) -> WriteOnlyWorksheet:
    sheet: WriteOnlyWorksheet = book.create_sheet(title)
    sheet.append(list(header))
    return sheet


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> Any:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML cannot hold
        if value.startswith("="):  # openpyxl would store it as a formula
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
    return value

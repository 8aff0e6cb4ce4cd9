"""Write a report's tables to an XLSX workbook (openpyxl) or a CSV file (UTF-8 with BOM).

The file appears whole or not at all: it is written next to its place and moved there at the
end, so a failure never leaves half a report where the old one was.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.services.kpi.report_tables import Cell, Share, Table

#: the suffixes a report can be written as
FORMATS = (".xlsx", ".csv")
PERCENT = "0.0%"
# a text cell starting so would be read as a formula (as bot/table_files.py guards it too)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def write_report(tables: Sequence[Table], path: Path) -> None:
    """Write `tables` to `path` (.xlsx or .csv, by its suffix), atomically."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"not a report format: {suffix}")
    part = path.with_name(f".{path.name}.part")
    try:
        if suffix == ".xlsx":
            write_xlsx(tables, part)
        else:
            write_csv(tables, part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table: its preface, a bold header row, the rows; rates formatted as %."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for table in tables:
        _sheet(book.create_sheet(table.title[:31]), table)
    book.save(path)


def _sheet(sheet: Worksheet, table: Table) -> None:
    bold = Font(bold=True)
    r = 1
    for what, told in table.preface:
        sheet.cell(r, 1, what).font = bold
        _put(sheet, r, 2, told)
        r += 1
    if table.preface:
        r += 1
    for c, title in enumerate(table.header, 1):
        head = sheet.cell(r, c, title)
        head.font = bold
        head.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(r + 1, 2).coordinate
    for row in table.rows:
        r += 1
        for c, value in enumerate(row, 1):
            _put(sheet, r, c, value)
    for c, title in enumerate(table.header, 1):
        texts = [title, *(str(row[c - 1] or "") for row in table.rows)]
        if c <= 2:
            texts += [str(pair[c - 1]) for pair in table.preface]
        # a Chinese character is about two columns wide
        sheet.column_dimensions[get_column_letter(c)].width = min(60, max(map(len, texts)) * 1.8)


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    if isinstance(value, Share):
        cell = sheet.cell(row, column, value.value)
        cell.number_format = PERCENT
        return
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: refused by XLSX
    cell = sheet.cell(row, column, value)
    if isinstance(value, str) and value.startswith(_FORMULA):
        cell.data_type = "s"  # text, never a formula


def write_csv(tables: Sequence[Table], path: Path) -> None:
    """Each table as plain rows (preface, header, rows), a blank row between; UTF-8 with BOM so
    spreadsheet programs read the Chinese."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        for n, table in enumerate(tables):
            if n:
                writer.writerow([])
            writer.writerow([table.title])
            writer.writerows([_text(what), _text(value)] for what, value in table.preface)
            writer.writerow(table.header)
            writer.writerows([_text(v) for v in row] for row in table.rows)


def _text(value: Cell) -> str:
    if isinstance(value, Share):
        return "" if value.value is None else f"{value.value * 100:.1f}%"
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if isinstance(value, str) and text.startswith(_FORMULA) else text

"""The report's words: every figure named and defined once in both languages, the README's
"How Loudao counts" naming each of them, and text cells that can never become formulas."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from openpyxl import load_workbook

from bot import i18n
from bot.services.kpi.report_files import write_csv, write_xlsx
from bot.services.kpi.report_tables import DEFINED, SUMMARY, Share, Table, definitions

README = Path(__file__).resolve().parents[2] / "README.md"


def _how_loudao_counts() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### How Loudao counts")
    return text[start : text.index("\n### ", start + 1)].lower()


def test_every_figure_has_a_name_and_a_definition_in_both_languages() -> None:
    for locale in i18n.LOCALES:
        texts = i18n.catalogue(locale)
        for key in DEFINED:
            assert texts.get(f"report.figure.{key}.name"), (locale, key)
            assert texts.get(f"report.figure.{key}.means"), (locale, key)


def test_every_summary_figure_is_on_the_definitions_sheet() -> None:
    defined = {row[0] for row in definitions().rows}
    for key, _ in SUMMARY:
        name = f"{i18n.t('zh_CN', f'report.figure.{key}.name')} {i18n.t('en', f'report.figure.{key}.name')}"
        assert name in defined


def test_the_readme_names_every_figure_the_report_defines() -> None:
    section = re.sub(r"[*`]|\s+", " ", _how_loudao_counts())  # bold, italics, line breaks
    section = re.sub(" +", " ", section)
    for key in DEFINED:
        name = i18n.t("en", f"report.figure.{key}.name").removesuffix(" (hours)").lower()
        assert name in section, key


def test_text_that_looks_like_a_formula_stays_text_and_control_characters_go(
    tmp_path: Path,
) -> None:
    table = Table("概况 Summary", ("楼栋 Building", "办结率 Closure rate"),
                  [("=HYPERLINK(\"x\")", Share(0.5)), ("+1", Share(None)), ("3\x01号", 1)])  # fmt: skip
    write_xlsx([table], tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["概况 Summary"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == '=HYPERLINK("x")'
    assert sheet["B2"].value == 0.5 and sheet["B2"].number_format == "0.0%"
    assert sheet["B3"].value is None  # nothing to divide: an empty cell, not 0 %
    assert sheet["A4"].value == "3号"  # a control character XLSX refuses is left out
    write_csv([table], tmp_path / "t.csv")
    rows = list(csv.reader((tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[2] == ['\'=HYPERLINK("x")', "50.0%"]
    assert rows[3] == ["'+1", ""]

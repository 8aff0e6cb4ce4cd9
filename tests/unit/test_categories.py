"""The ticket categories are defined once, in the intake rules file, and named in the catalogues.

Everything that lists categories derives them from there: intake, staff skills in the registry,
/kind, the /report menu and the labelled sets. Adding one is an edit of data files only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot import i18n
from bot.domain.categories import CATEGORY_CHARS, QUESTION_CATEGORY
from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.domain.intake import classify
from bot.intake_files import (
    BUILTIN_RULES,
    default_rules_file,
    load_labelled,
    load_rules,
    parse_rules_file,
    report_categories,
    ticket_categories,
)
from bot.registry_file import read_registry
from bot.services.tickets import report_flow

BUILTIN_TEXT = BUILTIN_RULES.read_text(encoding="utf-8")

REGISTRY = """\
communities:
  - code: T
    name: 测试小区
    buildings:
      - {number: 3}
    staff:
      - {key: boss, name: 王主任, telegram_id: 1, roles: [admin]}
      - {key: heat, name: 暖气师傅, telegram_id: 2, roles: [staff], skills: [heating]}
"""
LABELLED = "messages:\n  - {text: 暖气片不热, intent: report, category: heating, level: 2}\n"
OVERRIDE = "categories:\n  heating:\n    keywords: [地暖]\n"


def name_problems(codes: Sequence[str], catalogue: Mapping[str, str]) -> list[str]:
    """Every category needs a name in the catalogue, and every name needs a category."""
    names = {
        k.removeprefix("categories."): v
        for k, v in catalogue.items()
        if k.startswith("categories.")
    }
    missing = [f"no name for {code}" for code in codes if not names.get(code, "").strip()]
    return missing + [f"stray name for {code}" for code in names if code not in codes]


def with_heating(text: str) -> str:
    """The built-in rules with one more category, heating: cue words and a place in the menu."""
    text = text.replace(
        "  other: {}\n", "  heating:\n    keywords: [暖气]\n    level: 2\n  other: {}\n"
    )
    return text.replace("report_menu: [", "report_menu: [heating, ")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_category_has_a_name_in_each_catalogue_and_no_name_is_stray(locale: str) -> None:
    assert name_problems(ticket_categories(), i18n.catalogue(locale)) == []


def test_the_categories_come_from_the_rules_file() -> None:
    spec = default_rules_file()
    assert set(spec.report_menu) == set(spec.category_codes())
    assert report_flow.REPORT_CATEGORIES == spec.report_menu == report_categories()
    # a question handed to staff is a ticket kind of its own, never an intake category
    assert ticket_categories() == (*spec.report_menu, QUESTION_CATEGORY)
    assert QUESTION_CATEGORY not in spec.category_codes()
    assert max(map(len, ticket_categories())) <= CATEGORY_CHARS


def test_adding_a_category_is_an_edit_of_data_only(tmp_path: Path) -> None:
    spec = parse_rules_file(with_heating(BUILTIN_TEXT))
    # intake reads it, with the built-in words still there
    rules = load_rules(base=spec)
    assert classify("3号楼暖气不热了", rules).category == "heating"
    assert classify("楼道灯不亮", rules).category == "lighting"
    # /report offers it and staff skills, /kind and tickets may name it
    assert report_categories(spec)[0] == "heating"
    assert "heating" in ticket_categories(spec)
    registry = write(tmp_path, "community.yaml", REGISTRY)
    staff = read_registry(registry, ticket_categories(spec)).communities[0].staff
    assert staff[1].skills == ("heating",)
    # a community's override and the labelled sets may use it
    override = write(tmp_path, "override.yaml", OVERRIDE)
    assert classify("地暖坏了", load_rules(override, base=spec)).category == "heating"
    (labelled,) = load_labelled(write(tmp_path, "labelled.yaml", LABELLED), base=spec)
    assert labelled.category == "heating"
    # what is left to write is its name in each catalogue
    for locale in i18n.LOCALES:
        assert name_problems(ticket_categories(spec), i18n.catalogue(locale)) == [
            "no name for heating"
        ]


def test_a_category_the_rules_do_not_define_is_refused_everywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="unknown category 'heating'"):
        read_registry(write(tmp_path, "community.yaml", REGISTRY))
    with pytest.raises(ConfigFileError, match="unknown category 'heating'"):
        load_rules(write(tmp_path, "override.yaml", OVERRIDE))
    with pytest.raises(ConfigFileError, match="unknown category 'heating'"):
        load_labelled(write(tmp_path, "labelled.yaml", LABELLED))


def test_an_override_cannot_reorder_the_report_menu(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as err:
        load_rules(write(tmp_path, "override.yaml", "report_menu: [other]\n"))
    assert (err.value.field, err.value.line) == ("report_menu", 1)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if fragment in row)


def test_a_rules_file_must_define_what_it_uses_and_list_each_category_once() -> None:
    text = (
        with_heating(BUILTIN_TEXT)
        .replace("  - category: security\n", "  - category: burglary\n")
        .replace("report_menu: [heating, ", "report_menu: [heating, heating, ")
        .replace(" group_rental, other]", " other, plumbing]")
    )
    with pytest.raises(ConfigFileErrors) as err:
        parse_rules_file(text, "rules.yaml")
    found = {(e.field, e.line, e.message) for e in err.value.errors}
    emergency = line_of(text, "category: burglary")
    assert ("emergency[6].category", emergency) in {(f, line) for f, line, _ in found}
    menu = line_of(text, "report_menu:")
    assert ("report_menu[1]", menu, "'heating' is listed twice") in found
    assert any(f == "report_menu[21]" and "unknown category 'plumbing'" in m for f, _, m in found)
    assert ("report_menu", menu, "list every category; missing: group_rental") in found


def test_a_rules_file_without_the_fallback_category_is_refused() -> None:
    text = BUILTIN_TEXT.replace("  other: {}\n", "").replace(", other]", "]")
    with pytest.raises(ConfigFileErrors) as err:
        parse_rules_file(text, "rules.yaml")
    messages = [e.message for e in err.value.errors]
    assert "define the category 'other' (the fallback)" in messages

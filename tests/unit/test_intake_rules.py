from pathlib import Path

import pytest

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.domain.intake import classify
from bot.intake_files import load_rules


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "intake_override.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_rules_load_with_every_category_in_priority_order() -> None:
    rules = load_rules(with_model=False)
    codes = [c.code for c in rules.categories]
    assert codes[0] == "gas"
    assert "other" in codes
    assert rules.level_of("group_rental") == 3
    assert rules.level_of("noise") == 2


def test_an_override_adds_keywords_and_patterns_and_replaces_a_level(tmp_path: Path) -> None:
    override = write(
        tmp_path,
        "categories:\n"
        "  noise:\n"
        "    level: 3\n"
        "    keywords: [跳广场舞]\n"
        "  parking:\n"
        "    patterns: ['三轮车.{0,4}堵']\n"
        "emergency:\n"
        "  - category: gas\n"
        "    keywords: [煤气罐倒了]\n",
    )
    before = load_rules(with_model=False)
    rules = load_rules(override, with_model=False)
    assert classify("楼下又在跳广场舞", rules).category == "noise"
    assert classify("楼下又在跳广场舞", rules).level == 3
    assert classify("三轮车把路堵了", rules).category == "parking"
    assert classify("三轮车把路堵了", before).category != "parking"
    got = classify("煤气罐倒了", rules)
    assert (got.category, got.level) == ("gas", 1)
    # the default words are still there
    assert classify("楼道灯不亮", rules).category == "lighting"


def test_an_override_can_remove_a_default_keyword(tmp_path: Path) -> None:
    rules = load_rules(
        write(tmp_path, "categories:\n  lighting:\n    remove_keywords: [灯]\n"), with_model=False
    )
    assert classify("门口的灯坏了", rules).category != "lighting"
    assert classify("路灯坏了", rules).category == "lighting"


def test_an_unknown_category_names_the_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path, "categories:\n  noise:\n    keywords: [吵]\n  waterleak:\n    level: 2\n"
    )
    with pytest.raises(ConfigFileError) as info:
        load_rules(path)
    err = info.value
    assert err.file == str(path)
    assert err.line == 4
    assert err.field.startswith("categories.waterleak")


def test_a_bad_level_and_a_bad_regex_are_both_reported_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "categories:\n  noise:\n    level: 5\n  parking:\n    patterns:\n      - '(unclosed'\n",
    )
    with pytest.raises(ConfigFileErrors) as info:
        load_rules(path)
    found = {(e.field, e.line) for e in info.value.errors}
    assert ("categories.noise.level", 3) in found
    assert ("categories.parking.patterns[0]", 6) in found


def test_an_unknown_field_is_an_error_not_silently_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "categories:\n  noise:\n    keyword: [吵]\n")
    with pytest.raises(ConfigFileError) as info:
        load_rules(path)
    assert (info.value.field, info.value.line) == ("categories.noise.keyword", 3)


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "categories:\n  noise: [\n")
    with pytest.raises(ConfigFileError) as info:
        load_rules(path)
    assert info.value.field == "(syntax)"
    assert info.value.line is not None


def test_numbers_written_as_keywords_are_read_as_text(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, "emergency:\n  - category: other\n    keywords: [110]\n"))
    assert classify("快打110", rules).level == 1

"""The FAQ file format: valid files load, bad ones name the file, line and field."""

from datetime import date
from pathlib import Path

import pytest

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.yamlio import parse_yaml
from faq.kb import dump_kb, load_kb, load_kb_text

EXAMPLE = Path(__file__).resolve().parents[2] / "bot" / "demo" / "faq.yaml"

GOOD = """\
- id: visitor-parking
  questions: ["访客停车怎么收费", "亲戚来了车停哪里"]
  answer: |
    前 2 小时免费。
  keywords: ["访客"]
  tags: ["停车"]
  scope: {buildings: [3, "5"]}
  valid_until: 2027-06-30
- id: gas-hotline
  questions: ["燃气公司电话"]
  answer: 021-5555-0120
"""


def test_the_demo_knowledge_base_loads() -> None:
    kb = load_kb(EXAMPLE)
    assert len(kb) >= 45
    assert "visitor-parking" in kb
    assert all(entry.answer and entry.questions for entry in kb)


def test_a_valid_file_keeps_every_field() -> None:
    kb = load_kb_text(GOOD, "faq.yaml")
    entry = kb.get("visitor-parking")
    assert entry is not None
    assert entry.questions == ("访客停车怎么收费", "亲戚来了车停哪里")
    assert entry.scope is not None and entry.scope.buildings == ("3", "5")
    assert entry.valid_until == date(2027, 6, 30)
    assert kb.ids == ["visitor-parking", "gas-hotline"]


def test_an_empty_file_is_an_empty_knowledge_base() -> None:
    assert len(load_kb_text("", "faq.yaml")) == 0


def test_duplicate_ids_are_reported_on_the_second_ones_line() -> None:
    text = GOOD + "- id: gas-hotline\n  questions: [煤气电话]\n  answer: x\n"
    with pytest.raises(ConfigFileError) as caught:
        load_kb_text(text, "faq.yaml")
    err = caught.value
    assert (err.file, err.line, err.field) == ("faq.yaml", 12, "[2].id")
    assert "gas-hotline" in err.message and "line 9" in err.message


def test_a_missing_answer_names_the_entry_and_field() -> None:
    text = "- id: a\n  questions: [x]\n- id: b\n  questions: [y]\n  answer: z\n"
    with pytest.raises(ConfigFileError) as caught:
        load_kb_text(text, "faq.yaml")
    assert (caught.value.line, caught.value.field) == (1, "[0].answer")


def test_an_unknown_field_and_an_empty_question_list_are_both_reported() -> None:
    text = "- id: a\n  questions: []\n  answer: z\n  anwser: typo\n"
    with pytest.raises(ConfigFileErrors) as caught:
        load_kb_text(text, "faq.yaml")
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == {(2, "[0].questions"), (4, "[0].anwser")}


def _problems(text: str) -> set[tuple[int | None, str]]:
    try:
        load_kb_text(text, "faq.yaml")
    except ConfigFileErrors as many:
        return {(e.line, e.field) for e in many.errors}
    except ConfigFileError as one:
        return {(one.line, one.field)}
    return set()


def test_a_blank_question_and_a_bad_id_are_errors() -> None:
    assert (2, "[0].questions[0]") in _problems("- id: a\n  questions: ['  ']\n  answer: z\n")
    assert _problems("- id: 访客 停车\n  questions: [x]\n  answer: z\n") == {(1, "[0].id")}


def test_a_file_that_is_not_a_list_is_an_error() -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_kb_text("id: a\n", "faq.yaml")
    assert caught.value.file == "faq.yaml"


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError):
        load_kb(tmp_path / "nope.yaml")


def test_an_impossible_date_is_a_config_error_not_a_crash() -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_kb_text("- id: a\n  questions: [x]\n  answer: z\n  valid_until: 2027-13-01\n", "f")
    assert (caught.value.file, caught.value.line) == ("f", 4)
    assert caught.value.field == "[0].valid_until"


def test_parse_yaml_names_the_line_of_an_impossible_date() -> None:
    text = "a: 1\nb:\n  - 2026-01-01\n  - 2027-13-01\n"
    with pytest.raises(ConfigFileError) as caught:
        parse_yaml(text, "x.yaml")
    assert str(caught.value).startswith("x.yaml:4: b[1]: ")


def test_an_exported_base_reads_back_the_same() -> None:
    kb = load_kb(EXAMPLE)
    again = load_kb_text(dump_kb(kb.entries), "export.yaml")
    assert again.entries == kb.entries
    assert dump_kb([]) == "[]\n" and len(load_kb_text(dump_kb([]))) == 0

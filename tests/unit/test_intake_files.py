"""Intake reads its files at the edge (bot.intake_files); the domain takes parsed data."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot.domain.intake
from bot.domain.intake import RulesFile, build_rules, classify
from bot.domain.intake.evaluation import LabelledSet
from bot.intake_files import BUILTIN_RULES, default_rules_file, load_labelled, load_rules
from bot.yamlio import load_model_text

INTAKE_DIR = Path(bot.domain.intake.__file__).parent
DATA = Path(__file__).resolve().parents[1] / "data"


def test_the_built_in_rules_are_package_data_and_load_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BUILTIN_RULES.is_file()
    monkeypatch.chdir(tmp_path)
    default_rules_file.cache_clear()
    assert load_rules().level_of("group_rental") == 3


def test_the_domain_builds_rules_from_parsed_data() -> None:
    override = load_model_text("categories:\n  noise:\n    level: 3\n", RulesFile)
    assert build_rules(default_rules_file()).level_of("noise") == 2
    rules = build_rules(default_rules_file(), override)
    assert (classify("楼下噪音太大", rules).category, rules.level_of("noise")) == ("noise", 3)


def test_a_labelled_set_is_parsed_data_for_the_domain() -> None:
    text = "messages:\n  - {text: 电梯坏了, intent: report, category: elevator, level: 2}\n"
    (message,) = load_model_text(text, LabelledSet).messages
    assert message.category == "elevator"
    assert len(load_labelled(DATA / "intake_messages.yaml")) >= 160


@pytest.mark.parametrize("module", sorted(INTAKE_DIR.glob("*.py")), ids=lambda p: p.name)
def test_intake_domain_code_reads_no_files(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    readers = {"open", "read_text", "read_bytes", "read_yaml", "load_model", "Path", "files"}
    assert not names & readers

"""Read intake's files: the built-in rules, a community's override file and labelled sets."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from bot.domain.intake import IntakeRules, RulesFile, build_rules
from bot.domain.intake.evaluation import LabelledMessage, LabelledSet
from bot.yamlio import load_model, load_model_text

#: rules.yaml ships inside the package, so an installed bot finds it from any folder
BUILTIN_RULES = files("bot.domain.intake").joinpath("rules.yaml")


@cache
def default_rules_file() -> RulesFile:
    """Return the built-in rules.yaml, read once from the installed package."""
    text = BUILTIN_RULES.read_text(encoding="utf-8")
    return load_model_text(text, RulesFile, str(BUILTIN_RULES))


def load_rules(override_path: str | Path | None = None) -> IntakeRules:
    """Load the built-in rules, merged with a community's override file when given."""
    override = None if override_path is None else load_model(override_path, RulesFile)
    return build_rules(default_rules_file(), override)


def load_labelled(path: str | Path) -> tuple[LabelledMessage, ...]:
    """Load a labelled set file."""
    return load_model(path, LabelledSet).messages

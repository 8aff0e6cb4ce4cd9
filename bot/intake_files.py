"""Read intake files: the built-in rules (they define the categories), overrides, labelled sets."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from importlib.resources import files
from pathlib import Path

from bot.domain import categories
from bot.domain.intake import IntakeRules, RulesFile, build_rules
from bot.domain.intake.evaluation import LabelledMessage, LabelledSet
from bot.domain.intake.model import TextModel, model_from_json
from bot.domain.intake.rules import DefaultRulesFile, rules_file_errors
from bot.yamlio import load_model, parse_yaml, raise_problems, validate

#: rules.yaml ships inside the package, so an installed bot finds it from any folder
BUILTIN_RULES = files("bot.domain.intake").joinpath("rules.yaml")
#: the learned reading beside the rules, exported by `loudao train`
BUILTIN_MODEL = files("bot.domain.intake").joinpath("model.json")


@cache
def intake_model() -> TextModel | None:
    """The built-in intake model, read once; None when the package has none."""
    if not BUILTIN_MODEL.is_file():
        return None
    return model_from_json(json.loads(BUILTIN_MODEL.read_text(encoding="utf-8")))


def parse_rules_file(text: str, file: str = "<text>") -> DefaultRulesFile:
    """Parse and check a whole rules file: it defines the categories everything else uses."""
    doc = parse_yaml(text, file)
    spec = validate(doc, DefaultRulesFile)
    raise_problems(doc, rules_file_errors(spec))
    return spec


@cache
def default_rules_file() -> DefaultRulesFile:
    """Return the built-in rules.yaml, read once from the installed package."""
    return parse_rules_file(BUILTIN_RULES.read_text(encoding="utf-8"), str(BUILTIN_RULES))


def _or_default(base: DefaultRulesFile | None) -> DefaultRulesFile:
    return default_rules_file() if base is None else base


def read_override(path: str | Path, base: DefaultRulesFile) -> RulesFile:
    """Read a community's override file; it may only name the categories `base` defines."""
    return load_model(path, RulesFile, categories.context(base.report_menu))


def load_rules(
    override_path: str | Path | None = None,
    base: DefaultRulesFile | None = None,
    *,
    with_model: bool = True,
) -> IntakeRules:
    """Load the built-in rules (or `base`), merged with a community's override file when given,
    with the learned model beside them (`with_model=False`: the rules alone)."""
    spec = _or_default(base)
    override = None if override_path is None else read_override(override_path, spec)
    rules = build_rules(spec, override)
    return rules if not with_model else replace(rules, model=intake_model())


def report_categories(base: DefaultRulesFile | None = None) -> tuple[str, ...]:
    """Return the categories /report offers, in the order of the rules file's report_menu."""
    return _or_default(base).report_menu


def ticket_categories(base: DefaultRulesFile | None = None) -> tuple[str, ...]:
    """Return every kind a ticket can have (what staff skills and /kind may name)."""
    return categories.ticket_categories(report_categories(base))


def load_labelled(
    path: str | Path, base: DefaultRulesFile | None = None
) -> tuple[LabelledMessage, ...]:
    """Load a labelled set file; its categories must be those of the rules."""
    spec = _or_default(base)
    return load_model(path, LabelledSet, categories.context(spec.report_menu)).messages

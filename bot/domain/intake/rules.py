"""Intake rules kept as data: the layout of rules.yaml and of an override, merged and compiled.

rules.yaml defines the categories (bot.domain.categories checks other files against them).
Reading the files is the edge's job (bot.intake_files); this module takes parsed data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from bot.domain.categories import Category, unknown_category
from bot.domain.intake.blend import BlendPolicy
from bot.domain.intake.model import TextModel
from bot.yamlio import Loc, StrictModel

#: intake's fallback when nothing is named, so every rules file defines it
OTHER_CATEGORY = "other"
Level = Literal[1, 2, 3]


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"bad regular expression / 正则表达式有误: {exc}") from exc
    return value


def _check_keyword(value: str) -> str:
    if not value.strip():
        raise ValueError("empty keyword / 关键词不能为空")
    return value


Pattern = Annotated[str, AfterValidator(_check_regex)]


def _number_as_text(value: object) -> object:
    # admins write 119 or 120 without quotes; YAML reads them as numbers
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Keyword = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_check_keyword)]


class CueSpec(StrictModel):
    """Words (plain substrings) and patterns (regular expressions) that signal one thing."""

    keywords: tuple[Keyword, ...] = ()
    patterns: tuple[Pattern, ...] = ()


class CategorySpec(CueSpec):
    """Cue words of one category and its usual level; an override may also remove words."""

    level: Level | None = None
    remove_keywords: tuple[Keyword, ...] = ()


class EmergencySpec(CueSpec):
    """Level-1 triggers (fire, gas smell, burst main, people trapped, ...) for one category."""

    category: Category


class RulesFile(StrictModel):
    """The YAML layout of a community's override file (all parts optional)."""

    version: Literal[1] = 1
    #: in priority order: on a tie the first listed category that fired is the main one
    categories: dict[Category, CategorySpec] = Field(default_factory=dict)
    emergency: tuple[EmergencySpec, ...] = ()
    hypothetical: CueSpec = CueSpec()
    past: CueSpec = CueSpec()
    ongoing: CueSpec = CueSpec()
    reference: CueSpec = CueSpec()
    notice: CueSpec = CueSpec()
    negation: CueSpec = CueSpec()
    question: CueSpec = CueSpec()
    who_to_ask: CueSpec = CueSpec()
    suspicion: CueSpec = CueSpec()
    problem: CueSpec = CueSpec()
    resolved: CueSpec = CueSpec()
    complex: CueSpec = CueSpec()
    on_behalf: CueSpec = CueSpec()


class DefaultRulesFile(RulesFile):
    """The layout of rules.yaml: it defines the categories, and the order /report offers them."""

    report_menu: tuple[Category, ...]

    def category_codes(self) -> tuple[str, ...]:
        """Return the category codes in priority order."""
        return tuple(self.categories)


def rules_file_errors(spec: DefaultRulesFile) -> list[tuple[Loc, str]]:
    """Return (location, message) for every category the file uses but does not define."""
    codes = spec.category_codes()
    errors: list[tuple[Loc, str]] = [
        (("emergency", i, "category"), unknown_category(e.category, codes))
        for i, e in enumerate(spec.emergency)
        if e.category not in codes
    ]
    if OTHER_CATEGORY not in codes:
        errors.append((("categories",), f"define the category {OTHER_CATEGORY!r} (the fallback)"))
    seen: set[str] = set()
    for i, code in enumerate(spec.report_menu):
        if code not in codes:
            errors.append((("report_menu", i), unknown_category(code, codes)))
        elif code in seen:
            errors.append((("report_menu", i), f"{code!r} is listed twice"))
        seen.add(code)
    missing = [c for c in codes if c not in seen]
    if missing:
        errors.append((("report_menu",), f"list every category; missing: {', '.join(missing)}"))
    return errors


@dataclass(frozen=True)
class Matcher:
    """One compiled cue: the word or pattern an admin wrote, and its regular expression."""

    label: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class CategoryRules:
    code: str
    level: int
    matchers: tuple[Matcher, ...]


@dataclass(frozen=True)
class IntakeRules:
    """Compiled rules; categories are in priority order (first = most urgent on a tie)."""

    categories: tuple[CategoryRules, ...]
    emergency: tuple[tuple[str, Matcher], ...]
    cues: dict[str, tuple[Matcher, ...]]
    #: the learned reading beside the rules (None: the rules alone)
    model: TextModel | None = None
    blend: BlendPolicy = field(default_factory=BlendPolicy)

    def level_of(self, category: str) -> int:
        """Return the usual level of a category (2 when unknown)."""
        for c in self.categories:
            if c.code == category:
                return c.level
        return 2

    def priority(self, category: str) -> int:
        """Return the rank of a category; lower is more urgent."""
        for index, c in enumerate(self.categories):
            if c.code == category:
                return index
        return len(self.categories)


_CUE_FIELDS = (
    "hypothetical", "past", "ongoing", "reference", "notice", "negation", "question",
    "who_to_ask", "suspicion", "problem", "resolved", "complex", "on_behalf",
)  # fmt: skip


def _compile(spec: CueSpec, removed: tuple[str, ...] = ()) -> tuple[Matcher, ...]:
    out: list[Matcher] = []
    for word in spec.keywords:
        if word in removed:
            continue
        out.append(Matcher(word, re.compile(re.escape(word.lower()))))
    for pattern in spec.patterns:
        out.append(Matcher(pattern, re.compile(pattern, re.IGNORECASE)))
    return tuple(out)


def _merge_cues(a: CueSpec, b: CueSpec) -> CueSpec:
    return CueSpec(keywords=(*a.keywords, *b.keywords), patterns=(*a.patterns, *b.patterns))


def merge(base: RulesFile, override: RulesFile) -> RulesFile:
    """Add an override's words and patterns to the base; its levels replace the base's."""
    categories: dict[str, CategorySpec] = dict(base.categories)
    for code, extra in override.categories.items():
        old = categories.get(code, CategorySpec())
        removed = set(extra.remove_keywords)
        categories[code] = CategorySpec(
            level=extra.level if extra.level is not None else old.level,
            keywords=tuple(k for k in (*old.keywords, *extra.keywords) if k not in removed),
            patterns=(*old.patterns, *extra.patterns),
        )
    cues = {
        name: _merge_cues(getattr(base, name), getattr(override, name)) for name in _CUE_FIELDS
    }
    return base.model_copy(
        update={
            "categories": categories,
            "emergency": (*base.emergency, *override.emergency),
            **cues,
        }
    )


def compile_rules(spec: RulesFile) -> IntakeRules:
    """Compile validated rules into matchers."""
    categories = tuple(
        CategoryRules(code, c.level or 2, _compile(c, c.remove_keywords))
        for code, c in spec.categories.items()
    )
    emergency = tuple((e.category, m) for e in spec.emergency for m in _compile(e))
    cues = {name: _compile(getattr(spec, name)) for name in _CUE_FIELDS}
    return IntakeRules(categories, emergency, cues)


def build_rules(base: RulesFile, override: RulesFile | None = None) -> IntakeRules:
    """Compile the default rules, with a community's override merged in when given."""
    return compile_rules(base if override is None else merge(base, override))

"""Intake: read one resident message into intent, category, level, building, unit and room."""

from bot.domain.intake.classify import Classification, classify
from bot.domain.intake.location import (
    BuildingRef,
    Location,
    default_aliases,
    parse_location,
    resolve_building,
)
from bot.domain.intake.numerals import chinese_to_int
from bot.domain.intake.rules import IntakeRules, RulesFile, build_rules

__all__ = [
    "BuildingRef",
    "Classification",
    "IntakeRules",
    "Location",
    "RulesFile",
    "build_rules",
    "chinese_to_int",
    "classify",
    "default_aliases",
    "parse_location",
    "resolve_building",
]

"""Read and fully validate a registry YAML file (structure and cross-references)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.domain import categories
from bot.domain.registry import RegistryFile, reference_errors
from bot.intake_files import ticket_categories
from bot.yamlio import raise_problems, read_yaml, validate


def read_registry(path: str | Path, known_categories: Sequence[str] | None = None) -> RegistryFile:
    """Load a registry file; every problem names the file, the line and the field.

    Staff skills must be ticket categories: those of the built-in rules unless given.
    """
    doc = read_yaml(path)
    known = ticket_categories() if known_categories is None else known_categories
    registry = validate(doc, RegistryFile, categories.context(known))
    raise_problems(doc, reference_errors(registry))
    return registry

"""Read and fully validate a registry YAML file (structure and cross-references)."""

from __future__ import annotations

from pathlib import Path

from bot.domain.errors import ConfigFileErrors
from bot.domain.registry import RegistryFile, reference_errors
from bot.yamlio import read_yaml, validate


def read_registry(path: str | Path) -> RegistryFile:
    """Load a registry file; every problem names the file, the line and the field."""
    doc = read_yaml(path)
    registry = validate(doc, RegistryFile)
    problems = [doc.error(loc, message) for loc, message in reference_errors(registry)]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigFileErrors(problems)
    return registry

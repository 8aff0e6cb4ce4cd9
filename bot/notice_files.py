"""Read the notice files: the built-in templates, a community's overrides, its notices files."""

from __future__ import annotations

from pathlib import Path

from bot.domain.notices.spec import NoticeSpec, parse_notices
from bot.domain.notices.templates import TemplateLibrary, parse_templates
from bot.domain.registry import RegistryFile
from bot.resources import builtin_file
from bot.yamlio import parse_yaml, read_yaml

BUILTIN_TEMPLATES = builtin_file("bot.domain.notices", "templates.yaml")


def load_templates(override_path: str | Path | None = None) -> TemplateLibrary:
    """Load the built-in templates, then a community's file that replaces or adds templates."""
    builtin = parse_yaml(BUILTIN_TEMPLATES.read_text(encoding="utf-8"), str(BUILTIN_TEMPLATES))
    templates = parse_templates(builtin)
    if override_path is not None:
        templates.update(parse_templates(read_yaml(override_path)))
    return TemplateLibrary(templates)


def load_notices(path: str | Path, library: TemplateLibrary | None = None) -> list[NoticeSpec]:
    """Read a notices file; with a library, also check templates exist and variables are given."""
    return parse_notices(read_yaml(path), library)


def notices_path(registry_file: Path, notices_file: str) -> Path:
    """Return where a notices file named in the registry is (relative to the registry's folder)."""
    path = Path(notices_file)
    return path if path.is_absolute() else registry_file.parent / path


def read_notice_files(
    registry: RegistryFile, registry_file: Path, library: TemplateLibrary
) -> dict[str, list[NoticeSpec]]:
    """Read and validate every notices file of the registry (errors name file, line, field)."""
    out: dict[str, list[NoticeSpec]] = {}
    for community in registry.communities:
        if community.notices_file is not None:
            path = notices_path(registry_file, community.notices_file)
            out[community.code] = load_notices(path, library)
    return out

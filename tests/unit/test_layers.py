"""The import boundaries of ARCHITECTURE.md, read from the source: a cycle or a leak fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported(path: Path) -> Iterator[str]:
    """Every module a file imports, at the top or inside functions (absolute names)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in imported(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)}: {name}")
    return found


def test_the_faq_package_depends_on_nothing_above_it() -> None:
    # faq is used by bot.services and storage; importing them back would be a package cycle.
    above = ("bot.services", "bot.cli", "bot.app", "bot.bootstrap", "storage", "handlers", "web")
    assert offenders("faq", above) == []


@pytest.mark.parametrize("folder", ["bot", "faq", "handlers", "web", "sandbox"])
def test_only_storage_imports_sqlalchemy(folder: str) -> None:
    assert offenders(folder, ("sqlalchemy", "alembic")) == []


@pytest.mark.parametrize("folder", ["bot", "faq", "storage", "web", "sandbox"])
def test_only_handlers_import_telegram(folder: str) -> None:
    assert offenders(folder, ("telegram",)) == []


@pytest.mark.parametrize("folder", ["bot/domain", "bot/services"])
def test_domain_and_services_import_no_adapters(folder: str) -> None:
    assert offenders(folder, ("storage", "handlers", "web", "apscheduler", "bot.bootstrap")) == []


def test_the_notices_domain_reads_no_files() -> None:
    # Files are read at the edge (bot/notice_files.py); the domain is given parsed YAML or text.
    readers = {"open", "read_yaml", "load_model", "read_text", "read_bytes", "Path", "files"}
    found = []
    for path in sorted((ROOT / "bot" / "domain" / "notices").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if isinstance(node, ast.Name | ast.Attribute) and name in readers:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert found == []

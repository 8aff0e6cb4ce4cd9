"""`loudao load FILE [--check]`: validate a community file and load it into the database."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `load`."""
    p = add_parser("load", help="validate a community YAML file and load it into the database")
    p.add_argument("file", type=Path)
    p.add_argument("--check", action="store_true", help="only validate, change nothing")
    p.set_defaults(func=load)


def load(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the file (and its notices); unless --check, store it and print what changed."""
    return asyncio.run(_load(settings, args.file, args.check))


async def _load(settings: Settings, file: Path, check_only: bool) -> int:
    from bot.registry_file import read_registry

    registry = read_registry(file)
    from bot.notice_files import load_templates, read_notice_files

    notice_files = read_notice_files(registry, file, load_templates())  # notices: validate too
    from bot.services.faq.admin import check_faq_files

    faq_entries = check_faq_files(registry, file)  # and the knowledge base, as start-up reads it
    summary = ", ".join(
        f"{c.code} {c.name}: {len(c.buildings)} buildings, {len(c.chats)} chats, "
        f"{len(c.staff)} staff, {len(notice_files.get(c.code, []))} notices, "
        f"{faq_entries.get(c.code, 0)} FAQ entries"
        for c in registry.communities
    )
    if check_only:
        print(f"{file}: OK ({summary})")
        return 0
    from bot.bootstrap import open_services
    from bot.services.notices.importer import import_notices
    from bot.services.registry import load_registry

    async with open_services(settings) as use_cases:
        reports = await load_registry(use_cases.uow, registry, use_cases.clock, str(file))
        faq_reports = await use_cases.faq_admin.sync_files(registry, file)
        notice_reports = await import_notices(use_cases.notices, notice_files, str(file))
    for code, r in reports.items():
        print(
            f"community {code}: {r.created} created, {r.updated} updated, "
            f"{r.deactivated} deactivated" + ("" if r.changed else " (no changes)")
        )
    for code, f in faq_reports.items():
        print(
            f"FAQ {code}: {f.created} created, {f.updated} updated, {f.deleted} deleted, "
            f"{f.unchanged} unchanged"
        )
    for code, n in notice_reports.items():
        print(
            f"notices {code}: {n.created} created, {n.updated} updated, {n.cancelled} cancelled, "
            f"{n.unchanged} unchanged"
        )
    return 0

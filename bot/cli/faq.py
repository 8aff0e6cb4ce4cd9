"""`loudao faq ask|import|export`: test questions against a file, store and export a base."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.cli.common import AddParser
from bot.config import Settings
from bot.resources import example_file

if TYPE_CHECKING:
    from bot.domain.records import CommunityInfo
    from bot.services.faq.admin import FaqAdmin
    from faq.matcher import FaqMatcher, MatchResult

T = TypeVar("T")
DEFAULT_KB = example_file("faq.yaml")  # the demo community's base

_DECISION_ZH = {"answer": "回答", "suggest": "您是不是想问", "none": "没有找到相关问题"}


def add_commands(add_parser: AddParser) -> None:
    """Add `faq` and its actions `ask`, `import` and `export`."""
    faq = add_parser("faq", help="the knowledge base")
    actions = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)
    asking = actions.add_parser("ask", help="show how questions are answered")
    asking.add_argument("--kb", default=None, help="a knowledge base YAML (no database needed)")
    asking.add_argument("--json", action="store_true")
    asking.add_argument("questions", nargs="+")
    asking.set_defaults(func=ask)
    imp = actions.add_parser("import", help="validate a knowledge base YAML and store it")
    imp.add_argument("file", type=Path)
    imp.add_argument("--community", default=None, help="community code (needed if several)")
    imp.add_argument("--merge", action="store_true", help="keep entries not in the file")
    imp.add_argument("--check", action="store_true", help="only validate, change nothing")
    imp.set_defaults(func=import_command)
    exp = actions.add_parser("export", help="print a community's knowledge base as YAML")
    exp.add_argument("--community", default=None, help="community code (needed if several)")
    exp.add_argument("-o", "--output", type=Path, default=None, help="write to a file")
    exp.set_defaults(func=export_command)


def ask(args: argparse.Namespace, settings: Settings) -> int:
    """Print how each question is answered from a knowledge-base file, as of today."""
    today = datetime.now(settings.tz).date()
    for line in ask_lines(args.questions, args.kb, args.json, today=today):
        print(line)
    return 0


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    """Validate a knowledge-base file, then replace (default) or merge a community's base."""
    print(
        asyncio.run(
            import_file(
                settings, args.file, args.community, replace=not args.merge, check_only=args.check
            )
        )
    )
    return 0


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    """Print (or write) a community's stored base as YAML."""
    text = asyncio.run(export_text(settings, args.community))
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


def ask_lines(
    questions: Sequence[str],
    kb_path: str | None,
    as_json: bool,
    *,
    building: str | None = None,
    today: date | None = None,
) -> list[str]:
    """Match each question; return human-readable lines, or one JSON line per question."""
    from faq.kb import load_kb
    from faq.matcher import FaqMatcher

    kb = load_kb(kb_path if kb_path is not None else DEFAULT_KB)
    matcher = FaqMatcher(kb.entries)
    lines: list[str] = []
    for question in questions:
        result = matcher.match(question, building=building, today=today)
        if as_json:
            lines.append(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            lines.extend(_human(question, result, matcher))
    return lines


def _human(question: str, result: MatchResult, matcher: FaqMatcher) -> list[str]:
    lines = [f"问 / Q: {question}"]
    head = f"→ {result.decision} · {_DECISION_ZH[result.decision]}"
    if result.decision == "answer" and result.best is not None:
        lines.append(f"{head}: [{result.best.id}] ({result.score:.1f})")
        lines.extend(f"   {line}" for line in result.best.answer.strip().splitlines())
    elif result.decision == "suggest":
        lines.append(f"{head}:")
        for c in result.candidates:
            entry = matcher.get(c.entry_id)
            title = entry.questions[0] if entry is not None else c.question
            lines.append(f"   - {title} [{c.entry_id}] ({c.score:.1f})")
    else:
        lines.append(head)
    return lines


async def import_file(
    settings: Settings,
    path: str | Path,
    community: str | None,
    *,
    replace: bool,
    check_only: bool,
) -> str:
    """Validate a knowledge-base file, then store it; return the line to print."""
    from faq.kb import load_kb

    kb = load_kb(path)
    if check_only:
        return f"{path}: OK ({len(kb)} entries)"
    stored, report = await _with_admin(
        settings, lambda admin: admin.import_base(kb, community, replace=replace)
    )
    mode = "replaced" if replace else "merged"
    return (
        f"community {stored.code} {stored.name}: {len(kb)} entries {mode} – {report.created} "
        f"created, {report.updated} updated, {report.deleted} deleted, "
        f"{report.unchanged} unchanged"
    )


async def export_text(settings: Settings, community: str | None) -> str:
    """Return the community's stored entries as a knowledge-base YAML file."""
    from faq.kb import dump_kb

    _, entries = await _with_admin(settings, lambda admin: admin.export_base(community))
    return dump_kb(entries)


async def _with_admin(
    settings: Settings, action: Callable[[FaqAdmin], Awaitable[tuple[CommunityInfo, T]]]
) -> tuple[CommunityInfo, T]:
    from bot.bootstrap import open_services

    async with open_services(settings) as use_cases:
        return await action(use_cases.faq_admin)

"""`loudao faq ask`: match questions against a knowledge-base file, without any database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faq.kb import dump_kb, load_kb
from faq.matcher import FaqMatcher, MatchResult

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_KB = Path(__file__).resolve().parent.parent / "examples" / "faq.yaml"

_DECISION_ZH = {"answer": "回答", "suggest": "您是不是想问", "none": "没有找到相关问题"}


def ask_lines(
    questions: Sequence[str],
    kb_path: str | None,
    as_json: bool,
    *,
    building: str | None = None,
    today: date | None = None,
) -> list[str]:
    """Match each question; return human-readable lines, or one JSON line per question."""
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
    """`loudao faq import FILE`: validate, then replace (default) or merge a community's base."""
    kb = load_kb(path)
    if check_only:
        return f"{path}: OK ({len(kb)} entries)"
    report, name = await _with_admin(
        settings, lambda admin: admin.import_base(kb, community, replace=replace)
    )
    mode = "replaced" if replace else "merged"
    return (
        f"community {name}: {len(kb)} entries {mode} – {report.created} created, "
        f"{report.updated} updated, {report.deleted} deleted, {report.unchanged} unchanged"
    )


async def export_text(settings: Settings, community: str | None) -> str:
    """`loudao faq export`: the community's entries as a YAML file."""
    entries, _ = await _with_admin(settings, lambda admin: admin.export_base(community))
    return dump_kb(entries)


async def _with_admin(settings: Settings, action: Any) -> tuple[Any, str]:
    from bot.bootstrap import open_services

    async with open_services(settings) as use_cases:
        community, result = await action(use_cases.faq_admin)
    return result, f"{community.code} {community.name}"

"""`loudao duty`: who is on duty for a building and category, the chain and the deadlines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.cli.common import AddParser
from bot.config import DEFAULT_COMMUNITY_FILE, Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `duty`."""
    p = add_parser("duty", help="who is on duty for a building and category, and the chain")
    p.add_argument("--at", required=True, help="local time, e.g. 2026-12-01T02:00")
    p.add_argument("--building", default=None)
    p.add_argument("--category", required=True)
    p.add_argument("--level", type=int, choices=[1, 2, 3], default=2)
    p.add_argument("--community", type=Path, default=None, help="community YAML (default: demo)")
    p.add_argument(
        "--db",
        action="store_true",
        help="answer from the database: the loaded community with the covers, leave and "
        "/workday entered in chat",
    )
    p.add_argument("--code", default=None, help="with --db: the community code")
    p.set_defaults(func=duty)


def duty(args: argparse.Namespace, settings: Settings) -> int:
    """Print the duty report as JSON, from the community file or (--db) the database."""
    from zoneinfo import ZoneInfo

    from bot.calendar_files import national_schedules
    from bot.domain.duty.answer import duty_report
    from bot.intake_files import ticket_categories
    from bot.registry_file import read_registry

    known = ticket_categories()
    if args.category not in known:
        print(f"unknown category {args.category!r}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        print(f"--at: not a time: {args.at!r} (use 2026-12-01T02:00)", file=sys.stderr)
        return 2
    if args.db:
        try:
            report = asyncio.run(_duty_from_database(settings, args, at))
        except LookupError as e:
            print(str(e), file=sys.stderr)
            return 2
        print(json.dumps(report, ensure_ascii=False))
        return 0
    path = args.community or settings.community_file or DEFAULT_COMMUNITY_FILE
    community = read_registry(path).communities[0]
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(community.timezone))

    def warn(year: int) -> None:
        print(
            f"note: the make-up working days of {year} are not known yet;"
            " statutory holidays and weekends are days off",
            file=sys.stderr,
        )

    report = duty_report(
        community, at, args.building, args.category, args.level, warn, national_schedules()
    )
    print(json.dumps(report, ensure_ascii=False))
    return 0


async def _duty_from_database(
    settings: Settings, args: argparse.Namespace, at: datetime
) -> dict[str, Any]:
    from bot.bootstrap import open_database
    from bot.services.duty.setup import duty_report_from_database

    async with open_database(settings) as database:
        return await duty_report_from_database(
            database.uow, args.code, at, args.building, args.category, args.level
        )

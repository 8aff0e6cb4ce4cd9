"""`loudao report`: one community's figures for a period as an XLSX workbook or a CSV file.

    loudao report --community A --from 2026-11-01 --to 2026-11-30 --by building -o report.xlsx
    loudao report --community A --period 上月 -o report.csv

Bad input (an unknown community, a period that ends before it starts, an unknown --by, a file
that is neither .xlsx nor .csv) is named on stderr with exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import AddParser
from bot.config import Settings

if TYPE_CHECKING:
    from bot.domain.kpi import Period
    from bot.domain.records import CommunityInfo

DIMENSIONS = ("building", "grid", "category", "level", "staff")
FORMATS = (".xlsx", ".csv")


class BadInput(Exception):
    """What was wrong with the command line, in a sentence."""


def add_commands(add_parser: AddParser) -> None:
    """Add `report`."""
    p = add_parser(
        "report",
        help="a community's figures for a period as an XLSX workbook or a CSV file",
        description="The committee's figures (README: How Loudao counts) for one community: a "
        "summary, the deadlines per level, a sheet per --by breakdown, the hot spots and the "
        "definitions. No resident's data.",
    )
    p.add_argument("--community", required=True, help="the community's code, e.g. A")
    p.add_argument("--from", dest="first", metavar="DAY", type=_day, help="first day: 2026-11-01")
    p.add_argument("--to", dest="last", metavar="DAY", type=_day, help="last day (included)")
    p.add_argument("--period", help="instead of --from/--to: 上月, 本月, 2026-11, 2026 …")
    p.add_argument(
        "--by",
        type=_dimensions,
        action="append",
        default=[],
        help=f"a breakdown sheet: {'|'.join(DIMENSIONS)} (repeat it, or building,grid)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="report.xlsx or report.csv")
    p.set_defaults(func=report)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day: {text!r} (use 2026-11-01)") from None


def _dimensions(text: str) -> list[str]:
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in DIMENSIONS]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(
            f"cannot break down by {', '.join(unknown) or repr(text)}; choose from "
            f"{', '.join(DIMENSIONS)}"
        )
    return wanted


def report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the report file; exit code 2 (and no file) on bad input."""
    try:
        _check(args)
        written = asyncio.run(_report(settings, args))
    except BadInput as exc:
        print(f"loudao report: {exc}", file=sys.stderr)
        return 2
    print(written)
    return 0


def _check(args: argparse.Namespace) -> None:
    """What can be told wrong before the database is opened."""
    if args.output.suffix.lower() not in FORMATS:
        raise BadInput(f"{args.output}: the report is written as .xlsx or .csv")
    if not args.output.parent.is_dir():
        raise BadInput(f"{args.output.parent}: no such folder")
    if args.period is not None:
        if args.first is not None or args.last is not None:
            raise BadInput("give either --period or --from and --to, not both")
        return
    if args.first is None or args.last is None:
        raise BadInput("give --from and --to (--from 2026-11-01 --to 2026-11-30), or --period")
    if args.last < args.first:
        raise BadInput(f"--to {args.last} is before --from {args.first}")


def _period(args: argparse.Namespace, community: CommunityInfo, today: date) -> Period:
    from bot.domain.kpi import Period, parse_period

    tz = community.timezone
    if args.period is None:
        return Period(args.first, args.last, tz)
    found = parse_period(args.period, today, tz)
    if found is None:
        raise BadInput(f"--period {args.period!r}: not a period (上月, 本月, 2026-11, 2026 …)")
    return found


async def _report(settings: Settings, args: argparse.Namespace) -> str:
    from zoneinfo import ZoneInfo

    from bot.bootstrap import open_database
    from bot.domain.clock import SystemClock
    from bot.services.kpi.report import build_report
    from bot.services.kpi.report_files import write_report
    from bot.services.kpi.report_tables import csv_tables, workbook_tables

    now = SystemClock().now()
    async with open_database(settings) as database, database.uow() as tx:
        community = await tx.registry.community_by_code(args.community)
        if community is None:
            raise BadInput(f"no community {args.community!r} in the database (loudao load FILE)")
        period = _period(args, community, now.astimezone(ZoneInfo(community.timezone)).date())
        by = [d for group in args.by for d in group]
        built = await build_report(tx, community, period, now, by)
    xlsx = args.output.suffix.lower() == ".xlsx"
    tables = workbook_tables(built) if xlsx else csv_tables(built)
    write_report(tables, args.output)
    sheets = len(tables)
    what = "sheets" if xlsx else "sections"
    return (
        f"{args.output}: {community.code} {period.first} ~ {period.last}, "
        f"{built.whole.opened} tickets opened, {sheets} {what}"
    )

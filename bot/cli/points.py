"""`loudao points report [--community CODE]`: points awarded and redeemed by month and building,
as tab-separated lines (month, building, awarded, redeemed) for a spreadsheet."""

from __future__ import annotations

import argparse
import asyncio
import html
import sys

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `points report`."""
    p = add_parser("points", help="volunteer points: the monthly report by building")
    sub = p.add_subparsers(dest="points_command", metavar="COMMAND", required=True)
    r = sub.add_parser("report", help="points awarded and redeemed by month and building")
    r.add_argument("--community", default=None, help="community code (needed if several)")
    r.set_defaults(func=report)


def report(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report, a header line first."""
    return asyncio.run(_report(settings, args.community))


async def _report(settings: Settings, code: str | None) -> int:
    from bot import i18n
    from bot.bootstrap import open_services
    from bot.domain.errors import LoudaoError

    async with open_services(settings) as use_cases:
        try:
            rows = await use_cases.points.report(code)
        except LoudaoError as exc:
            print(html.unescape(i18n.t(settings.locale, exc.key, **exc.params)), file=sys.stderr)
            return 1
    print("month\tbuilding\tawarded\tredeemed")
    for row in rows:
        print(f"{row.month}\t{row.building}\t{row.awarded}\t{row.redeemed}")
    return 0

"""`loudao export tickets`: one row per ticket of a community and period, to CSV or XLSX."""

from __future__ import annotations

import argparse
import asyncio
import html
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.cli.common import AddParser
from bot.config import Settings

EVERY = 10_000  # rows between progress lines when stderr is not a terminal


def add_commands(add_parser: AddParser) -> None:
    """Add `export tickets`."""
    export = add_parser("export", help="export data for the committee (tickets)")
    what = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = what.add_parser("tickets", help="one row per ticket: times, deadlines met, verdict")
    p.add_argument("--community", required=True, help="community code")
    p.add_argument("--from", dest="first", type=_day, help="first day opened, YYYY-MM-DD")
    p.add_argument("--to", dest="last", type=_day, help="last day opened (included)")
    p.add_argument("-o", "--output", type=Path, required=True, help="a .csv or .xlsx file")
    p.add_argument(
        "--with-personal-data",
        action="store_true",
        help="add room, phone, reporter's name and text (an admin's --actor; audited)",
    )
    p.add_argument("--actor", type=int, help="your Telegram id: an admin of the community")
    p.set_defaults(func=export_tickets)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day: {text!r} (write YYYY-MM-DD)") from None


def export_tickets(args: argparse.Namespace, settings: Settings) -> int:
    """Write the tickets to the file, with progress on stderr."""
    return asyncio.run(_export(settings, args))


class Progress:
    """Rows written / total on stderr: one line redrawn on a terminal, else every `every`."""

    def __init__(self, total: int, out: TextIO, every: int = EVERY) -> None:
        self.total = total
        self.out = out
        self.tty = out.isatty()
        self.every = every

    def __call__(self, done: int) -> None:
        if self.tty and (done % 100 == 0 or done == self.total):
            self.out.write(f"\r{done}/{self.total} rows")
            self.out.flush()
        elif not self.tty and done % self.every == 0:
            print(f"{done}/{self.total} rows", file=self.out)

    def close(self, done: int) -> None:
        if self.tty:
            self.out.write("\n")
        print(f"{done}/{self.total} rows", file=self.out)


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot import i18n
    from bot.bootstrap import open_services
    from bot.domain.errors import LoudaoError
    from bot.services.reports.tickets_export import ExportRequest
    from bot.table_files import table_format, write_table

    try:
        kind = table_format(args.output)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    request = ExportRequest(
        community=args.community,
        first_day=args.first,
        last_day=args.last,
        personal=args.with_personal_data,
        actor=args.actor,
        file_format=kind,
    )
    async with open_services(settings) as use_cases:
        try:
            run = await use_cases.exports.start(request)
        except LoudaoError as exc:
            print(html.unescape(i18n.t(settings.locale, exc.key, **exc.params)), file=sys.stderr)
            return 1
        progress = Progress(run.total, sys.stderr)
        written = await write_table(args.output, run.header, run.rows(), progress)
        progress.close(written)
    print(f"{args.output}: {written} tickets written")
    return 0

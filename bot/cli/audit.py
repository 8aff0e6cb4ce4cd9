"""`loudao audit --ticket A-0042 [--community CODE]`: one ticket's history, oldest first."""

from __future__ import annotations

import argparse
import asyncio
import html
import sys

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `audit`."""
    p = add_parser("audit", help="who did what when to one ticket (from the audit log)")
    p.add_argument("--ticket", required=True, help="the ticket number, e.g. A-0042")
    p.add_argument("--community", default=None, help="community code (needed if several)")
    p.set_defaults(func=audit)


def audit(args: argparse.Namespace, settings: Settings) -> int:
    """Print the ticket's history in the community's language and timezone."""
    return asyncio.run(_audit(settings, args.ticket, args.community))


async def _audit(settings: Settings, number: str, code: str | None) -> int:
    from bot import i18n
    from bot.bootstrap import open_services
    from bot.domain.errors import LoudaoError

    async with open_services(settings) as use_cases:
        try:
            text = await use_cases.tickets.audit.for_operator(number, code)
        except LoudaoError as exc:
            print(html.unescape(i18n.t(settings.locale, exc.key, **exc.params)), file=sys.stderr)
            return 1
    print(html.unescape(text))  # the texts are Telegram HTML: plain on a terminal
    return 0

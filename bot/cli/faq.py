"""`loudao faq ask|import|export`: the knowledge-base commands (their work is in faq.cli)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import Settings


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
    """`loudao faq ask`: print how each question is answered, as of today."""
    from faq.cli import ask_lines

    today = datetime.now(settings.tz).date()
    for line in ask_lines(args.questions, args.kb, args.json, today=today):
        print(line)
    return 0


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    """`loudao faq import FILE`: validate, then replace (default) or merge a community's base."""
    from faq.cli import import_file

    print(
        asyncio.run(
            import_file(
                settings, args.file, args.community, replace=not args.merge, check_only=args.check
            )
        )
    )
    return 0


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    """`loudao faq export`: print (or write) a community's base as YAML."""
    from faq.cli import export_text

    text = asyncio.run(export_text(settings, args.community))
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0

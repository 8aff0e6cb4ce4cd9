"""`loudao corrections`: tickets staff re-classified, as lines of the labelled intake set."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `corrections`."""
    p = add_parser(
        "corrections", help="tickets staff re-classified (/level, /kind) as labelled intake YAML"
    )
    p.add_argument("--code", default=None, help="community code (needed if several)")
    p.add_argument("-o", "--output", type=Path, default=None, help="write to a file")
    p.set_defaults(func=corrections)


def corrections(args: argparse.Namespace, settings: Settings) -> int:
    """Print (or write) the corrections of one community as YAML."""
    return asyncio.run(_corrections(settings, args.code, args.output))


async def _corrections(settings: Settings, code: str | None, output: Path | None) -> int:
    from bot.bootstrap import open_database
    from bot.services.tickets.training_data import corrections_yaml

    try:
        async with open_database(settings) as database:
            text = await corrections_yaml(database.uow, code)
    except LookupError as e:
        print(str(e), file=sys.stderr)
        return 2
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        print(f"{output}: written")
    return 0

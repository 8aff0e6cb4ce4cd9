"""`loudao init DIR`: a config folder to start from – the demo community, its notices and FAQ."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import Settings
from bot.resources import DEMO_FILES as FILES


def add_commands(add_parser: AddParser) -> None:
    """Add `init`."""
    p = add_parser(
        "init", help="write a config folder to start from (community, notices, FAQ files)"
    )
    p.add_argument("folder", type=Path, help="where to write them, e.g. config")
    p.set_defaults(func=init)


def init(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the demo community's files into a folder; never overwrite a file that is there."""
    from bot.resources import example_file

    folder: Path = args.folder
    there = [name for name in FILES if (folder / name).exists()]
    if there:
        print(f"{folder}: already has {', '.join(there)}; nothing written", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (folder / name).write_bytes(example_file(name).read_bytes())
    print(f"wrote {', '.join(FILES)} to {folder}/")
    print(f"edit them, check with `loudao load --check {folder}/community.yaml`, then run with")
    print(f"LOUDAO_COMMUNITY_FILE={folder}/community.yaml")
    return 0

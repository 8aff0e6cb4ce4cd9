"""`loudao classify TEXT...`: how messages are understood (intent, category, level, building)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import DEFAULT_COMMUNITY_FILE, Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `classify`."""
    p = add_parser("classify", help="show how messages are understood (intent, category, ...)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--rules", type=Path, default=None, help="override rules YAML")
    p.add_argument("texts", nargs="+")
    p.set_defaults(func=classify_texts)


def classify_texts(args: argparse.Namespace, settings: Settings) -> int:
    """Print each text's reading, as text or one JSON object per line."""
    from bot.domain.intake import BuildingRef, classify
    from bot.intake_files import load_rules
    from bot.registry_file import read_registry

    rules = load_rules(args.rules)
    community = read_registry(DEFAULT_COMMUNITY_FILE).communities[0]
    refs = [BuildingRef(b.number, b.aliases, b.units) for b in community.buildings]
    for text in args.texts:
        result = classify(text, rules, refs)
        data = result.as_json_dict()
        if args.json:
            print(json.dumps(data, ensure_ascii=False))
        else:
            fields = "  ".join(f"{k}={v}" for k, v in data.items())
            print(f"{text}\n  {fields}  cues={','.join(result.matched)}")
    return 0

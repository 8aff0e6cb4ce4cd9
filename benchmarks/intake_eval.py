"""Print intake accuracy per field on the labelled set and the hold-out set, with the misses.

Run: .venv/bin/python benchmarks/intake_eval.py [labelled.yaml ...] [--rules override.yaml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.intake.evaluation import FIELDS, evaluate  # noqa: E402
from bot.intake_files import load_labelled, load_rules  # noqa: E402

DEFAULT_SETS = (
    ROOT / "tests/data/intake_messages.yaml",
    ROOT / "tests/data/intake_holdout.yaml",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--rules", type=Path, default=None, help="community override rules file")
    args = parser.parse_args()
    rules = load_rules(args.rules)
    for path in args.sets or [p for p in DEFAULT_SETS if p.exists()]:
        messages = load_labelled(path)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        rounds = sorted({m.round for m in messages if m.round is not None})
        for r in rounds:
            part = evaluate([m for m in messages if m.round == r], rules)
            print(
                f"-- {shown} round {r}: {part.total} messages, category "
                f"{part.accuracy('category'):.1%}, intent {part.accuracy('intent'):.1%}, "
                f"building {part.accuracy('building'):.1%}, level-1 recall "
                f"{part.level1_recall:.1%} ({part.level1_found}/{part.level1_total})"
            )
        report = evaluate(messages, rules)
        print(f"== {shown}: {report.total} messages")
        for name in FIELDS:
            print(f"  {name:<10} {report.accuracy(name):6.1%}")
        print(
            f"  level-1 recall {report.level1_recall:6.1%} "
            f"({report.level1_found}/{report.level1_total}), "
            f"false level-1 alarms: {report.level1_false_alarms}"
        )
        print(f"  misclassified: {len(report.misses)}")
        for miss in report.misses:
            m, got = miss.message, miss.got
            diffs = ", ".join(
                f"{f}={getattr(got, f)!r} (want {getattr(m, f)!r})" for f in miss.fields
            )
            print(f"    {m.text}  [{diffs}]")
            print(f"      matched: {' '.join(got.matched)}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

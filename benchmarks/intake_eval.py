"""Print intake accuracy on every labelled set: the rules alone, the model alone, and both
together (what the bot does), with whether the model was trained on the set, and the time a
message takes (p50/p99).

Run: .venv/bin/python benchmarks/intake_eval.py [labelled.yaml ...] [--rules override.yaml]
     [--misses]   (also list every message the bot gets wrong)
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli.train import HELD_OUT, TRAINING_SETS, TUNING_ROUND  # noqa: E402
from bot.domain.intake.classify import classify  # noqa: E402
from bot.domain.intake.evaluation import DEMO_BUILDINGS, FIELDS, Report, evaluate  # noqa: E402
from bot.domain.intake.model import TextModel  # noqa: E402
from bot.intake_files import intake_model, load_labelled, load_rules  # noqa: E402

DATA = ROOT / "tests/data"
DEFAULT_SETS = tuple(DATA / name for name in (*TRAINING_SETS, *HELD_OUT))


def status(path: Path) -> str:
    if path.name in HELD_OUT:
        return "HELD OUT: never trained or tuned on"
    if path.name == TUNING_ROUND:
        return "trained on; the blend's thresholds were tuned on it"
    if path.name in TRAINING_SETS:
        return "trained on (figures are not generalisation)"
    return "not in training"


def line(name: str, r: Report) -> str:
    fields = ", ".join(f"{f} {r.accuracy(f):.1%}" for f in FIELDS if f != "on_behalf")
    return (
        f"  {name:<14} {fields}, category on reports {r.report_category_accuracy:.1%}, "
        f"level-1 recall {r.level1_recall:.1%} "
        f"({r.level1_found}/{r.level1_total}), false alarms {r.level1_false_alarms}"
    )


def model_alone(messages: list, model: TextModel) -> str:  # type: ignore[type-arg]
    intent = category = found = alarms = total1 = reports = on_reports = 0
    for m in messages:
        r = model.read(m.text)
        intent += r.intent == m.intent
        category += r.category == str(m.category)
        reports += m.intent == "report"
        on_reports += m.intent == "report" and r.category == str(m.category)
        urgent = r.emergency_p >= 0.6
        total1 += m.level == 1
        found += urgent and m.level == 1
        alarms += urgent and m.level != 1
    n = len(messages)
    return (
        f"  {'model alone':<14} intent {intent / n:.1%}, category {category / n:.1%}, "
        f"category on reports {on_reports / max(reports, 1):.1%}, level-1 recall {found}/{total1}, false alarms {alarms}"
    )


def latency(messages: list, rules: object) -> str:  # type: ignore[type-arg]
    times = []
    for m in messages:
        start = time.perf_counter()
        classify(m.text, rules, DEMO_BUILDINGS, m.group)  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
    p99 = statistics.quantiles(times, n=100)[98] if len(times) > 1 else times[0]
    return f"  per message: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--rules", type=Path, default=None, help="community override rules file")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    both = load_rules(args.rules)
    rules = dataclasses.replace(both, model=None)
    model = intake_model()
    for path in args.sets or [p for p in DEFAULT_SETS if p.exists()]:
        messages = list(load_labelled(path))
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"== {shown}: {len(messages)} messages – {status(path)}")
        print(line("rules alone", evaluate(messages, rules)))
        if model is not None:
            print(model_alone(messages, model))
        report = evaluate(messages, both)
        print(line("rules + model", report))
        print(latency(messages, both))
        if args.misses:
            for miss in report.misses:
                m, got = miss.message, miss.got
                diffs = ", ".join(
                    f"{f}={getattr(got, f)!r} (want {getattr(m, f)!r})" for f in miss.fields
                )
                print(f"    {m.text}  [{diffs}]")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Choose the blend's thresholds honestly: cross-validation on tuning rounds the rules never saw.

For each of K folds of the tuning rounds, the model is trained on the training sets plus the
other folds and the blend (rules + model) is measured on the held fold; figures are summed
over the folds for each candidate policy. The held-out rounds (bot/cli/train.py HELD_OUT) are
never read here. Policies are ranked by emergencies found less twice the false alarms, then by
the category of reports (what routes a ticket).

Run: .venv/bin/python benchmarks/intake_model_cv.py [--round tests/data/intake_blind10.yaml ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli.train import HELD_OUT, TRAINING_SETS, TUNING_ROUND  # noqa: E402
from bot.domain.intake.blend import BlendPolicy  # noqa: E402
from bot.domain.intake.evaluation import evaluate  # noqa: E402
from bot.domain.intake.model import model_from_json  # noqa: E402
from bot.intake_files import load_labelled, load_rules  # noqa: E402
from bot.training import intake_model  # noqa: E402

K = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--round", type=Path, nargs="+", default=[ROOT / "tests/data" / TUNING_ROUND]
    )
    args = parser.parse_args()
    tuning_names = {r.name for r in args.round}
    if tuning_names & set(HELD_OUT):
        sys.exit(f"{sorted(tuning_names & set(HELD_OUT))} is held out: choose tuning rounds")
    warnings.filterwarnings("ignore")
    names = [n for n in TRAINING_SETS if n not in tuning_names]
    base = [m for name in names for m in load_labelled(ROOT / "tests/data" / name)]
    tuning = [m for r in args.round for m in load_labelled(r)]
    folds = [tuning[i::K] for i in range(K)]
    rules = load_rules(with_model=False)
    policies = [
        BlendPolicy(i, c, f, e, v, a)
        for i, c, f, e, v, a in itertools.product(
            (0.5,),
            (0.2, 0.3),
            (0.3,),
            (0.5, 0.6, 0.7),
            (0.1, 0.2, 0.3, 0.4, 0.5),
            (0.2, 0.6),
        )
    ]
    totals: dict[BlendPolicy, list[int]] = {p: [0] * 8 for p in policies}
    for k, held in enumerate(folds):
        train = base + [m for j, f in enumerate(folds) if j != k for m in f]
        model = model_from_json(intake_model.train(train))
        for policy in policies:
            r = evaluate(held, dataclasses.replace(rules, model=model, blend=policy))
            t = totals[policy]
            t[0] += r.correct["category"]
            t[1] += r.correct["intent"]
            t[2] += r.level1_found
            t[3] += r.level1_total
            t[4] += r.level1_false_alarms
            t[5] += r.total
            t[6] += r.report_category
            t[7] += r.reports
        print(f"fold {k + 1}/{K} done", file=sys.stderr)
    plain = evaluate(tuning, rules)
    print(
        f"rules alone on {', '.join(sorted(tuning_names))}: category {plain.accuracy('category'):.1%}, intent "
        f"{plain.accuracy('intent'):.1%}, level-1 {plain.level1_found}/{plain.level1_total}, "
        f"false alarms {plain.level1_false_alarms}"
    )
    for policy, (cat, intent, found, total, alarms, n, on_reports, reports) in sorted(
        totals.items(), key=lambda kv: (-(kv[1][2] - 2 * kv[1][4]), -kv[1][6])
    ):
        print(
            f"{policy}: category {cat / n:.1%}, on reports {on_reports / reports:.1%}, intent "
            f"{intent / n:.1%}, level-1 {found}/{total}, false alarms {alarms}"
        )


if __name__ == "__main__":
    main()

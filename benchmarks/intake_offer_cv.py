"""How often a plain group message would be offered a ticket, on probabilities the model did not
learn from: out-of-fold readings over the training sets (the held-out round is never read).

For each of K folds, the model is trained on the other folds and reads the held fold with the
rules beside it, as the bot does; a message is offered when bot.domain.intake.confidence says
it is a sure report. Printed per threshold: offers made, offers to messages labelled question
or other (these must stay at zero: chit-chat, questions and notices get no offer), offers of a
wrong kind, and the share of everyday reports offered.

Run: .venv/bin/python benchmarks/intake_offer_cv.py
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli.train import HELD_OUT, TRAINING_SETS  # noqa: E402
from bot.domain.intake import Classification, classify  # noqa: E402
from bot.domain.intake.confidence import OfferPolicy, sure_report  # noqa: E402
from bot.domain.intake.evaluation import DEMO_BUILDINGS, LabelledMessage  # noqa: E402
from bot.domain.intake.model import model_from_json  # noqa: E402
from bot.intake_files import load_labelled, load_rules  # noqa: E402
from bot.training import intake_model  # noqa: E402

K = 5
THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.95)


def out_of_fold() -> list[tuple[LabelledMessage, Classification]]:
    """Every training message, read by a model that was not trained on it."""
    names = [n for n in TRAINING_SETS if n not in HELD_OUT]
    messages = [m for name in names for m in load_labelled(ROOT / "tests/data" / name)]
    rules = load_rules(with_model=False)
    read: list[tuple[LabelledMessage, Classification]] = []
    for k in range(K):
        held = [m for i, m in enumerate(messages) if i % K == k]
        train = [m for i, m in enumerate(messages) if i % K != k]
        model = model_from_json(intake_model.train(train))
        folded = dataclasses.replace(rules, model=model)
        read += [(m, classify(m.text, folded, DEMO_BUILDINGS, m.group)) for m in held]
        print(f"fold {k + 1}/{K} done", file=sys.stderr)
    return read


def main() -> None:
    warnings.filterwarnings("ignore")
    read = out_of_fold()
    everyday = sum(m.intent == "report" and m.level != 1 for m, _ in read)
    others = sum(m.intent != "report" for m, _ in read)
    print(f"{len(read)} messages: {everyday} everyday reports, {others} questions and other")
    for threshold in THRESHOLDS:
        policy = OfferPolicy(report_sure=threshold)
        offered = [(m, c) for m, c in read if sure_report(c, policy)]
        wrong = sum(m.intent != "report" for m, _ in offered)
        kind = sum(m.intent == "report" and m.category != c.category for m, c in offered)
        share = sum(m.intent == "report" and m.level != 1 for m, _ in offered) / everyday
        mark = "  <- the policy" if threshold == OfferPolicy().report_sure else ""
        print(
            f"report_sure {threshold:.2f}: {len(offered)} offers, {wrong} to questions/other, "
            f"{kind} of a wrong kind, {share:.0%} of everyday reports offered{mark}"
        )


if __name__ == "__main__":
    main()

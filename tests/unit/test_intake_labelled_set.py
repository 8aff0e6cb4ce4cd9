from pathlib import Path

from bot.domain.intake import load_rules
from bot.domain.intake.evaluation import evaluate, load_labelled

DATA = Path(__file__).resolve().parents[1] / "data"


def test_the_labelled_set_is_large_and_varied_enough() -> None:
    messages = load_labelled(DATA / "intake_messages.yaml")
    assert len(messages) >= 160
    assert len({m.category for m in messages}) == 20
    assert sum(m.level == 1 for m in messages) >= 20
    assert {m.intent for m in messages} == {"report", "question", "other"}


def test_the_classifier_meets_the_accuracy_targets_on_the_labelled_set() -> None:
    report = evaluate(load_labelled(DATA / "intake_messages.yaml"), load_rules())
    misses = "\n".join(f"{m.message.text} {m.fields}" for m in report.misses)
    assert report.accuracy("category") >= 0.90, misses
    assert report.accuracy("building") >= 0.95, misses
    assert report.level1_recall >= 0.98, misses


def test_the_holdout_set_loads_and_every_emergency_in_it_is_found() -> None:
    report = evaluate(load_labelled(DATA / "intake_holdout.yaml"), load_rules())
    assert report.total >= 30
    assert report.level1_recall >= 0.98

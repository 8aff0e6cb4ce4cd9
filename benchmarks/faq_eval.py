"""Print FAQ matching figures: accuracy on the labelled sets, latency at 55 and 2,000 entries.

Each set is measured with words alone and, when the `semantic` extra is installed, with words
and meaning combined (what the bot then does). "direct" is the share of answerable questions
answered directly with the right entry; "wrong" the direct answers that were not right.

Run: .venv/bin/python benchmarks/faq_eval.py [--misses] [--words-only]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.evaluate import EvalReport, evaluate, load_eval_set, synthetic_entries  # noqa: E402
from faq.kb import FaqEntry, load_kb  # noqa: E402
from faq.matcher import FaqMatcher  # noqa: E402
from faq.semantic import SemanticModel, default_semantic  # noqa: E402

KB = ROOT / "bot" / "demo" / "faq.yaml"
SETS = {
    "eval": ROOT / "tests" / "data" / "faq_eval.yaml",
    "holdout": ROOT / "tests" / "data" / "faq_holdout.yaml",
    "blind": ROOT / "tests" / "data" / "faq_blind.yaml",
    "blind2": ROOT / "tests" / "data" / "faq_blind2.yaml",
    "blind3": ROOT / "tests" / "data" / "faq_blind3.yaml",
    "blind4": ROOT / "tests" / "data" / "faq_blind4.yaml",
}
SYNTHETIC = 2000
SEED = 2026


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def line(name: str, r: EvalReport) -> str:
    direct = r.answered_correct / r.positives if r.positives else 1.0
    wrong = r.answered - r.answered_correct
    return (
        f"{name:<36} n={r.positives + r.negatives:<4} top-1 {r.top1:6.1%} "
        f"({r.top1_correct}/{r.positives})  direct {direct:6.1%}  answer precision "
        f"{r.answer_precision:6.1%} (wrong {wrong}/{r.answered})  abstention "
        f"{r.abstention:6.1%} ({r.abstained_correct}/{r.negatives})  "
        f"p50 {statistics.median(r.latencies_ms):.2f} ms  p99 {percentile(r.latencies_ms, 0.99):.2f} ms"
    )


def build(name: str, entries: list[FaqEntry], semantic: SemanticModel | None) -> FaqMatcher:
    start = time.perf_counter()
    matcher = FaqMatcher(entries, semantic=semantic)
    print(f"{name}: {len(matcher)} entries, index built in {time.perf_counter() - start:.2f} s")
    return matcher


def main() -> None:
    show_misses = "--misses" in sys.argv
    semantic = None if "--words-only" in sys.argv else default_semantic()
    kinds: list[tuple[str, SemanticModel | None]] = [("words", None)]
    if semantic is not None:
        kinds.append(("words+meaning", semantic))
        print(f"meaning: {semantic.name} (the semantic extra)")
    else:
        print("meaning: not measured (install the semantic extra, or without --words-only)")
    kb = load_kb(KB)
    synthetic = synthetic_entries(SYNTHETIC - len(kb), seed=SEED)
    bases: list[tuple[str, str, FaqMatcher]] = []
    for kind, model in kinds:
        # the first build includes loading jieba (and the encoder) once
        bases.append((kind, "demo", build(f"demo base, {kind}", list(kb.entries), model)))
        big = build(f"demo + synthetic (seed {SEED}), {kind}", [*synthetic, *kb.entries], model)
        bases.append((kind, f"demo+synthetic {len(big)}", big))
    print()
    for set_name, path in SETS.items():
        if not path.exists():
            print(f"{set_name}: {path.name} missing")
            continue
        data = load_eval_set(path)
        for kind, base_name, matcher in bases:
            for _ in range(2):  # warm-up pass: first calls pay for caches
                report = evaluate(matcher, data.cases, data.today)
            print(line(f"{set_name} @ {base_name}, {kind}", report))
            if show_misses and base_name == "demo":
                for miss in report.misses:
                    cands = [(c.entry_id, c.score) for c in miss.result.candidates]
                    print(
                        f"    miss: {miss.case.q!r} expected {miss.case.id} "
                        f"got {miss.result.decision} {cands}"
                    )
    # Latency on the purely synthetic base, asked its own phrasings and the eval questions.
    questions = [q for e in synthetic_entries(SYNTHETIC, seed=SEED)[:300] for q in e.questions]
    questions += [c.q for c in load_eval_set(SETS["eval"]).cases]
    for kind, model in kinds:
        only_synthetic = FaqMatcher(synthetic_entries(SYNTHETIC, seed=SEED), semantic=model)
        latencies: list[float] = []
        for q in questions * 2:
            start = time.perf_counter()
            only_synthetic.match(q)
            latencies.append((time.perf_counter() - start) * 1000)
        print(
            f"\nsynthetic base {len(only_synthetic)} entries, {kind}, {len(latencies)} questions: "
            f"p50 {statistics.median(latencies):.2f} ms  p99 {percentile(latencies, 0.99):.2f} ms  "
            f"max {max(latencies):.2f} ms"
        )
    for kind, model in kinds:
        stalls = asyncio.run(loop_stalls([*synthetic, *kb.entries], model))
        print(
            f"\nevent loop during a rebuild of the {SYNTHETIC}-entry index, {kind}: longest stall "
            f"{stalls['inline']:.0f} ms when built on the loop, {stalls['thread']:.0f} ms in a "
            "worker thread (as the bot does)"
        )


async def loop_stalls(entries: list[FaqEntry], model: SemanticModel | None) -> dict[str, float]:
    """The longest gap a 1 ms heartbeat on the event loop sees while the index is built."""

    # each build starts with an empty cache of phrasing vectors: every phrasing is embedded
    async def build_inline() -> None:
        FaqMatcher(entries, semantic=model and model.without_cache())

    async def build_in_thread() -> None:
        fresh = model and model.without_cache()
        await asyncio.to_thread(lambda: FaqMatcher(entries, semantic=fresh))

    async def longest_gap(build: Callable[[], Awaitable[None]]) -> float:
        gaps: list[float] = []
        done = asyncio.Event()

        async def heartbeat() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps.append((now - last) * 1000)
                last = now

        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.01)
        await build()
        done.set()
        await beat
        return max(gaps)

    return {
        "inline": await longest_gap(build_inline),
        "thread": await longest_gap(build_in_thread),
    }


if __name__ == "__main__":
    main()

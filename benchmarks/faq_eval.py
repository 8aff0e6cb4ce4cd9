"""Print FAQ matching figures: accuracy on the labelled sets, latency at 55 and 2,000 entries.

Run: .venv/bin/python benchmarks/faq_eval.py [--misses]
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

KB = ROOT / "bot" / "demo" / "faq.yaml"
SETS = {
    "eval": ROOT / "tests" / "data" / "faq_eval.yaml",
    "holdout": ROOT / "tests" / "data" / "faq_holdout.yaml",
    "blind": ROOT / "tests" / "data" / "faq_blind.yaml",
    "blind2": ROOT / "tests" / "data" / "faq_blind2.yaml",
    "blind3": ROOT / "tests" / "data" / "faq_blind3.yaml",
}
SYNTHETIC = 2000
SEED = 2026


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def line(name: str, r: EvalReport) -> str:
    return (
        f"{name:<28} n={r.positives + r.negatives:<4} top-1 {r.top1:6.1%} "
        f"({r.top1_correct}/{r.positives})  answer precision {r.answer_precision:6.1%} "
        f"({r.answered_correct}/{r.answered})  abstention {r.abstention:6.1%} "
        f"({r.abstained_correct}/{r.negatives})  p50 {statistics.median(r.latencies_ms):.2f} ms"
        f"  p99 {percentile(r.latencies_ms, 0.99):.2f} ms"
    )


def main() -> None:
    show_misses = "--misses" in sys.argv
    kb = load_kb(KB)
    start = time.perf_counter()
    demo = FaqMatcher(kb.entries)
    print(
        f"demo base: {len(kb)} entries, index built in {time.perf_counter() - start:.2f} s "
        "(includes loading jieba once)"
    )
    synthetic = synthetic_entries(SYNTHETIC - len(kb), seed=SEED)
    start = time.perf_counter()
    big = FaqMatcher([*synthetic, *kb.entries])
    print(
        f"demo + synthetic base: {len(big)} entries (seed {SEED}), "
        f"index built in {time.perf_counter() - start:.2f} s"
    )
    only_synthetic = FaqMatcher(synthetic_entries(SYNTHETIC, seed=SEED))
    print()
    for set_name, path in SETS.items():
        if not path.exists():
            print(f"{set_name}: {path.name} missing")
            continue
        data = load_eval_set(path)
        for base_name, matcher in (("demo", demo), (f"demo+synthetic {len(big)}", big)):
            for _ in range(2):  # warm-up pass: first calls pay for caches
                report = evaluate(matcher, data.cases, data.today)
            print(line(f"{set_name} @ {base_name}", report))
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
    latencies: list[float] = []
    for q in questions * 2:
        start = time.perf_counter()
        only_synthetic.match(q)
        latencies.append((time.perf_counter() - start) * 1000)
    print(
        f"\nsynthetic base {len(only_synthetic)} entries, {len(latencies)} questions: "
        f"p50 {statistics.median(latencies):.2f} ms  p99 {percentile(latencies, 0.99):.2f} ms  "
        f"max {max(latencies):.2f} ms"
    )
    stalls = asyncio.run(loop_stalls([*synthetic, *kb.entries]))
    print(
        f"\nevent loop during a rebuild of the {len(big)}-entry index: longest stall "
        f"{stalls['inline']:.0f} ms when built on the loop, {stalls['thread']:.0f} ms in a "
        "worker thread (as the bot does)"
    )


async def loop_stalls(entries: list[FaqEntry]) -> dict[str, float]:
    """The longest gap a 1 ms heartbeat on the event loop sees while the index is built."""

    async def build_inline() -> None:
        FaqMatcher(entries)

    async def build_in_thread() -> None:
        await asyncio.to_thread(FaqMatcher, entries)

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

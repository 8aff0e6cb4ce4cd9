"""benchmarks/kpi.py --small runs to its end on SQLite and prints every row of its table.

A smoke test (issue 18): the timings are the script's output for a person to read, never
asserted here – only that the script works, that it counted tickets, and that the reads of
storage/repos_kpi.py it explains read no large table whole.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.kpi import GOALS

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[2]


def test_kpi_small_prints_every_row_and_the_query_plans() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "kpi.py"), "--small"],
        capture_output=True,
        text=True,
        timeout=170,  # a few seconds on an idle machine; CI machines are shared
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
        measured, printed_goal = table[row]
        assert measured not in ("", "–"), row
        assert printed_goal == goal
    assert int(table["district's month: tickets counted"][0].replace(",", "")) > 0
    assert table["reads of storage/repos_kpi.py over every ticket (seq scans)"][0] == "none"
    assert "SEARCH tickets USING INDEX ix_tickets_community_created" in done.stdout
    assert "noise" in done.stdout

"""benchmarks/consult.py --small runs to its end on SQLite and counts the consultation right.

A smoke test (issue 20): the close's time is for a person to read, never asserted here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[2]


def test_consult_small_counts_right_and_prints_the_close() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "consult.py"), "--small", "--sqlite"],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "counted [120, 40, 40] (expected [120, 40, 40]): right" in done.stdout
    assert "| close of 230 households, SQLite |" in done.stdout

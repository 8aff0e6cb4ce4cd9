"""`loudao` / `python -m bot`: one CLI for running, loading data and testing rules (bot.cli)."""

from __future__ import annotations

from bot.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())

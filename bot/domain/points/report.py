"""Points awarded and redeemed by building and month: the committee's report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ReportRow:
    month: str  # 2026-12, in the community's timezone
    building: str  # "" for entries of no building
    awarded: int  # awards and corrections, summed
    redeemed: int  # points spent in the shop (a positive number)


def monthly(entries: Iterable[tuple[str | None, str, int, datetime]], tz: str) -> list[ReportRow]:
    """Sum (building, kind, points, at) ledger rows per local month and building."""
    zone = ZoneInfo(tz)
    sums: dict[tuple[str, str], list[int]] = {}
    for building, kind, points, at in entries:
        key = (at.astimezone(zone).strftime("%Y-%m"), building or "")
        cell = sums.setdefault(key, [0, 0])
        if kind == "redemption":
            cell[1] -= points
        else:
            cell[0] += points
    return [ReportRow(m, b, a, r) for (m, b), (a, r) in sorted(sums.items())]

"""When an update whose handler failed is tried again, and when it is given up."""

from __future__ import annotations

from datetime import datetime, timedelta

# 5 attempts in all over about 10 minutes: a passing fault (the database restarting, a deploy)
# is ridden out; a bug that fails every time reaches the admins while the report is still fresh
RETRY_AFTER = (
    timedelta(seconds=30),
    timedelta(seconds=90),
    timedelta(minutes=3),
    timedelta(minutes=5),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# Each running process renews a lease of this prefix; the updates it claimed are taken over as
# soon as its lease lapses (it was killed), not when their two-minute claim runs out.
ALIVE_PREFIX = "alive:"
ALIVE_FOR = timedelta(seconds=15)


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None: give up."""
    if attempts < 1 or attempts > len(RETRY_AFTER):
        return None
    return now + RETRY_AFTER[attempts - 1]

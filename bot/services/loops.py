"""A background loop's health: when it last worked, why it fails, how long to back off.

Every long-running loop (polling, dispatching, sending) reports each round here. A failure is
logged as an error once when it starts (a change of error class during it is a note), and
once when the loop recovers – never every round – and the state is what /healthz and /metrics
show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

log = logging.getLogger(__name__)


class Fatal(Exception):
    """A failure a loop cannot recover from by trying again (a token Telegram refuses)."""


@dataclass
class LoopState:
    """What one loop last did; `failed` returns how long to wait before its next round.

    Times are the process's own monotonic seconds: whether a loop is alive is a fact about
    this process, not about the (injected) time the domain runs on.
    """

    name: str
    stale_after: float = 60.0  # seconds without a round that worked before /healthz says so
    first_delay: float = 1.0
    max_delay: float = 5.0  # an outage's end is noticed within this long
    monotonic: Callable[[], float] = time.monotonic
    started_at: float = field(init=False)
    last_ok: float | None = None
    failing_since: float | None = None
    error: str | None = None
    failures: int = 0  # every failed round since start, for /metrics
    _delay: float = field(init=False)

    def __post_init__(self) -> None:
        self.started_at = self.monotonic()
        self._delay = self.first_delay

    def ok(self) -> None:
        """Record a round that worked; log the recovery once."""
        now = self.monotonic()
        if self.failing_since is not None:
            log.warning(
                "%s works again after %.0f s",
                self.name,
                now - self.failing_since,
                extra={"loop": self.name},
            )
        self.last_ok, self.failing_since, self.error = now, None, None
        self._delay = self.first_delay

    def failed(self, reason: str) -> float:
        """Record a failed round; return the seconds to wait (doubling, capped)."""
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = self.monotonic()
            log.error(
                "%s failing: %s (trying again with back-off)",
                self.name,
                reason,
                extra={"loop": self.name},
            )
        elif reason != self.error:
            # the same outage seen through another error class (a reset, then a refused
            # connection): worth a line, but the outage itself was logged once
            log.info("%s: the error is now %s", self.name, reason, extra={"loop": self.name})
        self.error = reason
        delay, self._delay = self._delay, min(self._delay * 2, self.max_delay)
        return delay

    def quiet_for(self) -> timedelta:
        """How long since a round last worked (since start, before the first)."""
        since = self.last_ok if self.last_ok is not None else self.started_at
        return timedelta(seconds=self.monotonic() - since)

    def problem(self) -> str | None:
        """What /healthz should say about this loop, or None while it works."""
        quiet = self.quiet_for()
        if quiet <= timedelta(seconds=self.stale_after):
            return None
        why = self.error or "no round finished"
        return f"{self.name}: {why} (for {int(quiet.total_seconds())} s)"

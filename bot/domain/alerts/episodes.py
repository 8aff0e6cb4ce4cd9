"""Failures going on now: one episode per kind, told after a minute, at most once an hour.

A kind is what fails and how (`update.group` with `IntegrityError`, `loop.poller`); one
failure alone is no news – the person waiting was answered – but the same kind still failing
a minute later is. Time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

STEADY = timedelta(minutes=1)  # failing this long: the admins are told
QUIET = timedelta(hours=1)  # at most one message per kind of failure and admin in this time

# What can fail, as the admins' message names it (texts ops.failure.<what>.name / .effect).
UPDATE_AREAS = ("update.group", "update.private", "update.button", "update.member", "update.other")
LOOPS = ("loop.poller", "loop.dispatcher", "loop.sender")
TICKS = ("tick.notices", "tick.tickets", "tick.escalation", "tick.duty", "tick.retention")
WHATS = UPDATE_AREAS + LOOPS + TICKS


@dataclass(frozen=True)
class Failure:
    """One kind of failure: what fails (one of WHATS) and the error's class, if it matters."""

    what: str
    error: str = ""

    @property
    def key(self) -> str:
        """A short stable name: `update.group:IntegrityError`, `loop.poller`."""
        return f"{self.what}:{self.error[:40]}" if self.error else self.what


@dataclass
class Episode:
    """A kind of failure that has not worked since `since`."""

    failure: Failure
    since: datetime
    detail: str = ""  # the loop's own words for its last error (never message texts)
    told_at: datetime | None = None  # when the admins were last told (or found told)
    untold: bool = False  # telling them failed; said once in the log


@dataclass
class Episodes:
    """The failures of this process that are going on now, by kind."""

    steady: timedelta = STEADY
    quiet: timedelta = QUIET
    _open: dict[str, Episode] = field(default_factory=dict)

    def failed(
        self, failure: Failure, now: datetime, since: datetime | None = None, detail: str = ""
    ) -> Episode | None:
        """Record a failure; return its episode when the admins are to be told now."""
        episode = self._open.get(failure.key)
        if episode is None:
            episode = self._open[failure.key] = Episode(failure, since or now)
        elif since is not None:
            episode.since = since
        episode.detail = detail or episode.detail
        if now - episode.since < self.steady:
            return None
        if episode.told_at is not None and now - episode.told_at < self.quiet:
            return None
        return episode

    def told(self, episode: Episode, now: datetime) -> None:
        """The admins know of this episode (told now, or within the quiet time before)."""
        episode.told_at, episode.untold = now, False

    def worked(self, what: str) -> list[Episode]:
        """`what` worked: end its episodes; return those the admins had been told of."""
        ended = [e for e in self._open.values() if e.failure.what == what]
        for episode in ended:
            del self._open[episode.failure.key]
        return [e for e in ended if e.told_at is not None]

    def failing(self, what: str) -> bool:
        """Return whether some kind of failure of `what` is going on."""
        return any(e.failure.what == what for e in self._open.values())

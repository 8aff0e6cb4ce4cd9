"""Telegram's flood limits, kept on our side so the sender rarely meets a 429.

The Bot API FAQ: no more than about 30 messages a second overall and 20 a minute in one
group. These are sliding windows: in ANY second (any minute for a group) no more than that
many sends start. For one private chat the FAQ asks to "avoid" more than one a second; short
bursts are accepted, so that limit is off unless set (`private_per_second`). A little margin
covers the time a request takes to reach Telegram, so requests that leave evenly do not arrive
bunched.

`wait_for` says how long a chat must wait; `take` records a send. The sender asks first and,
when the wait is long, puts that chat's messages back instead of sleeping – so one busy group
never holds up the others. One process keeps one set of windows for the chats.

The windows alone let 30 sends start at once and then nothing for a second: bursts that arrive
bunched and meet 429s. A `Pacer` spreads the overall limit evenly instead – one send every
(1 + margin) / 30 s – so a broadcast leaves at a steady rate. With two processes on one
PostgreSQL database the pacer is shared (storage/send_pace.py): both draw their slots from
one row, so together they stay within the overall limit.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Limits:
    global_per_second: int = 30
    group_per_minute: int = 20
    private_per_second: int | None = None  # None: only the overall limit
    margin: float = 0.03  # seconds added to each window (the way to Telegram)

    @property
    def interval(self) -> float:
        """Seconds between two sends when they are spread evenly within the overall limit."""
        return (1.0 + self.margin) / self.global_per_second


class SendPace(Protocol):
    """Hands out the moments sends may start, evenly spaced within the overall limit."""

    interval: float  # seconds between two slots

    async def slot(self) -> float:
        """Reserve the next moment a send may start; return the seconds until it (0.0: now)."""
        ...


class Pacer:
    """Even spacing in one process: each send gets the next free slot, `interval` apart.

    The slots follow a schedule (each one `interval` after the one before), so a send that
    starts a little late does not push every later one back; after a pause the schedule starts
    again from now – a pause is never made up for with a burst."""

    def __init__(
        self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = (limits or Limits()).interval
        self._clock = clock
        self._next = -math.inf

    async def slot(self) -> float:
        """Reserve the next slot; return the seconds until it."""
        now = self._clock()
        start = max(self._next, now)
        self._next = start + self.interval
        return start - now


#: no limit of ours at all: benchmarks/intake.py measures the bot, not Telegram's pacing
UNLIMITED = Limits(global_per_second=10**9, group_per_minute=10**9, margin=0.0)


class SendLimits:
    """Sliding-window counters for the whole bot and for each chat."""

    def __init__(
        self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def wait_for(self, chat_id: int) -> float:
        """Seconds until a send to `chat_id` keeps within every limit (0.0: now)."""
        now = self._clock()
        lim = self.limits
        wait = _wait(self._global, lim.global_per_second, 1.0 + lim.margin, now)
        window, limit = self._chats.get(chat_id), self._chat_limit(chat_id)
        if window is not None and limit is not None:
            wait = max(wait, _wait(window, limit[0], limit[1] + lim.margin, now))
            if not window:
                del self._chats[chat_id]  # nothing recent: forget the chat
        return wait

    def take(self, chat_id: int) -> None:
        """Record a send that starts now (call right after a wait_for of 0)."""
        now = self._clock()
        self._global.append(now)
        if self._chat_limit(chat_id) is not None:
            self._chats.setdefault(chat_id, deque()).append(now)

    def refused(self, chat_id: int) -> None:
        """The send just taken was refused with a 429: it counts in no window."""
        _drop_last(self._global)
        window = self._chats.get(chat_id)
        if window is not None:
            _drop_last(window)

    def _chat_limit(self, chat_id: int) -> tuple[int, float] | None:
        """A chat's own limit: (sends, seconds), or None."""
        if chat_id < 0:  # groups, supergroups and channels
            return self.limits.group_per_minute, 60.0
        if self.limits.private_per_second is None:
            return None
        return self.limits.private_per_second, 1.0


def _wait(window: deque[float], limit: int, span: float, now: float) -> float:
    """Drop what left the window; the seconds until one more fits (0.0 if it does)."""
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < limit:
        return 0.0
    return window[-limit] + span - now


def _drop_last(window: deque[float]) -> None:
    if window:
        window.pop()

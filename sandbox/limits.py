"""Telegram's flood limits: about 20 messages a minute per group and 30 a second overall."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Sliding-window counters that say how long to wait, like a 429's retry_after."""

    def __init__(
        self,
        per_chat_per_minute: int = 20,
        global_per_second: int = 30,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat_per_minute = per_chat_per_minute
        self.global_per_second = global_per_second
        self.enabled = enabled
        self._clock = clock
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def configure(
        self,
        per_chat_per_minute: int | None = None,
        global_per_second: int | None = None,
        enabled: bool | None = None,
    ) -> None:
        """Change the limits; None keeps a value."""
        if per_chat_per_minute is not None:
            self.per_chat_per_minute = per_chat_per_minute
        if global_per_second is not None:
            self.global_per_second = global_per_second
        if enabled is not None:
            self.enabled = enabled

    @staticmethod
    def _wait(window: deque[float], limit: int, span: float, now: float) -> float:
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) < limit:
            return 0.0
        return window[0] + span - now

    def acquire(self, chat_id: int, is_group: bool) -> int:
        """Record one message; return 0 if allowed, else the seconds to retry after."""
        if not self.enabled:
            return 0
        now = self._clock()
        wait = self._wait(self._global, self.global_per_second, 1.0, now)
        chat_window = self._chats.setdefault(chat_id, deque())
        if is_group:
            wait = max(wait, self._wait(chat_window, self.per_chat_per_minute, 60.0, now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.append(now)
        if is_group:
            chat_window.append(now)
        return 0

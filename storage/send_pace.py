"""Telegram's overall limit shared by every process on one PostgreSQL database.

Each process keeps its own windows for the chats (bot/services/send_limits.py), but the 30
messages a second are the bot's, not a process's: with two processes sending, each pacing
itself to 30/s would make 60. So on PostgreSQL the slots come from one row, `send_pace`:
a process reserves the next `block` slots by moving `next_at` on in one atomic UPDATE (row
lock, no read-modify-write race), measured on the database server's clock, which all the
processes share. Slots a process does not use in time are lost, never made up: together the
processes send at most one message a slot.

Why PostgreSQL and not Redis: the database is already what the processes share and what
must be up for them to work at all (claims, SKIP LOCKED); a row updated atomically needs no
new service, dependency or failure mode, and one small UPDATE per `block` sends is nothing to
a server that takes several writes per message. On SQLite only one process sends (the inbox
lease), so the in-process `Pacer` is the whole truth there.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_CREATE = text(
    "INSERT INTO send_pace (name, next_at) VALUES (:name, clock_timestamp()) "
    "ON CONFLICT (name) DO NOTHING"
)
# seconds from now (the server's clock) until the first slot of the block just reserved
_RESERVE = text(
    "UPDATE send_pace SET next_at = greatest(next_at, clock_timestamp()) "
    "+ make_interval(secs => :span) WHERE name = :name "
    "RETURNING extract(epoch FROM next_at - clock_timestamp()) - :span"
)


class SharedPace:
    """Slots `interval` apart, reserved `block` at a time from the database's one row."""

    def __init__(
        self,
        engine: AsyncEngine,
        interval: float,
        *,
        block: int = 4,
        name: str = "global",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.block = block
        self.name = name
        self._monotonic = monotonic
        self._slots: deque[float] = deque()  # reserved, in this process's monotonic time
        self._lock = asyncio.Lock()
        self._created = False
        self.reservations = 0  # round trips made (for tests and the benchmark)

    async def slot(self) -> float:
        """Reserve the next slot; return the seconds until it."""
        async with self._lock:
            now = self._monotonic()
            while self._slots and self._slots[0] < now - self.interval / 2:
                self._slots.popleft()  # missed: lost, never used late in a bunch
            if not self._slots:
                await self._reserve()
            start = self._slots.popleft()
        return max(0.0, start - self._monotonic())

    async def _reserve(self) -> None:
        span = self.interval * self.block
        async with self.engine.begin() as conn:
            if not self._created:
                await conn.execute(_CREATE, {"name": self.name})
            delay = float(
                (await conn.execute(_RESERVE, {"name": self.name, "span": span})).scalar_one()
            )
        self._created = True
        self.reservations += 1
        first = self._monotonic() + max(0.0, delay)
        self._slots.extend(first + i * self.interval for i in range(self.block))

"""Test-only hooks the fault suite (tests/faults) drives from outside a running `loudao run`.

Both are refused by Settings unless LOUDAO_TEST_MODE=1, and `loudao check` warns while test mode
is on, so they cannot be switched on by accident in production:

- LOUDAO_TEST_CLOCK_FILE: the clock is the real time moved by what the file says – a number of
  seconds (`3600`, `-90.5`) to add, or an ISO time (`2026-12-01T09:00:00+00:00`) the clock read
  when the file was written and runs on from. A missing or empty file means no offset.
- LOUDAO_TEST_CRASH_AT: the process SIGKILLs itself at that named point (see `CrashPoint`):
  after Telegram answered a send but before it is marked sent (`after_send_before_mark_sent`);
  at the first commit made while handling an update, before it happens (`before_commit`); when
  an update's work is committed but the update not yet marked done (`after_commit`); after the
  first notice of a broadcast is marked sent (`mid_broadcast`).
- LOUDAO_TEST_SLOW_JOB: `name:seconds` – each run of that periodic job waits so long first (a
  slow retention run, say), to show that it delays no other job.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
_armed: str | None = None
_handling_update: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "handling_update", default=False
)


def arm(point: str | None) -> None:
    """Kill the process when `point` is reached (None disarms)."""
    global _armed
    _armed = point
    if point is not None:
        log.warning("TEST MODE: this process kills itself at %s", point)


def crash_point(point: str) -> None:
    """SIGKILL this process now if `point` is the armed kill point."""
    if _armed == point:
        log.warning("TEST MODE: killed at %s", point)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os.kill(os.getpid(), signal.SIGKILL)


Job = Callable[[], Awaitable[object]]


def slowed(job: Job, seconds: float) -> Job:
    """The periodic job `job`, made to wait `seconds` before each run (LOUDAO_TEST_SLOW_JOB)."""

    async def slow() -> object:
        await asyncio.sleep(seconds)
        return await job()

    return slow


@contextlib.contextmanager
def handling_update() -> Iterator[None]:
    """Mark the code run inside as handling an update (where the commit kill points apply)."""
    token = _handling_update.set(True)
    try:
        yield
    finally:
        _handling_update.reset(token)


class FileClock:
    """The real time moved by the offset or time written in a file (re-read when it changes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        real = datetime.now(UTC)
        self._refresh()
        return real + self._offset

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._offset = None, timedelta(0)
            return
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._seen:
            return
        self._seen = seen
        self._offset = parse_offset(
            self.path.read_text(encoding="utf-8"), datetime.fromtimestamp(stat.st_mtime, UTC)
        )


def parse_offset(content: str, written_at: datetime) -> timedelta:
    """A clock file's offset: seconds to add, or an ISO time the clock read at `written_at`."""
    text = content.strip()
    if not text:
        return timedelta(0)
    try:
        return timedelta(seconds=float(text))
    except ValueError:
        pass
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("LOUDAO_TEST_CLOCK_FILE: an ISO time needs a timezone (+00:00)")
    return when - written_at


class PerUpdateFactory(UnitOfWorkFactory, Protocol):
    """A unit-of-work factory that also opens one transaction for a whole update."""

    def per_update(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class CrashingUnitOfWorkFactory:
    """Units of work whose commits reach `before_commit` while an update is handled."""

    def __init__(self, inner: PerUpdateFactory) -> None:
        self.inner = inner

    def __call__(self) -> UnitOfWork:
        return _CrashingUnitOfWork(self.inner())

    def per_update(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """The inner factory's one transaction per update (its commit is the update's last)."""
        return self.inner.per_update()


class _CrashingUnitOfWork:
    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> _CrashingUnitOfWork:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        if _handling_update.get():
            crash_point("before_commit")
        await self._inner.commit()

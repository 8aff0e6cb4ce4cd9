"""The sender's bookkeeping written in batches: many rows' outcomes in one commit.

Every send needs two writes: `attempted_at` before the request goes out (so a crash leaves it
known to be in doubt) and the outcome after it (sent, put back, failed). Written one by one
that is two commits a message. Here each write has a deadline and one commit carries every
write that is waiting:

- `durable(op, by)`: the write must be committed by `by` (a send's `attempted_at`, by the moment
  its paced slot comes); the caller waits for the commit. The commit is made as late as the
  earliest deadline allows, so the marks of the next few paced sends go together.
- `later(op)`: an outcome. Until it is written its row still says `sending` with `attempted_at`
  set – exactly what a kill between the send and its mark leaves today – so delaying it only
  widens that window, it never loses a message or sends a non-safety one twice (README →
  Reliability). It goes with the next commit, at the latest `LATER_WITHIN` seconds after.

A commit that fails gives the waiting callers its error; the outcomes in it are kept and
written with the next commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Op = Callable[[UnitOfWork], Awaitable[None]]
T = TypeVar("T")
#: an outcome is written at the latest this long after it is known
LATER_WITHIN = 0.5
#: a commit is started this long before the earliest deadline it must meet (a commit on a
#: busy machine can take tens of milliseconds; a late one would delay its send)
LEAD = 0.1


@dataclass
class _Pending:
    ops: list[Op] = field(default_factory=list)
    done: list[Callable[[], None]] = field(default_factory=list)  # after the commit
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    deadline: float = math.inf


class OutboxBooks:
    """Collects the sender's writes and commits them together, each by its deadline."""

    def __init__(
        self, uow: UnitOfWorkFactory, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.uow = uow
        self._monotonic = monotonic
        self._later = _Pending()  # outcomes: kept when a commit fails
        self._durable = _Pending()  # marks someone waits for: dropped when a commit fails
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.commits = 0  # for the benchmark and the tests: commits made
        self.sent: dict[int, int | None] = {}  # sent, its mark not written yet: message id

    @property
    def waiting(self) -> int:
        """How many writes are not committed yet."""
        return len(self._later.ops) + len(self._durable.ops)

    def later(self, op: Op, done: Callable[[], None] | None = None) -> None:
        """Write `op` with the next commit (within LATER_WITHIN s); call `done` after it."""
        self._later.ops.append(op)
        if done is not None:
            self._later.done.append(done)
        self._later.deadline = min(self._later.deadline, self._monotonic() + LATER_WITHIN)
        self._arm()

    async def durable(self, op: Op | None = None, by: float | None = None) -> None:
        """Commit `op` (with whatever waits) by the monotonic time `by` (None: now); return
        once it is committed, or raise the commit's error."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if op is not None:
            self._durable.ops.append(op)
        self._durable.waiters.append(waiter)
        deadline = self._monotonic() if by is None else by
        self._durable.deadline = min(self._durable.deadline, deadline)
        self._arm()
        await waiter

    async def flush(self) -> None:
        """Commit everything that waits, now."""
        await self.durable()

    async def transaction(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run `work` in one transaction with everything that waits, and commit it."""
        async with self._lock:
            return await self._commit(work)

    async def close(self) -> None:
        """Commit what waits and stop the timer (a clean stop)."""
        if self.waiting:
            await self.flush()
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None

    def _arm(self) -> None:
        self._changed.set()
        if self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._run(), name="outbox books")

    async def _run(self) -> None:
        """Commit whenever the earliest deadline comes; sleep while nothing waits."""
        while self.waiting or self._durable.waiters:
            self._changed.clear()
            due = min(self._later.deadline, self._durable.deadline) - LEAD
            delay = due - self._monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), delay)
                continue  # a new, earlier deadline may have come
            async with self._lock:
                try:
                    await self._commit(None)
                except Exception:  # the waiters have the error; the outcomes wait a second
                    self._later.deadline = max(self._later.deadline, self._monotonic() + 1.0)

    async def _commit(self, work: Callable[[UnitOfWork], Awaitable[T]] | None) -> T:
        """With the lock held: one transaction for every waiting write (and `work`)."""
        later, durable = self._later, self._durable
        self._later, self._durable = _Pending(), _Pending()
        result: T
        try:
            async with self.uow() as tx:
                for op in later.ops + durable.ops:
                    await op(tx)
                result = await work(tx) if work is not None else None  # type: ignore[assignment]
                await tx.commit()
        except BaseException as exc:
            # the outcomes are written with the next commit; a waiting mark is not (its send
            # does not go out: the caller sees the error)
            later.ops += self._later.ops
            later.done += self._later.done
            later.deadline = min(later.deadline, self._later.deadline)
            self._later = later
            error = exc if isinstance(exc, Exception) else RuntimeError("commit interrupted")
            for waiter in durable.waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            if isinstance(exc, Exception) and durable.waiters:
                log.debug("outbox bookkeeping not committed: %s", type(exc).__name__)
            raise
        self.commits += 1
        for done in later.done:
            done()
        for waiter in durable.waiters:
            if not waiter.done():
                waiter.set_result(None)
        return result

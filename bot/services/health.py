"""Whether the service is doing its work, as /healthz and /metrics show it to an operator."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.domain.duty.records import StepFailures
from bot.services.loops import LoopState
from bot.services.ports import TicketUnitOfWorkFactory

log = logging.getLogger(__name__)
RECENT = timedelta(hours=24)  # given-up escalations count as news this long
OUTBOX_STALE = timedelta(minutes=2)  # a due message waiting this long: the sender is stuck


@dataclass(frozen=True)
class Health:
    """One look at the service: what is broken (problems) and what needs a person (warnings)."""

    database: bool
    tick_age: timedelta | None  # since the periodic tick last finished; None before the first
    escalation: StepFailures | None  # None when the database could not be asked
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    loops: tuple[LoopState, ...] = ()
    outbox_wait: timedelta | None = field(default=None)  # the oldest due message has waited
    failed_sends: int | None = None  # messages of the last 24 h that could not be delivered
    updates_given_up: int | None = None  # updates of the last 24 h no attempt could handle
    updates_retrying: int | None = None  # failed updates waiting to be tried again
    # per periodic job (each runs on its own schedule): since it last finished; None before
    jobs: Mapping[str, timedelta | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        if self.problems:
            return "failing"
        return "degraded" if self.warnings else "ok"


class HealthDesk:
    """Looks at the database, the tick and the escalation steps; never raises."""

    def __init__(
        self,
        uow: TicketUnitOfWorkFactory,
        clock: Clock,
        last_tick: Callable[[], datetime | None],
        tick_seconds: float,
        loops: Sequence[LoopState] = (),
        notes: Callable[[], Sequence[str]] = lambda: (),
        jobs: Callable[[], Mapping[str, datetime | None]] = dict,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.last_tick = last_tick
        self.loops = tuple(loops)
        self.notes = notes  # what the process says of itself (e.g. it waits for the inbox)
        self.jobs = jobs  # when each periodic job last finished
        self.started_at = clock.now()
        # a tick that has not finished for this long is stuck (or its loop died)
        self.stale_after = timedelta(seconds=max(60.0, 3 * tick_seconds))
        self._database_down = False

    async def check(self) -> Health:
        """Look now; a failure to look is itself a problem to report."""
        now = self.clock.now()
        problems: list[str] = []
        warnings: list[str] = []
        escalation: StepFailures | None = None
        outbox_wait: timedelta | None = None
        failed_sends: int | None = None
        given_up: int | None = None
        retrying: int | None = None
        try:
            async with self.uow() as tx:
                escalation = await tx.duty.step_failures(now - RECENT)
                oldest = await tx.outbox.oldest_due(now)
                failed_sends = await tx.outbox.failed_since(now - RECENT)
                given_up = await tx.inbox.given_up_since(now - RECENT)
                retrying = await tx.inbox.retrying()
            outbox_wait = None if oldest is None else now - oldest
        except Exception as exc:
            if not self._database_down:  # said once when it goes, once when it is back
                log.warning("health: the database does not answer (%s)", type(exc).__name__)
            self._database_down = True
            problems.append("database unreachable")
        else:
            if self._database_down:
                log.warning("health: the database answers again")
            self._database_down = False
        last = self.last_tick()
        tick_age = None if last is None else now - last
        if (now - self.started_at if tick_age is None else tick_age) > self.stale_after:
            problems.append("periodic tick stale")
        jobs = {name: None if at is None else now - at for name, at in self.jobs().items()}
        for name, age in jobs.items():
            if (now - self.started_at if age is None else age) > self.stale_after:
                problems.append(f"periodic job {name} stale")
        problems += [p for p in (loop.problem() for loop in self.loops) if p is not None]
        if outbox_wait is not None and outbox_wait > OUTBOX_STALE:
            problems.append(
                f"outbox: a due message has waited {int(outbox_wait.total_seconds())} s"
            )
        if failed_sends:
            warnings.append(f"{failed_sends} message(s) could not be delivered in 24 h")
        warnings += self.notes()
        if given_up:
            warnings.append(f"{given_up} update(s) could not be handled in 24 h (admins told)")
        if escalation is not None and escalation.given_up:
            warnings.append(f"{escalation.given_up} escalation step(s) given up in 24 h")
        return Health(
            database=escalation is not None,
            tick_age=tick_age,
            escalation=escalation,
            problems=tuple(problems),
            warnings=tuple(warnings),
            loops=self.loops,
            outbox_wait=outbox_wait,
            failed_sends=failed_sends,
            updates_given_up=given_up,
            updates_retrying=retrying,
            jobs=jobs,
        )

"""Run the service: the PTB Application, the transport, the outbox sender, the periodic jobs
and HTTP.

Each periodic job (notices, tickets, escalation, duty, retention) runs in its own task on its
own schedule, every `tick_seconds`: a slow run of one (the first retention run after a long
stop) delays only its own next run, never an escalation. A job's failure is alerted and logged
as before; /healthz knows when each job last finished (`jobs`), and says which one is stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import cast

from aiohttp import web

from bot import metrics
from bot.bootstrap import (
    NamedTick,
    Tick,
    UseCases,
    build_services,
    load_community_file,
    open_database,
)
from bot.config import Settings
from bot.domain.alerts.episodes import Failure
from bot.domain.clock import Clock, SystemClock
from bot.fault_hooks import CrashingUnitOfWorkFactory, FileClock, arm, slowed
from bot.services.health import HealthDesk
from bot.services.inbox import STANDBY
from bot.services.loops import Fatal, LoopState
from bot.services.outbox import OutboxSender
from bot.services.renders import Renderers
from bot.services.send_limits import UNLIMITED, SendLimits
from handlers import PtbApp, build_application, register_all
from handlers.gateway import TelegramGateway
from handlers.setup import announce_commands, initialize
from handlers.transport import Dispatcher, Poller, WebhookServer
from storage.send_pace import SharedPace
from storage.uow import SqlUnitOfWorkFactory
from web.desk.app import Desk, desk_routes
from web.ical import ical_routes
from web.open311 import open311_routes
from web.ops import OpsServer

log = logging.getLogger(__name__)
STUCK_AFTER = 5.0  # seconds a cancelled worker (or the final release) may take before we go on


def http_routes(use_cases: UseCases) -> list[Callable[[web.Application], None]]:
    """The endpoints served beside /healthz and /metrics: open data (Open311, the iCal feed)."""
    return [open311_routes(use_cases.open311), ical_routes(use_cases.ical)]


class LoudaoApp:
    """The running service: inbox transport, dispatcher, outbox sender and periodic ticks."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        if not settings.bot_token:
            raise ValueError("LoudaoApp needs a bot token")
        self.settings = settings
        self.clock = clock or clock_for(settings)
        self.stop_event = asyncio.Event()
        self.ticks: list[NamedTick] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.jobs_at: dict[str, datetime | None] = {}  # when each periodic job last finished
        self._webhook: WebhookServer | None = None
        self._ops: OpsServer | None = None
        self.last_tick_at: datetime | None = None
        self.http_port = 0
        self._closing = contextlib.AsyncExitStack()  # what start() opened, closed by stop()
        self.failure: BaseException | None = None
        self._failing_jobs: dict[str, str] = {}  # job → the kind of error it fails with
        self.stuck: list[str] = []  # workers that did not end when stopped (logged)

    async def start(self) -> None:
        """Open the database, load the registry, start PTB and the workers."""
        s = self.settings
        self.database = await self._closing.enter_async_context(open_database(s))
        self.uow = self.database.uow
        if s.test_mode:  # the fault suite's kill points (refused without LOUDAO_TEST_MODE)
            arm(s.test_crash_at)
            if s.test_crash_at == "before_commit":
                # a stand-in that delegates every repository to the real unit of work
                self.uow = cast(SqlUnitOfWorkFactory, CrashingUnitOfWorkFactory(self.uow))
        self.use_cases = use_cases = build_services(s, self.uow, self.clock)
        if s.community_file is not None:
            await load_community_file(use_cases, s.community_file)
        assert s.bot_token is not None
        self.application: PtbApp = build_application(
            s.bot_token, s.bot_api_base_url, s.bot_api_file_url
        )
        self.inbox = use_cases.inbox
        self.loops = {
            "poller": LoopState("poller", stale_after=s.poll_timeout + 60.0),
            "dispatcher": LoopState("dispatcher"),
            "sender": LoopState("outbox sender"),
        }
        gateway = TelegramGateway(self.application.bot)
        # the benchmarks' test-only switch takes the bot's own limits off (test mode only)
        limits = SendLimits(UNLIMITED) if s.test_no_send_limits else SendLimits()
        # on PostgreSQL several processes may send: the overall limit is shared between them
        engine, interval = self.database.engine, limits.limits.interval
        shared = not (self.database.is_sqlite or s.test_no_send_limits)
        pace = SharedPace(engine, interval) if shared else None
        self.sender = OutboxSender(
            self.uow,
            gateway,
            self.clock,
            state=self.loops["sender"],
            on_private_refused=use_cases.reach.refused,
            follow_upgrade=use_cases.migrations.seen_on_send,
            limits=limits,
            pace=pace,
            renderers=Renderers(s.files_dir),
        )
        self.services = use_cases.for_handlers(wake_sender=self.sender.wake)
        self.notices, self.tickets = use_cases.notices, use_cases.tickets
        self.ticks.extend(use_cases.ticks)
        if s.test_mode and s.test_slow_job:  # the fault hooks' slow job (refused otherwise)
            slow, seconds = s.test_slow_job.split(":")
            self.ticks = [
                (name, slowed(job, float(seconds)) if name == slow else job)
                for name, job in self.ticks
            ]
        self.alerts = use_cases.alerts
        self.watched = {name: self.loops[name] for name in ("dispatcher", "sender")}
        if s.mode == "polling":
            self.watched["poller"] = self.loops["poller"]
        self.jobs_at = {name: None for name, _ in self.ticks}
        self.health = HealthDesk(
            self.uow,
            self.clock,
            lambda: self.last_tick_at,
            s.tick_seconds,
            list(self.watched.values()),
            notes=lambda: [STANDBY] if self.inbox.standby else [],
            jobs=lambda: self.jobs_at,
        )
        register_all(self.application, self.services)
        await initialize(self.application)
        use_cases.reach.bot_username = self.application.bot.username
        await announce_commands(self.application)
        await self.application.start()
        self.dispatcher = Dispatcher(
            self.application,
            self.inbox,
            self.loops["dispatcher"],
            self.alerts,
            after_update=self.sender.wake,
        )
        self._spawn(self.sender.run_forever(self.stop_event), name="sender")
        self._spawn(self.dispatcher.run_forever(self.stop_event), name="dispatcher")
        if s.mode == "webhook":
            await self._start_webhook()
        else:
            self.poller = Poller(
                self.application,
                self.inbox,
                self.dispatcher,
                s.poll_timeout,
                self.loops["poller"],
            )
            self._spawn(self.poller.run_forever(self.stop_event), name="poller")
        desk = Desk(use_cases.desk_sign_in, use_cases.desk_pages, wake=self.sender.wake)
        self._ops = OpsServer(self.health, [*http_routes(use_cases), desk_routes(desk)])
        self.http_port = await self._ops.start(s.http_listen, s.http_port)
        if not s.public_url:  # port 0 chose a free port: the links name the real one
            use_cases.ical.base_url = f"http://{s.http_listen}:{self.http_port}"
            use_cases.desk_sign_in.base_url = use_cases.ical.base_url
        for name, job in self.ticks:
            self._spawn(self._every(name, job), name=f"job.{name}")
        self._spawn(self._every("watch", self._watch), name="job.watch")
        log.info("Loudao started as @%s (%s mode)", self.application.bot.username, s.mode)

    async def _start_webhook(self) -> None:
        s = self.settings
        assert s.webhook_url is not None and s.webhook_secret is not None
        path = (
            "/" + s.webhook_url.split("://", 1)[1].split("/", 1)[-1]
            if "/" in s.webhook_url.split("://", 1)[1]
            else "/telegram"
        )
        self._webhook = WebhookServer(self.inbox, self.dispatcher, s.webhook_secret, path)
        await self._webhook.start(s.webhook_listen, s.webhook_port)
        from handlers.transport import ALLOWED_UPDATES

        await self.application.bot.set_webhook(
            s.webhook_url, secret_token=s.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )

    def _spawn(self, coro: Coroutine[object, object, None], name: str | None = None) -> None:
        """Run a worker; if it ever ends with an error, the service stops (exit code 1)."""
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(self._worker_ended)
        self._tasks.append(task)

    def _worker_ended(self, task: asyncio.Future[None]) -> None:
        if task.cancelled() or self.stop_event.is_set():
            return
        error = task.exception()
        if error is None:
            return
        # a worker that died leaves a process that looks alive and does nothing: stop instead,
        # so the supervisor (Docker, systemd) restarts it and the operator sees why
        log.critical("a worker stopped: %s – Loudao stops", _why(error))
        self.failure = error
        self.stop_event.set()

    async def tick(self) -> None:
        """Run every periodic job once, one after another (tests and one-off runs; the running
        service runs each on its own schedule), then look at the loops and deliver."""
        for name, job in self.ticks:
            await self._run_job(name, job)
        await self._watch()

    async def _every(self, name: str, job: Tick) -> None:
        """Run one periodic job every `tick_seconds` in its own task until the stop: a slow run
        delays only this job's next run (runs never overlap, missed ones are not made up)."""
        period, rest = self.settings.tick_seconds, self.settings.tick_seconds  # first: 1 period
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), rest)
            if self.stop_event.is_set():
                return
            started = time.monotonic()
            if name == "watch":
                await job()
            else:
                await self._run_job(name, job)
            rest = max(0.0, period - (time.monotonic() - started))

    async def _run_job(self, name: str, job: Tick) -> None:
        """Run a periodic job once; what keeps failing is told to the admins, and logged once,
        not every run. Its messages go at once."""
        started = time.perf_counter()
        try:
            await job()
        except Exception as exc:
            self._job_failed(name, exc)
            await self._tell_alerts(self.alerts.failed(Failure(f"tick.{name}", _kind(exc))))
        else:
            if self._failing_jobs.pop(name, None) is not None:
                log.warning("periodic job %s works again", name, extra={"job": name})
            await self._tell_alerts(self.alerts.worked(f"tick.{name}"))
        took = time.perf_counter() - started
        metrics.TICK_SECONDS.observe(took)
        metrics.JOB_SECONDS.labels(name).observe(took)
        self.jobs_at[name] = self.clock.now()
        finished = list(self.jobs_at.values())
        # the tick is as old as its oldest job (None while one has never finished)
        self.last_tick_at = None if None in finished else min(filter(None, finished))
        self.sender.wake()

    async def _watch(self) -> None:
        """Look at the loops (a stuck one is told to the admins), and wake the workers."""
        await self._tell_alerts(self.alerts.watch(self.watched))
        self.sender.wake()
        self.dispatcher.wake()

    def _job_failed(self, name: str, exc: Exception) -> None:
        """Log a job's failure when it starts or changes kind (the traceback once)."""
        kind = _kind(exc)
        if self._failing_jobs.get(name) == kind:
            log.debug("periodic job %s still failing: %s", name, kind, extra={"job": name})
            return
        self._failing_jobs[name] = kind
        log.exception("periodic job %s failed", name, extra={"job": name})

    async def _tell_alerts(self, call: Awaitable[None]) -> None:
        """The alert desk needs the database: while it is away, /healthz is what tells."""
        try:
            await call
        except Exception as exc:  # logged once by the loops and jobs that met the same fault
            log.debug("alerts not recorded: %s", _kind(exc))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop cleanly: take no more updates, let the update being handled and the messages
        being sent finish (up to `grace` seconds), give back what this process had claimed, then
        close PTB and the database. After it, nothing waits out a lease."""
        self.stop_event.set()
        sender: OutboxSender | None = getattr(self, "sender", None)
        if sender is not None:
            sender.stopping()
        dispatcher: Dispatcher | None = getattr(self, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.wake()  # it sees the stop now, not at its next poll
        poller = getattr(self, "poller", None)
        for task in self._tasks:
            if poller is not None and task.get_name() == "poller":
                task.cancel()  # its long poll holds nothing: updates are confirmed once stored
            if task.get_name().startswith("job."):
                # a periodic job holds nothing either: a run cut short rolls back, and its
                # durable timers (columns) are found again by the next process
                task.cancel()
        await self._end_workers(grace)
        if sender is not None:
            try:
                released = await asyncio.wait_for(sender.release(), STUCK_AFTER)
            except Exception as exc:  # the database is away: the lease runs out instead
                log.warning("claimed messages not released: %s", _kind(exc))
            else:
                log.info("stopped cleanly; %d claimed messages released", released)
        if self._webhook is not None:
            await self._webhook.stop()
        if getattr(self, "inbox", None) is not None:
            with contextlib.suppress(Exception):  # or it lapses: another process takes over
                await self.inbox.stop_consuming()
        if self._ops is not None:
            await self._ops.stop()
        await self._close(STUCK_AFTER if self.stuck else 60.0)

    async def _close(self, within: float) -> None:
        """Close PTB and the database; with a worker stuck, do not wait on it for ever."""
        try:
            await asyncio.wait_for(self._close_all(), within)
        except TimeoutError:
            self.stuck.append("close")
            log.error("closing PTB and the database took over %.0f s; leaving them", within)

    async def _close_all(self) -> None:
        with contextlib.suppress(Exception):
            await self.application.stop()
            await self.application.shutdown()
        await self._closing.aclose()

    async def _end_workers(self, grace: float) -> None:
        """Let the workers finish for `grace` seconds, then cancel them; one that does not end
        even when cancelled must not keep the process alive: what it held is durable (rows,
        leases) and is found again by the next process."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(self._tasks, timeout=grace)
        for task in late:
            task.cancel()
        _, stuck = await asyncio.wait(self._tasks, timeout=STUCK_AFTER)
        self.stuck = sorted(task.get_name() for task in stuck)
        for name in self.stuck:
            log.error("worker %s did not stop when cancelled; leaving it", name)
        for task in self._tasks:
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: a worker's error was handled when it ended

    async def run_until_stopped(self) -> None:
        """Run until stopped; raise WorkerFailed when a worker died."""
        try:
            await self.start()
            await self.stop_event.wait()
        finally:
            await self.stop()  # also what a failed start had opened
        if self.failure is not None:
            raise WorkerFailed(_why(self.failure)) from self.failure


def clock_for(settings: Settings) -> Clock:
    """The real clock, or in test mode the one LOUDAO_TEST_CLOCK_FILE moves from outside."""
    if settings.test_mode and settings.test_clock_file is not None:
        log.warning("TEST MODE: the clock is moved by %s", settings.test_clock_file)
        return FileClock(settings.test_clock_file)
    return SystemClock()


class WorkerFailed(Exception):
    """A background worker ended with an error the service cannot recover from."""


def _kind(error: BaseException) -> str:
    return type(error).__name__


def _why(error: BaseException) -> str:
    return str(error) if isinstance(error, Fatal) else type(error).__name__

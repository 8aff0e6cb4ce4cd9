"""The operator's endpoints: /healthz for supervisors and load balancers, /metrics for
Prometheus. Both show the same look at the service (bot.services.health)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot import metrics
from bot.services.health import Health, HealthDesk


def health_json(health: Health) -> dict[str, object]:
    escalation = health.escalation
    return {
        "status": health.status,
        "problems": list(health.problems),
        "warnings": list(health.warnings),
        "database": health.database,
        "tick_age_seconds": None if health.tick_age is None else health.tick_age.total_seconds(),
        "jobs": {
            name: {"age_seconds": None if age is None else age.total_seconds()}
            for name, age in health.jobs.items()
        },
        "outbox_failed_24h": health.failed_sends,
        "updates_given_up_24h": health.updates_given_up,
        "updates_retrying": health.updates_retrying,
        "outbox_oldest_due_seconds": None
        if health.outbox_wait is None
        else health.outbox_wait.total_seconds(),
        "loops": {
            loop.name: {
                "ok": loop.failing_since is None,
                "error": loop.error,
                "quiet_seconds": loop.quiet_for().total_seconds(),
            }
            for loop in health.loops
        },
        "escalation": None
        if escalation is None
        else {"given_up_24h": escalation.given_up, "retrying": escalation.retrying},
    }


class _HealthCollector(Collector):
    def __init__(self, health: Health) -> None:
        self.health = health

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        h = self.health
        yield GaugeMetricFamily(
            "loudao_up", "1 when /healthz finds no problem", value=1.0 if h.ok else 0.0
        )
        yield GaugeMetricFamily(
            "loudao_database_up", "1 when the database answers", value=float(h.database)
        )
        if h.tick_age is not None:
            yield GaugeMetricFamily(
                "loudao_tick_age_seconds",
                "seconds since the periodic tick last finished",
                value=h.tick_age.total_seconds(),
            )
        loop_up = GaugeMetricFamily(
            "loudao_loop_up", "1 while a worker loop's rounds work", labels=["loop"]
        )
        failures = CounterMetricFamily(
            "loudao_loop_failures", "failed rounds of a worker loop since start", labels=["loop"]
        )
        quiet = GaugeMetricFamily(
            "loudao_loop_quiet_seconds", "seconds since a round last worked", labels=["loop"]
        )
        for loop in h.loops:
            loop_up.add_metric([loop.name], 0.0 if loop.failing_since else 1.0)
            failures.add_metric([loop.name], loop.failures)
            quiet.add_metric([loop.name], loop.quiet_for().total_seconds())
        yield from (loop_up, failures, quiet)
        if h.failed_sends is not None:
            yield GaugeMetricFamily(
                "loudao_outbox_failed_24h",
                "messages queued in the last 24 hours that could not be delivered",
                value=h.failed_sends,
            )
        if h.updates_given_up is not None:
            yield GaugeMetricFamily(
                "loudao_updates_given_up_24h",
                "updates of the last 24 hours that failed on every attempt (admins told)",
                value=h.updates_given_up,
            )
        if h.updates_retrying is not None:
            yield GaugeMetricFamily(
                "loudao_updates_retrying",
                "updates whose handler failed, waiting to be tried again",
                value=h.updates_retrying,
            )
        if h.outbox_wait is not None:
            yield GaugeMetricFamily(
                "loudao_outbox_oldest_due_seconds",
                "how long the longest-waiting due message has waited",
                value=h.outbox_wait.total_seconds(),
            )
        if h.escalation is not None:
            yield GaugeMetricFamily(
                "loudao_escalation_steps_given_up_24h",
                "escalation steps that failed on every try in the last 24 hours (admins told)",
                value=h.escalation.given_up,
            )
            yield GaugeMetricFamily(
                "loudao_escalation_steps_retrying",
                "escalation steps that failed and wait to be tried again",
                value=h.escalation.retrying,
            )


def render_metrics(health: Health) -> bytes:
    """The Prometheus text exposition of one look at the service."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_HealthCollector(health))
    return generate_latest(registry) + generate_latest(metrics.REGISTRY)


class OpsServer:
    """Serves /healthz (200 ok or degraded, 503 failing) and /metrics."""

    def __init__(
        self, health: HealthDesk, routes: Sequence[Callable[[web.Application], None]] = ()
    ) -> None:
        self.health = health
        self.routes = tuple(
            routes
        )  # other features' endpoints (Open311, iCal …), each adds its own
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        for add in self.routes:
            add(app)
        return app

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = await self.health.check()
        return web.json_response(health_json(health), status=200 if health.ok else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = render_metrics(await self.health.check())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); return the port."""
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

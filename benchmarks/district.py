"""District scale (issue 16): 100 communities × 160 groups, thousands of staff, 1 M tickets.

Builds the district (benchmarks/district_data.py: the community file in a temp dir, the
history loaded in bulk – COPY on PostgreSQL), then measures every "district" row of the issue's
table through the real services (bot.bootstrap.build_services on a real database, no mocks),
on an empty database (the same community file, no history) and on the district one:

  open a ticket p50/p99 · a staff reply to a card p50 · /my p50 · inbox record p50 ·
  escalation tick with nothing due p50/p99 · one due escalation step · duty tick (first, then
  p50/p99) · the first retention run (batches, longest batch, whole run) · the event loop's
  longest stall during the ticks (a 5 ms heartbeat's worst lateness) · RSS and start-up with
  the community file (a fresh process: open the database, build the services, load the file).

The machine is shared: a fixed pure-Python loop is timed alongside as the noise figure.

Run:  .venv/bin/python benchmarks/district.py                      # PostgreSQL, 1 M tickets
      .venv/bin/python benchmarks/district.py --small --sqlite     # 2 communities, 20,000
PostgreSQL: --url (default: the TEST_DATABASE_URL server, database loudao_district; it and
loudao_district_empty are dropped and created again).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks.district_data import (  # noqa: E402
    Plan,
    chat_id,
    fill_history,
    now_utc,
    resident_id,
    staff_id,
    write_community_file,
)
from bot.bootstrap import UseCases, build_services, load_community_file, open_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.clock import FakeClock  # noqa: E402
from bot.services.tickets.dto import Replied, TicketMessage  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models_tickets import TicketPrompt, TicketRow  # noqa: E402

BOT = "loudao_bot"
TEXTS = ("电梯坏了停在一楼", "楼道灯不亮了", "门口垃圾两天没人收", "单元门禁刷不开", "楼上漏水了")

# (row, goal) in the order printed; the figures are filled in by Figures
GOALS = {
    "open a ticket p50 / p99 (ms)": "same as empty DB",
    "staff reply to a card p50 (ms)": "same as empty DB",
    "/my p50 (ms)": "same as empty DB",
    "inbox record p50 (ms)": "same as empty DB",
    "escalation tick, nothing due p50 / p99 (ms)": "<= 50 ms",
    "one due escalation step (ms, median)": "<= 20 ms",
    "duty tick: first / then p50 / p99 (ms)": "<= 50 ms",
    "first retention run: batches / longest / whole (ms)": "bounded batches, each < 50 ms",
    "event-loop stall during the ticks, worst (ms)": "<= 20 ms",
    "start-up with the community file: s / RSS MB (first load)": "<= 5 s / <= 150 MB",
    "start-up again (file unchanged): s / RSS MB": "<= 5 s / <= 150 MB",
}


@dataclass
class Figures:
    rows: dict[str, str] = field(default_factory=dict)

    def put(self, row: str, value: str) -> None:
        assert row in GOALS, row
        self.rows[row] = value


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def noise() -> float:
    """A fixed pure-Python loop (ms, median of 3): how loaded the machine is right now."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i % 7
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


class Heartbeat:
    """A 5 ms ticker: its worst lateness is the event loop's longest stall."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - before - 0.005)

    def __enter__(self) -> Heartbeat:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


@dataclass
class Bench:
    """The services on one database, and where the new work goes."""

    uc: UseCases
    clock: FakeClock
    communities: int
    buildings: int
    samples: int
    next_update: int = 900_000_000
    opened: list[tuple[int, int]] = field(default_factory=list)  # (chat, message) of new ones

    def message(self, k: int) -> TicketMessage:
        c, b = k % self.communities, 1 + (k * 7) % self.buildings
        self.next_update += 1
        return TicketMessage(
            update_id=self.next_update,
            chat_id=chat_id(c, b),
            private=False,
            message_id=self.next_update,
            user_id=700_000_000 + k,
            user_name="业主",
            username=None,
            text=f"{b}号楼2单元 {TEXTS[k % len(TEXTS)]}",
            photo_file_id=None,
            mentions_bot=True,
            bot_username=BOT,
        )

    async def open_tickets(self, start: int) -> list[float]:
        times = []
        for k in range(start, start + self.samples):
            msg = self.message(k)
            times.append(await timed(lambda m=msg: self.uc.tickets.on_message(m)))  # type: ignore[misc]
            self.opened.append((msg.chat_id, msg.message_id))
        return times

    async def card_of(self, chat: int, message: int) -> tuple[int, int] | None:
        """The private card's outbox row and its staff member, for an opened ticket."""
        async with self.uc.uow() as tx:
            row = (
                await tx.session.execute(
                    select(TicketPrompt.outbox_id, TicketPrompt.telegram_id)
                    .join(TicketRow, TicketRow.id == TicketPrompt.ticket_id)
                    .where(
                        TicketRow.chat_id == chat,
                        TicketRow.message_id == message,
                        TicketPrompt.kind == "card",
                    )
                    .limit(1)
                )
            ).first()
            return None if row is None else (row[0], row[1])

    async def staff_replies(self) -> list[float]:
        times = []
        for n, (chat, message) in enumerate(self.opened[: self.samples]):
            card = await self.card_of(chat, message)
            if card is None:
                continue
            outbox_id, staff = card
            sent_id = 5_000_000 + n
            async with self.uc.uow() as tx:  # as the sender records a delivered card
                await tx.outbox.mark_sent(outbox_id, sent_id, self.clock.now())
                await tx.commit()
            self.next_update += 1
            reply = TicketMessage(
                update_id=self.next_update,
                chat_id=staff,
                private=True,
                message_id=self.next_update,
                user_id=staff,
                user_name="维修",
                username=None,
                text="已到现场，正在处理",
                photo_file_id=None,
                mentions_bot=False,
                bot_username=BOT,
                reply=Replied(sent_id, None, BOT, True, "", None),
            )
            times.append(await timed(lambda m=reply: self.uc.tickets.on_message(m)))  # type: ignore[misc]
        return times

    async def my(self) -> list[float]:
        q = self.uc.tickets.queries
        residents = [resident_id(i * 101) for i in range(self.samples)]
        return [await timed(lambda u=u: q.my(u, "zh_CN")) for u in residents]  # type: ignore[misc]

    async def inbox(self) -> list[float]:
        times = []
        for _ in range(self.samples):
            self.next_update += 1
            update = (self.next_update, {"update_id": self.next_update, "message": {"text": "x"}})
            times.append(await timed(lambda u=update: self.uc.inbox.record([u])))  # type: ignore[misc]
        return times


async def escalation_figures(bench: Bench, figures: Figures, beat: Heartbeat) -> None:
    uc, clock = bench.uc, bench.clock
    idle = [await timed(uc.escalation.tick) for _ in range(bench.samples)]
    figures.put(
        "escalation tick, nothing due p50 / p99 (ms)", f"{ms(p(idle, 0.5))} / {ms(p(idle, 0.99))}"
    )
    clock.advance(hours=6)  # the benchmark's own tickets' steps: fired, not measured
    while await uc.escalation.tick():
        pass
    steps = []
    for k in range(5):
        msg = bench.message(10_000 + k)
        await uc.tickets.on_message(msg)
        async with uc.uow() as tx:
            due = await tx.duty.next_due(limit=1)
        if not due:
            continue
        clock.set(max(clock.now(), due[0].due_at))
        started = time.perf_counter()
        fired = await uc.escalation.tick()
        if fired:
            steps.append((time.perf_counter() - started) / fired)
    figures.put(
        "one due escalation step (ms, median)",
        ms(statistics.median(steps)) if steps else "n/a",
    )


async def duty_figures(bench: Bench, figures: Figures) -> None:
    uc = bench.uc
    first = await timed(uc.duty.tick)
    then = [await timed(uc.duty.tick) for _ in range(bench.samples)]
    figures.put(
        "duty tick: first / then p50 / p99 (ms)",
        f"{ms(first)} / {ms(p(then, 0.5))} / {ms(p(then, 0.99))}",
    )


async def retention_figures(bench: Bench, figures: Figures) -> None:
    uc = bench.uc
    batches = []
    started = time.perf_counter()
    while True:
        batches.append(await timed(uc.retention.tick))
        if not uc.retention.running:
            break
    whole = time.perf_counter() - started
    figures.put(
        "first retention run: batches / longest / whole (ms)",
        f"{len(batches)} / {ms(max(batches))} / {ms(whole)}",
    )


async def measure(settings: Settings, plan: Plan, communities: int, samples: int) -> Figures:
    """Every figure but start-up, through the real services on `settings.database_url`."""
    figures = Figures()
    clock = FakeClock(plan.now)
    async with open_database(settings) as database:
        uc = build_services(settings, database.uow, clock)
        bench = Bench(uc, clock, communities, plan.buildings, samples)
        opened = await bench.open_tickets(0)
        figures.put(
            "open a ticket p50 / p99 (ms)", f"{ms(p(opened, 0.5))} / {ms(p(opened, 0.99))}"
        )
        figures.put("staff reply to a card p50 (ms)", ms(p(await bench.staff_replies(), 0.5)))
        figures.put("/my p50 (ms)", ms(p(await bench.my(), 0.5)))
        figures.put("inbox record p50 (ms)", ms(p(await bench.inbox(), 0.5)))
        with Heartbeat() as beat:
            await duty_figures(bench, figures)
            await retention_figures(bench, figures)
            await escalation_figures(bench, figures, beat)
        figures.put("event-loop stall during the ticks, worst (ms)", ms(beat.worst))
    return figures


async def migrate(url: str) -> None:
    """`loudao db upgrade`: PostgreSQL is migrated by the operator, never by a start-up."""
    async with open_database(Settings(database_url=url), policy=False) as database:
        await database.upgrade()


async def prepare(url: str, community_file: Path, plan: Plan | None) -> tuple[int, float]:
    """A database with the community file loaded, and the history when a plan is given."""
    settings = Settings(database_url=url)
    async with open_database(settings) as database:
        uc = build_services(settings, database.uow, FakeClock(now_utc()))
        await load_community_file(uc, community_file)
        if plan is None:
            return 0, 0.0
        return await fill_history(database.engine, plan)


def startup(url: str, community_file: Path) -> dict[str, float]:
    """Start-up in a fresh process: open the database, build the services, load the file."""
    out = subprocess.run(
        [sys.executable, __file__, "--startup", str(community_file), "--url", url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _startup_child(url: str, community_file: Path) -> None:
    started = time.perf_counter()
    settings = Settings(database_url=url)
    async with open_database(settings) as database:
        uc = build_services(settings, database.uow, FakeClock(now_utc()))
        await load_community_file(uc, community_file)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - started, "rss_mb": rss}))


async def fresh(url: str) -> None:
    """Drop and create a PostgreSQL database (SQLite: remove the file)."""
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return
    server, name = url.rsplit("/", 1)
    admin = make_engine(f"{server}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()


def urls(args: argparse.Namespace, tmp: Path) -> tuple[str, str]:
    """The district's database and the empty one."""
    if args.sqlite:
        return (f"sqlite+aiosqlite:///{tmp / 'district.sqlite3'}",
                f"sqlite+aiosqlite:///{tmp / 'empty.sqlite3'}")  # fmt: skip
    base = args.url or os.environ.get("TEST_DATABASE_URL")
    if not base:
        sys.exit("PostgreSQL: give --url or TEST_DATABASE_URL (or use --sqlite)")
    server = base.rsplit("/", 1)[0]
    name = "loudao_district_small" if args.small else "loudao_district"
    return f"{server}/{name}", f"{server}/{name}_empty"


async def run(args: argparse.Namespace) -> None:
    communities = 2 if args.small else 100
    tickets = args.tickets or (20_000 if args.small else 1_000_000)
    samples = 10 if args.small else 40
    plan = Plan(now=now_utc().replace(hour=3, minute=0, second=0), tickets=tickets,
                backlog=tickets // 100)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "district.yaml"
        groups = write_community_file(path, communities)
        staff = staff_id(communities - 1, 0) - staff_id(0, 0) + 34
        district_url, empty_url = urls(args, Path(tmp))
        print(f"district: {communities} communities, {groups:,} groups, ~{staff:,} staff, "
              f"{tickets:,} tickets; {'SQLite' if args.sqlite else 'PostgreSQL'}")  # fmt: skip
        print(f"noise (a fixed pure-Python loop, ms): {noise():.0f}  – the machine is shared")
        results = {}
        for label, url, history in (("empty", empty_url, None), ("district", district_url, plan)):
            if args.measure_only:  # the databases of an earlier run, as they are now
                figures = await measure(Settings(database_url=url), plan, communities, samples)
                results[label] = figures
                continue
            await fresh(url)
            await migrate(url)
            t0 = time.perf_counter()
            first = startup(url, path)
            print(f"{label}: first start-up done ({time.perf_counter() - t0:.0f} s)", flush=True)
            rows, took = await prepare(url, path, history)
            if history is not None:
                print(f"built the district: {rows:,} rows in {took:.0f} s")
            again = startup(url, path)
            t0 = time.perf_counter()
            figures = await measure(Settings(database_url=url), plan, communities, samples)
            print(f"{label}: measured ({time.perf_counter() - t0:.0f} s)", flush=True)
            figures.put(
                "start-up with the community file: s / RSS MB (first load)",
                f"{first['seconds']:.1f} / {first['rss_mb']:.0f}",
            )
            figures.put(
                "start-up again (file unchanged): s / RSS MB",
                f"{again['seconds']:.1f} / {again['rss_mb']:.0f}",
            )
            results[label] = figures
        print(f"noise after (ms): {noise():.0f}")
        print_table(results)


def print_table(results: dict[str, Figures]) -> None:
    print()
    print(f"| {'figure':<58} | {'empty DB':>22} | {'district':>22} | goal")
    print(f"|{'-' * 60}|{'-' * 24}|{'-' * 24}|-----")
    for row, goal in GOALS.items():
        empty, district = (results[k].rows.get(row, "–") for k in ("empty", "district"))
        print(f"| {row:<58} | {empty:>22} | {district:>22} | {goal}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2 communities, 20,000 tickets")
    parser.add_argument("--sqlite", action="store_true", help="SQLite files in a temp dir")
    parser.add_argument("--url", help="a PostgreSQL URL on the server to use")
    parser.add_argument("--tickets", type=int, default=0, help="history size (default by scale)")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure again on the databases an earlier run built (no build, no start-up; the "
        "retention backlog is gone by then)",
    )
    parser.add_argument("--startup", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.startup is not None:
        asyncio.run(_startup_child(args.url, args.startup))
        return 0
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

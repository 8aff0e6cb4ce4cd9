"""The committee's figures at district scale (issue 18): 100 communities, 1 M tickets in a year.

Builds (or reuses, when it is there with the right size; or goes on with, when a build was
interrupted) a district in PostgreSQL – the district's community file (district_data.py) and a
year of tickets with their milestones, promises, verdicts, followers and follow-up calls
(kpi_data.py) – then counts the figures through the real use case
(`bot.services.kpi.counting.count_figures` on `bot.bootstrap.open_database`, no mocks):

  one community's month · one community's year · the whole district's month (every community
  one after the other, and four at a time on their own connections) · `loudao report` of one
  community's month with every breakdown – medians of several runs, with the goal beside them
  (and the fastest and slowest run); peak memory of the district's month (tracemalloc, and the
  process's RSS); and the query plans of every read in storage/repos_kpi.py for one community's
  month (EXPLAIN ANALYZE), with whether any of them reads a whole table (a sequential scan over
  every ticket must never happen).

The machine is shared: a fixed pure-Python loop is timed before and after as the noise figure.

Run:  .venv/bin/python benchmarks/kpi.py                  # PostgreSQL: database loudao_kpi on
                                                           # the TEST_DATABASE_URL server
      .venv/bin/python benchmarks/kpi.py --url postgresql+asyncpg://postgres@127.0.0.1/x
      .venv/bin/python benchmarks/kpi.py --small           # SQLite, 3 communities: seconds
      .venv/bin/python benchmarks/kpi.py --rebuild         # drop the database and build again
An interrupted build goes on where it stopped when run again with the same --tickets and
--communities.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.exc import DBAPIError, OperationalError  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from benchmarks.district import fresh, migrate, noise  # noqa: E402
from benchmarks.district_data import code, write_community_file  # noqa: E402
from benchmarks.kpi_data import YearPlan, fill_notices, fill_year  # noqa: E402
from bot.bootstrap import build_services, load_community_file, open_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.clock import FakeClock  # noqa: E402
from bot.domain.kpi import Period, month  # noqa: E402
from bot.domain.records import CommunityInfo  # noqa: E402
from bot.services.kpi.counting import count_figures as count  # noqa: E402
from bot.services.kpi.counting import grids_of  # noqa: E402
from bot.services.kpi.report import DIMENSIONS, build_report  # noqa: E402
from bot.services.kpi.report_files import write_report  # noqa: E402
from bot.services.kpi.report_tables import workbook_tables  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.models import Community  # noqa: E402
from storage.models_tickets import TicketRow  # noqa: E402

#: the moment the figures are counted at: the year of tickets ends here
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"
MONTH = month(date(2026, 11, 1), TZ)
LAST_YEAR = Period(date(2025, 12, 1), date(2026, 11, 30), TZ)

# (row, goal) in the order printed
GOALS = {
    "one community's month (ms, median)": "<= 200 ms",
    "one community's year (ms, median)": "–",
    "the district's month, every community (s, median)": "<= 5 s",
    "the district's month, 4 communities at a time (s, median)": "<= 5 s",
    "district's month: tickets counted": "–",
    "loudao report, one community's month, every --by, XLSX (ms, median)": "–",
    "peak memory of the district's month: traced MB / RSS MB": "–",
    "reads of storage/repos_kpi.py over every ticket (seq scans)": "none",
}
_PLANS = "reads of storage/repos_kpi.py over every ticket (seq scans)"


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the engine sends meanwhile, with its parameters as the driver got them."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((sql, params))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


class Counting:
    """The figures of the district's communities, through the real use case."""

    def __init__(self, database: Database, communities: list[CommunityInfo]) -> None:
        self.database = database
        self.communities = communities

    async def one(self, community: CommunityInfo, period: Period) -> int:
        async with self.database.uow() as tx:
            kpi = await count(tx, community, period, NOW)
        return kpi.opened + kpi.merged

    async def report(self, community: CommunityInfo) -> None:
        """What `loudao report --by building,grid,category,level,staff -o x.xlsx` does."""
        async with self.database.uow() as tx:
            made = await build_report(tx, community, MONTH, NOW, DIMENSIONS)
        with tempfile.TemporaryDirectory() as tmp:
            write_report(workbook_tables(made), Path(tmp) / "report.xlsx")

    async def district(self, period: Period, at_once: int = 1) -> int:
        """Every community's figures: one after the other, or `at_once` at a time (each on its
        own connection: the database works on one while Python counts another)."""
        if at_once == 1:
            return sum([await self.one(c, period) for c in self.communities])
        gate = asyncio.Semaphore(at_once)

        async def one(community: CommunityInfo) -> int:
            async with gate:
                return await self.one(community, period)

        return sum(await asyncio.gather(*(one(c) for c in self.communities)))


async def communities_of(database: Database, how_many: int) -> list[CommunityInfo]:
    found = []
    async with database.uow() as tx:
        for c in range(how_many):
            community = await tx.registry.community_by_code(code(c))
            assert community is not None, code(c)
            found.append(community)
    return found


async def measure(url: str, communities: int, runs: int, only_plans: bool) -> dict[str, str]:
    """Every figure of the table on the built district (`only_plans`: the query plans)."""
    rows: dict[str, str] = {}
    async with open_database(Settings(database_url=url)) as database:
        counting = Counting(database, await communities_of(database, communities))
        first = counting.communities[0]
        if only_plans:
            rows[_PLANS] = await plans(database, first)
            return rows
        await counting.one(first, MONTH)  # warm: the statements are prepared once per process
        months = [await timed(lambda: counting.one(first, MONTH)) for _ in range(runs * 3)]
        rows["one community's month (ms, median)"] = spread(months, 1000)
        years = [await timed(lambda: counting.one(first, LAST_YEAR)) for _ in range(runs)]
        rows["one community's year (ms, median)"] = spread(years, 1000)
        district = [await timed(lambda: counting.district(MONTH)) for _ in range(runs)]
        rows["the district's month, every community (s, median)"] = spread(district, 1, 2)
        together = [await timed(lambda: counting.district(MONTH, 4)) for _ in range(runs)]
        rows["the district's month, 4 communities at a time (s, median)"] = spread(together, 1, 2)
        reports = [await timed(lambda: counting.report(first)) for _ in range(runs)]
        rows["loudao report, one community's month, every --by, XLSX (ms, median)"] = spread(
            reports, 1000
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        counted = await counting.district(MONTH)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows["district's month: tickets counted"] = f"{counted:,}"
        rows["peak memory of the district's month: traced MB / RSS MB"] = (
            f"{peak / 2**20:.0f} / {rss:.0f} (RSS before: {before:.0f})"
        )
        rows[_PLANS] = await plans(database, first)
    return rows


def spread(values: list[float], unit: float, digits: int = 0) -> str:
    """The median, and the fastest and slowest run beside it."""
    med, lo, hi = (round(v * unit, digits) for v in (statistics.median(values), min(values),
                                                      max(values)))  # fmt: skip
    return f"{med:g} ({lo:g}–{hi:g}, {len(values)} runs)"


async def plans(database: Database, community: CommunityInfo) -> str:
    """EXPLAIN every read of storage/repos_kpi.py for one community's month; print the plans
    and return whether any reads a whole large table."""
    grids = grids_of(community)
    start, end = MONTH.start, MONTH.end
    reads: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "reported": lambda kpi: kpi.reported(community.id, start, end, grids),
        "reported_brief": lambda kpi: kpi.reported_brief(community.id, start, end, grids),
        "open_now": lambda kpi: kpi.open_now(community.id, grids),
        "faq_tally": lambda kpi: kpi.faq_tally(community.id, start, end),
        "gaps": lambda kpi: kpi.gaps(community.id, start, end, 5),
        "notice_tally": lambda kpi: kpi.notice_tally(community.id, start, end),
    }
    whole: list[str] = []
    postgres = database.engine.dialect.name == "postgresql"
    print(f"\nQuery plans of storage/repos_kpi.py, community {community.code}, {MONTH.label()}:")
    for name, read in reads.items():
        async with database.uow() as tx:
            with statements(database.engine) as seen:
                await read(tx.kpi)
            for sql, params in seen:
                print(f"\n-- {name}: {' '.join(sql.split())[:300]}")
                explain = _explain_postgres if postgres else _explain_sqlite
                plan, scans = await explain(tx.session, sql, params)
                print(plan)
                whole += [f"{name}: {s}" for s in scans]
    print()
    if whole:
        print("WHOLE-TABLE READS: " + "; ".join(whole))
    return "; ".join(whole) if whole else "none"


async def _explain_postgres(session: Any, sql: str, params: Any) -> tuple[str, list[str]]:
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    args = tuple(params or ())
    text = await raw.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
    found = await raw.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    scans = [
        f"{node['Node Type']} on {node['Relation Name']} (~{node['Plan Rows']:,} rows)"
        for node in _nodes((json.loads(found) if isinstance(found, str) else found)[0]["Plan"])
        if node.get("Relation Name") in _LARGE and _whole(node)
    ]
    return "\n".join(r[0] for r in text), scans


# the tables that grow with the district's history: reading one whole is a scan over years
# (not `notices`: a few rows a community, which PostgreSQL rightly reads whole)
_LARGE = (
    "tickets", "ticket_followers", "ticket_followups", "faq_outcomes", "faq_gaps", "audit_log",
    "notice_occurrences", "notice_deliveries",
)  # fmt: skip


def _whole(node: dict[str, Any]) -> bool:
    """A plan node that reads a whole table: a sequential scan, or an index read end to end."""
    if node["Node Type"] == "Seq Scan":
        return True
    return node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


async def _explain_sqlite(session: Any, sql: str, params: Any) -> tuple[str, list[str]]:
    conn = await session.connection()
    rows = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params or ()))).all()
    lines = [str(r[-1]) for r in rows]
    scans = [
        line
        for line in lines
        if line.startswith("SCAN ")
        and line.split()[1] in _LARGE  # SCAN t USING INDEX: the whole table, in index order
    ]
    return "\n".join(lines), scans


async def ready(url: str, plan: YearPlan) -> str | None:
    """What is stored already: None (nothing usable), 'partial' or 'complete'."""
    try:
        async with open_database(Settings(database_url=url), policy=False) as database:
            if not await database.is_up_to_date():  # built by an earlier release: migrate it
                await database.upgrade()
            async with database.engine.connect() as conn:
                communities = await conn.scalar(select(func.count()).select_from(Community))
                tickets = await conn.scalar(select(func.max(TicketRow.id)))
    except (OperationalError, DBAPIError, OSError):  # no such database yet
        return None
    if communities != plan.communities:
        return None
    return "complete" if (tickets or 0) >= plan.tickets else "partial"


async def build(url: str, plan: YearPlan, rebuild: bool) -> None:
    """The district as the plan asks: reused, completed, or built from nothing."""
    state = None if rebuild else await ready(url, plan)
    print(f"database: {url.rsplit('@', 1)[-1]} – {state or 'to build'}", flush=True)
    if state == "complete":
        await notices(url, plan)
        return
    if state is None:
        await fresh(url)
        await migrate(url)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "district.yaml"
            write_community_file(path, plan.communities, plan.buildings)
            settings = Settings(database_url=url)
            started = time.perf_counter()
            async with open_database(settings) as database:
                uc = build_services(settings, database.uow, FakeClock(NOW))
                await load_community_file(uc, path)
            print(f"loaded the community file ({time.perf_counter() - started:.0f} s)")
    async with open_database(Settings(database_url=url)) as database:
        took = await fill_year(database.engine, plan, progress=not url.startswith("sqlite"))
    print(f"stored {plan.tickets:,} tickets in {took:.0f} s", flush=True)
    await notices(url, plan)


async def notices(url: str, plan: YearPlan) -> None:
    """The notices' year and the FAQ's gaps (a district built before they were goes on)."""
    async with open_database(Settings(database_url=url)) as database:
        started = time.perf_counter()
        if await fill_notices(database.engine, plan):
            print(f"stored the notices and the FAQ gaps in {time.perf_counter() - started:.0f} s")


def database_url(args: argparse.Namespace, tmp: Path) -> str:
    if args.small:
        return f"sqlite+aiosqlite:///{tmp / 'kpi.sqlite3'}"
    if args.url:
        return str(args.url)
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        sys.exit("PostgreSQL: give --url or TEST_DATABASE_URL (or use --small)")
    return base.rsplit("/", 1)[0] + "/loudao_kpi"


async def run(args: argparse.Namespace) -> None:
    communities = args.communities or (3 if args.small else 100)
    plan = YearPlan(
        now=NOW,
        tickets=args.tickets or (6_000 if args.small else 1_000_000),
        communities=communities,
        buildings=20 if args.small else 160,
    )
    runs = args.runs or (2 if args.small else 5)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url(args, Path(tmp))
        print(f"district: {communities} communities, {plan.tickets:,} tickets over the year to "
              f"{NOW:%Y-%m-%d}; {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}")  # fmt: skip
        await build(url, plan, args.rebuild)
        if args.build_only:
            return
        print(f"noise (a fixed pure-Python loop, ms): {noise():.0f}  – the machine is shared")
        rows = await measure(url, communities, runs, args.plans_only)
        print(f"noise after (ms): {noise():.0f}")
    print(f"\n| {'figure':<68} | {'measured':>40} | goal")
    print(f"|{'-' * 70}|{'-' * 42}|-----")
    for row, goal in GOALS.items():
        print(f"| {row:<68} | {rows.get(row, '–'):>40} | {goal}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="SQLite in a temp dir, 3 communities")
    parser.add_argument("--url", help="the PostgreSQL database to build or reuse")
    parser.add_argument("--tickets", type=int, default=0, help="default 1,000,000 (small: 6,000)")
    parser.add_argument("--communities", type=int, default=0, help="default 100 (small: 3)")
    parser.add_argument("--runs", type=int, default=0, help="runs per figure (default 5)")
    parser.add_argument("--rebuild", action="store_true", help="drop the database, build again")
    parser.add_argument("--plans-only", action="store_true", help="only the query plans")
    parser.add_argument(
        "--build-only", action="store_true", help="build (or go on), measure nothing"
    )
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

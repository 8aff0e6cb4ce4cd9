"""A consultation of a whole community (issue 20): 2,300 households, 2,000 ballots in the last
hour, then the close – timed, and counted again here to check the result.

Everything runs through the real services (bot.bootstrap.build_services on a real database, no
mocks, loopback only): the register is imported, every household's voter linked (in bulk), the
consultation opened with /consult's words (a ballot with buttons queued for each voter), then
2,000 households vote through `ConsultationDesk.vote` with bounded concurrency – 10% of them
change their mind once – and the tick after the deadline closes it. The close's time (claim,
count from the ballots, result stored, messages queued) is the figure; the goal is <= 1 s.

Run:  .venv/bin/python benchmarks/consult.py                 # SQLite, and PostgreSQL when
                                                             # TEST_DATABASE_URL is set
      .venv/bin/python benchmarks/consult.py --small --sqlite   # 230 households, 200 ballots
PostgreSQL: --url (default: the TEST_DATABASE_URL server, database loudao_consult; dropped and
created again).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from benchmarks.district import fresh, migrate, noise  # noqa: E402
from bot.bootstrap import build_services, load_community_file, open_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.clock import FakeClock  # noqa: E402
from bot.domain.households.register import HouseholdSpec  # noqa: E402
from bot.services.households.consult import ConsultAsk  # noqa: E402
from storage.models_households import HouseholdMemberRow  # noqa: E402

DEMO = ROOT / "bot" / "demo" / "community.yaml"
BUILDINGS = ("1", "2", "3", "5", "6", "8", "65", "171")  # the demo community's
ADMIN = 9001
FIRST_VOTER = 500_000
CONCURRENCY = 8
GOAL_S = 1.0
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def register(households: int) -> list[HouseholdSpec]:
    """Households spread over the buildings: 2 units, 4 rooms a floor, areas 60-139 m²."""
    homes = []
    for i in range(households):
        building = BUILDINGS[i % len(BUILDINGS)]
        n = i // len(BUILDINGS)
        unit, rest = str(n % 2 + 1), n // 2
        room = f"{rest // 4 + 1}{rest % 4 + 1:02d}"
        homes.append(
            HouseholdSpec(building=building, unit=unit, room=room, area=Decimal(60 + i % 80))
        )
    return homes


def choice(index: int) -> int:
    """What household `index` finally answers: 同意 mostly, some 反对 and 弃权."""
    return 0 if index % 5 < 3 else (1 if index % 5 == 3 else 2)


async def run_one(url: str, households: int, ballots: int) -> tuple[float, bool]:
    settings = Settings(database_url=url)
    clock = FakeClock(START)
    async with open_database(settings) as database:
        uc = build_services(settings, database.uow, clock)
        await load_community_file(uc, DEMO)
        t0 = time.perf_counter()
        await uc.households.import_register("A", tuple(register(households)), "benchmark")
        async with database.uow() as tx:
            community = await tx.registry.community_by_code("A")
            assert community is not None
            homes = await tx.households.of_community(community.id)
            await tx.session.execute(
                insert(HouseholdMemberRow),
                [
                    {"household_id": h.id, "community_id": community.id,
                     "telegram_id": FIRST_VOTER + k, "voter": True, "linked_at": START}
                    for k, h in enumerate(homes)
                ],
            )  # fmt: skip
            await tx.commit()
        print(f"  register of {len(homes):,} households, voters linked: "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        t0 = time.perf_counter()
        opened = await uc.consultations.open(
            ConsultAsk(ADMIN, True, "一般事项 | 是否同意续聘物业？ | 截止 2天", "zh_CN", 1)
        )
        print(f"  opened (a ballot queued for each voter): {time.perf_counter() - t0:.1f} s")
        assert "已发出" in opened, opened
        clock.set(START + timedelta(days=2) - timedelta(hours=1))  # the last hour
        voters = list(range(ballots))
        changers = voters[::10]  # one in ten first answers otherwise, then changes
        limit = asyncio.Semaphore(CONCURRENCY)
        took: list[float] = []

        async def vote(k: int, option: int, update_id: int) -> None:
            async with limit:
                started = time.perf_counter()
                await uc.consultations.vote(FIRST_VOTER + k, 1, option, update_id)
                took.append(time.perf_counter() - started)

        t0 = time.perf_counter()
        await asyncio.gather(*(vote(k, (choice(k) + 1) % 3, 10 + k) for k in changers))
        await asyncio.gather(*(vote(k, choice(k), 100_000 + k) for k in voters))
        spent = time.perf_counter() - t0
        print(f"  {len(took):,} votes ({len(changers)} changed) with {CONCURRENCY} at a time: "
              f"{spent:.1f} s, p50 {statistics.median(took) * 1000:.1f} ms, "
              f"max {max(took) * 1000:.0f} ms")  # fmt: skip
        clock.set(START + timedelta(days=2, seconds=1))
        t0 = time.perf_counter()
        await uc.consultations.tick()
        close = time.perf_counter() - t0
        async with database.uow() as tx:
            stored = await tx.consultations.get(1)
        assert stored is not None and stored.result is not None
        expected = [sum(1 for k in voters if choice(k) == o) for o in range(3)]
        counted = [o["households"] for o in stored.result["options"]]  # type: ignore[index]
        right = (
            counted == expected
            and stored.result["voted"]["households"] == ballots  # type: ignore[index]
            and stored.result["electorate"]["households"] == households  # type: ignore[index]
        )
        print(f"  counted {counted} (expected {expected}): {'right' if right else 'WRONG'}")
        print(f"  close: {close * 1000:.0f} ms (goal <= {GOAL_S * 1000:.0f} ms)")
        return close, right


async def run(args: argparse.Namespace) -> int:
    households, ballots = (230, 200) if args.small else (2_300, 2_000)
    print(f"consultation: {households:,} households, {ballots:,} ballots in the last hour")
    print(f"noise (a fixed pure-Python loop, ms): {noise():.0f}  – the machine is shared")
    backends = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.postgres:
            backends.append(("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'consult.sqlite3'}"))
        base = args.url or os.environ.get("TEST_DATABASE_URL")
        if not args.sqlite and base:
            name = "loudao_consult_small" if args.small else "loudao_consult"
            backends.append(("PostgreSQL", f"{base.rsplit('/', 1)[0]}/{name}"))
        elif args.postgres:
            sys.exit("PostgreSQL: give --url or TEST_DATABASE_URL")
        ok = True
        for label, url in backends:
            print(label)
            await fresh(url)
            await migrate(url)
            close, right = await run_one(url, households, ballots)
            ok = ok and right
            print(f"| close of {households:,} households, {label} | {close * 1000:.0f} ms | "
                  f"{'counts right' if right else 'COUNTS WRONG'} | goal <= 1 s")  # fmt: skip
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="230 households, 200 ballots")
    parser.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only")
    parser.add_argument("--url", help="a PostgreSQL URL on the server to use")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

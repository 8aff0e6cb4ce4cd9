"""One notice to 1,000 groups through the real app and the sandbox with Telegram's limits.

Prints, per run and as medians of the runs, the time taken against the ideal (groups / 30
messages per second; issue 16's goal: within 5 %), the 429s the sandbox answered (goal 0), the
most sends that reached the sandbox in any one second (limit 30), the database commits per
message sent, duplicates and losses, and a noise figure: a fixed pure-Python loop timed in the
same run (the machine is shared: a slower loop means a loaded machine).

Run: .venv/bin/python benchmarks/broadcast.py [--groups 1000] [--runs 3] [--batch 50]
         [--concurrency 8] [--database-url postgresql+asyncpg://…/empty_db]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from bot.app import LoudaoApp  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.notices.records import NoticeRecord, dump_schedule  # noqa: E402
from bot.domain.notices.schedule import Once  # noqa: E402
from bot.registry_file import read_registry  # noqa: E402
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, seed_from_registry  # noqa: E402
from bot.services.send_limits import Limits, Pacer  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402

ADMIN = 9001
GLOBAL_PER_SECOND = 30
GOAL_VS_IDEAL = 0.05  # issue 16: a 1,000-group broadcast ends within 5 % of 33.3 s


def noise_loop() -> float:
    """Seconds a fixed pure-Python loop takes now (the machine's load, measured alongside)."""
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i % 7
    return time.perf_counter() - started


def community_yaml(groups: int) -> str:
    """A community of `groups` buildings, one group chat each."""
    lines = [
        "communities:",
        "  - code: B",
        "    name: 大社区",
        "    timezone: Asia/Shanghai",
        "    buildings:",
    ]
    lines += [f'      - {{number: "{i}"}}' for i in range(1, groups + 1)]
    lines.append("    chats:")
    lines += [
        f'      - {{chat_id: {-1002000000 - i}, title: {i}号楼群, covers: {{building: "{i}"}}}}'
        for i in range(1, groups + 1)
    ]
    lines += [
        "    staff:",
        "      - {key: wang, name: 王主任, telegram_id: 9001, roles: [admin]}",
    ]
    return "\n".join(lines) + "\n"


def record_arrivals(server: SandboxServer, seen: dict[int, float]) -> list[float]:
    """Note when each message reaches the sandbox (to count sends in any sliding second), and
    when each chat's first one arrived (`seen`)."""
    arrivals: list[float] = []
    acquire = server.limiter.acquire

    def noting(chat_id: int, is_group: bool) -> int:
        arrivals.append(time.monotonic())
        seen.setdefault(chat_id, arrivals[-1])
        return acquire(chat_id, is_group)

    server.limiter.acquire = noting  # type: ignore[method-assign]
    return arrivals


def record_departures(app: LoudaoApp) -> dict[int, float]:
    """Note when the sender lets each chat's first message leave (its place in the windows)."""
    left: dict[int, float] = {}
    take = app.sender.limits.take

    def noting(chat_id: int) -> None:
        left.setdefault(chat_id, time.monotonic())
        take(chat_id)

    app.sender.limits.take = noting  # type: ignore[method-assign]
    return left


def transit_ms(left: dict[int, float], seen: dict[int, float]) -> tuple[float, float, float]:
    """From leaving the sender to reaching the sandbox, per chat: p50, p99 and max (ms)."""
    times = sorted((seen[c] - at) * 1000 for c, at in left.items() if c in seen)
    if not times:
        return 0.0, 0.0, 0.0
    return times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]


def most_in_one_second(arrivals: list[float]) -> int:
    """The most attempts that reached Telegram within any one second."""
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def count_commits(app: LoudaoApp) -> list[int]:
    """Count the commits on the app's engine from now on (one list cell, updated in place)."""
    commits = [0]

    def on_commit(_conn: object) -> None:
        commits[0] += 1

    event.listen(app.database.engine.sync_engine, "commit", on_commit)
    return commits


async def run(
    groups: int, batch: int, concurrency: int, database_url: str | None, margin: float | None
) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="loudao-broadcast-"))
    community_file = workdir / "community.yaml"
    community_file.write_text(community_yaml(groups), encoding="utf-8")
    registry = read_registry(community_file)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, rate_limits=True)
    server.configure_limits(per_chat_per_minute=20, global_per_second=GLOBAL_PER_SECOND)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    settings = Settings(
        bot_token=SANDBOX_TOKEN,
        bot_api_base_url=f"{base_url}/bot",
        bot_api_file_url=f"{base_url}/file/bot",
        database_url=database_url or f"sqlite+aiosqlite:///{workdir / 'loudao.sqlite3'}",
        community_file=community_file,
        poll_timeout=1,
        tick_seconds=300,
        log_level="WARNING",
    )
    if database_url is not None:  # PostgreSQL is migrated by `loudao db upgrade`, not on start
        from bot.bootstrap import open_database

        async with open_database(settings, policy=False) as database:
            await database.upgrade()
    app = LoudaoApp(settings)
    await app.start()
    app.sender.batch = batch
    if margin is not None:  # what the margin buys (fewer 429s) and costs (a slower pace)
        app.sender.limits.limits = Limits(margin=margin)
        app.sender.pace = Pacer(app.sender.limits.limits)
    app.sender._slots = asyncio.Semaphore(concurrency)  # tuning knob of the benchmark only
    seen: dict[int, float] = {}
    arrivals = record_arrivals(server, seen)
    left = record_departures(app)
    try:
        async with app.uow() as tx:
            community = await tx.registry.community_by_code("B")
            assert community is not None
            now_local = app.clock.now().astimezone(app.settings.tz).replace(tzinfo=None)
            notice = await app.notices.create(
                tx,
                NoticeRecord(
                    community_id=community.id,
                    key="benchmark",
                    template="typhoon",
                    variables={"contact": "物业服务中心"},
                    target={"community": True},
                    schedule=dump_schedule(Once(at=now_local)),
                    urgent=True,
                    author_telegram_id=ADMIN,
                ),
                community,
            )
            await tx.commit()
        before_429 = server.stats["429"]
        commits = count_commits(app)
        started = time.perf_counter()
        await app.notices.run_due()  # 1 transaction: 1,000 delivery rows + outbox rows
        queued = time.perf_counter()
        app.sender.wake()
        # Watch the outbox read-only (a settling transaction every few ms would compete with
        # the sender for SQLite's write lock); the app's tick settles every 5 s in production.
        busy = text(
            "SELECT count(*) FROM outbox WHERE purpose = 'notice' AND status IN ('pending', 'sending')"
        )
        while True:
            async with app.database.engine.connect() as conn:
                waiting = await conn.scalar(busy)
            if waiting == 0:
                break
            await asyncio.sleep(0.1)
        finished = time.perf_counter()
        committed = commits[0]
        await app.notices.settle()
        async with app.uow() as tx:
            sent = await tx.notices.count_deliveries(notice.id, "sent")
            failed = await tx.notices.count_deliveries(notice.id, "failed")
        per_chat = Counter(
            chat.chat_id
            for chat in registry.communities[0].chats
            for m in server.messages(chat.chat_id)
            if "台风" in (m.get("text") or "")
        )
        duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
        lost = groups - len(per_chat)
        ideal = groups / GLOBAL_PER_SECOND
        p50, p99, worst = transit_ms(left, seen)
        return {
            "transit_p50": p50,
            "transit_p99": p99,
            "transit_max": worst,
            "queue": queued - started,
            "taken": finished - started,
            "vs_ideal": (finished - started) / ideal - 1,
            "throughput": sent / (finished - queued),
            "sent": sent,
            "failed": failed,
            "429": server.stats["429"] - before_429,
            "most_in_1s": most_in_one_second(arrivals),
            "commits_per_send": committed / max(sent, 1),
            "duplicates": duplicates,
            "lost": lost,
        }
    finally:
        await app.stop()
        await server.stop()


def report(groups: int, runs: list[dict[str, float]], noise: list[float]) -> None:
    """Print each run's figures and their medians, each beside its goal."""
    ideal = groups / GLOBAL_PER_SECOND

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    for index, (r, loop) in enumerate(zip(runs, noise, strict=True), 1):
        print(
            f"run {index}: {r['taken']:.2f} s ({r['vs_ideal']:+.1%} vs ideal), "
            f"429s {r['429']:.0f}, most in 1 s {r['most_in_1s']:.0f}, "
            f"commits/send {r['commits_per_send']:.2f}, noise loop {loop * 1000:.0f} ms"
        )
    print(f"medians of {len(runs)} runs (shared 2-core machine, other helpers' work running):")
    print(f"  groups                 {groups}")
    print(f"  queue (tick, 1 tx)     {med('queue'):.2f} s")
    print(
        f"  time to last delivery  {med('taken'):.2f} s   (ideal {ideal:.2f} s at 30/s; "
        f"goal ≤ {ideal * (1 + GOAL_VS_IDEAL):.2f} s)"
    )
    print(f"  vs ideal               {med('vs_ideal'):+.1%}   (goal within {GOAL_VS_IDEAL:.0%})")
    print(f"  throughput             {med('throughput'):.1f} messages/s   (limit 30)")
    print(f"  deliveries             sent {med('sent'):.0f}, failed {med('failed'):.0f}")
    print(
        f"  429s from the sandbox  {med('429'):.0f}   (goal 0; max {max(r['429'] for r in runs):.0f})"
    )
    print(
        f"  most in any 1 s        {med('most_in_1s'):.0f} attempts   "
        f"(limit 30; max {max(r['most_in_1s'] for r in runs):.0f})"
    )
    print(f"  commits per send       {med('commits_per_send'):.2f}   (was 2.17: one per mark)")
    print(
        f"  sender → sandbox       p50 {med('transit_p50'):.1f} ms, p99 {med('transit_p99'):.1f}"
        f" ms, max {med('transit_max'):.1f} ms (what the margin must cover)"
    )
    print(f"  duplicates             {max(r['duplicates'] for r in runs):.0f} (goal 0)")
    print(f"  lost                   {max(r['lost'] for r in runs):.0f} (goal 0)")
    print(
        f"  noise loop             {statistics.median(noise) * 1000:.0f} ms (median; lower is a quieter machine)"
    )


async def run_all(args: argparse.Namespace) -> int:
    runs: list[dict[str, float]] = []
    noise: list[float] = []
    for _ in range(args.runs):
        noise.append(noise_loop())
        runs.append(
            await run(args.groups, args.batch, args.concurrency, args.database_url, args.margin)
        )
        if args.database_url is not None:
            await reset_postgres(args.database_url)
    report(args.groups, runs, noise)
    ok = all(r["duplicates"] == 0 and r["lost"] == 0 for r in runs)
    return 0 if ok else 1


async def reset_postgres(url: str) -> None:
    """Empty the PostgreSQL database between runs (every run starts from nothing)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--margin", type=float, default=None, help="Limits.margin, seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.services.outbox").setLevel(logging.ERROR)
    return asyncio.run(run_all(args))


if __name__ == "__main__":
    raise SystemExit(main())

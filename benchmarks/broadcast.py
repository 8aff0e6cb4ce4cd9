"""One notice to 1,000 groups through the real app and the sandbox with Telegram's limits.

Prints the time taken against the ideal (groups / 30 messages per second), the 429s the
sandbox answered, duplicates and losses, and where the time went.

Run: .venv/bin/python benchmarks/broadcast.py [--groups 1000] [--batch 50] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.app import LoudaoApp  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.notices.records import NoticeRecord, dump_schedule  # noqa: E402
from bot.domain.notices.schedule import Once  # noqa: E402
from bot.registry_file import read_registry  # noqa: E402
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, seed_from_registry  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402

ADMIN = 9001
GLOBAL_PER_SECOND = 30


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


def record_arrivals(server: SandboxServer) -> list[float]:
    """Note when each message reaches the sandbox (to count sends in any sliding second)."""
    arrivals: list[float] = []
    acquire = server.limiter.acquire

    def noting(chat_id: int, is_group: bool) -> int:
        arrivals.append(time.monotonic())
        return acquire(chat_id, is_group)

    server.limiter.acquire = noting  # type: ignore[method-assign]
    return arrivals


def most_in_one_second(arrivals: list[float]) -> int:
    """The most attempts that reached Telegram within any one second."""
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def run(groups: int, batch: int, concurrency: int) -> int:
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
        database_url=f"sqlite+aiosqlite:///{workdir / 'loudao.sqlite3'}",
        community_file=community_file,
        poll_timeout=1,
        tick_seconds=300,
        log_level="WARNING",
    )
    app = LoudaoApp(settings)
    await app.start()
    app.sender.batch = batch
    app.sender._slots = asyncio.Semaphore(concurrency)  # tuning knob of the benchmark only
    arrivals = record_arrivals(server)
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
        taken = finished - started
        print(f"groups                 {groups}")
        print(f"sender                 batch={batch} concurrency={concurrency}")
        print(f"queue (tick, 1 tx)     {queued - started:.2f} s")
        print(f"time to last delivery  {taken:.2f} s   (ideal {ideal:.2f} s at 30/s)")
        print(f"vs ideal               {taken / ideal - 1:+.1%}")
        print(f"throughput             {sent / (finished - queued):.1f} messages/s")
        print(f"deliveries             sent {sent}, failed {failed}")
        print(f"429s from the sandbox  {server.stats['429'] - before_429}")
        print(f"most in any 1 s        {most_in_one_second(arrivals)} attempts (limit 30)")
        print(f"duplicates             {duplicates}")
        print(f"lost                   {lost}")
        return 0 if duplicates == 0 and lost == 0 else 1
    finally:
        await app.stop()
        await server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.services.outbox").setLevel(logging.ERROR)
    return asyncio.run(run(args.groups, args.batch, args.concurrency))


if __name__ == "__main__":
    raise SystemExit(main())

"""Recovery from a database outage and from a second poller (409), under steady traffic.

The real app against the sandbox (limits off); residents report every 0.5 s throughout.
- database: PostgreSQL behind a TCP proxy that is cut for --seconds (default 30);
- 409: another process long-polls getUpdates with the bot's token for --seconds.
Printed per scenario (median of --runs): seconds from the end of the fault until every report
sent during it was acknowledged, seconds until /healthz is 200 again, how long /healthz took to
say 503, reports vs tickets vs acknowledgements (nothing lost, nothing doubled), and the longest
event-loop stall (a 10 ms ticker's worst lateness) during the fault and in all.

Run: TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python benchmarks/outage.py [--seconds 30] [--runs 1] [--scenario both]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.app import LoudaoApp  # noqa: E402
from bot.bootstrap import open_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.registry_file import read_registry  # noqa: E402
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.tcp_proxy import TcpProxy  # noqa: E402
from storage.models_tickets import TicketRow  # noqa: E402
from tests.databases import fresh_postgres  # noqa: E402

DEMO = ROOT / "bot" / "demo" / "community.yaml"
BUILDINGS = ["1", "2", "3", "5", "6", "8"]
TEXTS = ["楼道灯不亮了", "电梯坏了停在一楼", "门口垃圾两天没人收", "单元门禁刷不开"]


@dataclass
class Figures:
    to_503: float | None = None
    acked_after: float | None = None
    healthy_after: float | None = None
    stall_fault: float = 0.0
    stall_all: float = 0.0
    reports: int = 0
    tickets: int = 0
    acks: int = 0


@dataclass
class Ticker:
    """A 10 ms ticker: its worst lateness is the event loop's longest stall."""

    worst: float = 0.0
    worst_window: float = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - before - 0.01
            self.worst, self.worst_window = max(self.worst, late), max(self.worst_window, late)


@asynccontextmanager
async def running(
    database_url: str,
) -> AsyncIterator[tuple[LoudaoApp, SandboxServer, SandboxClient]]:
    registry = read_registry(DEMO)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    server.configure_limits(enabled=False)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    settings = Settings(
        bot_token=SANDBOX_TOKEN,
        bot_api_base_url=f"{base_url}/bot",
        bot_api_file_url=f"{base_url}/file/bot",
        database_url=database_url,
        community_file=DEMO,
        poll_timeout=10,
        http_port=0,
    )
    app = LoudaoApp(settings)
    await app.start()
    client = SandboxClient(base_url)
    try:
        yield app, server, client
    finally:
        await client.close()
        await app.stop()
        await server.stop()


async def healthz(app: LoudaoApp) -> int:
    url = f"http://127.0.0.1:{app.http_port}/healthz"
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status
    except aiohttp.ClientError:
        return 0


async def scenario(
    database_url: str,
    seconds: float,
    fault: Callable[[LoudaoApp, SandboxServer], Awaitable[Callable[[], Awaitable[None]]]],
) -> Figures:
    """Traffic throughout; the fault starts after 5 s and ends after `seconds`."""
    figures = Figures()
    async with running(database_url) as (app, server, client):
        residents = residents_of(read_registry(DEMO))
        stop, ticker = asyncio.Event(), Ticker()
        ticking = asyncio.ensure_future(ticker.run(stop))
        sent: list[tuple[int, int, float]] = []  # (chat, message id, sent at)

        async def report(i: int) -> None:
            building = BUILDINGS[i % len(BUILDINGS)]
            user = residents[building][i % 3][0]
            chat = -int(f"1001{int(building):03d}")
            text = f"@loudao_bot {building}号楼{TEXTS[i % len(TEXTS)]}（第{i}次）"
            said = await client.say(user, chat, text)
            sent.append((chat, said["message_id"], time.perf_counter()))

        for _ in range(10):  # 5 s of ordinary traffic
            await report(len(sent))
            await asyncio.sleep(0.5)
        ticker.worst_window = 0.0
        began = time.perf_counter()
        end_fault = await fault(app, server)
        during_start = len(sent)
        while time.perf_counter() - began < seconds:
            await report(len(sent))
            if figures.to_503 is None and await healthz(app) == 503:
                figures.to_503 = time.perf_counter() - began
            await asyncio.sleep(0.5)
        during = sent[during_start:]
        figures.stall_fault = ticker.worst_window
        await end_fault()
        ended = time.perf_counter()
        while time.perf_counter() - ended < 120:
            acked = await acknowledged(server, during)
            if figures.acked_after is None and acked == len(during):
                figures.acked_after = time.perf_counter() - ended
            if figures.healthy_after is None and await healthz(app) == 200:
                figures.healthy_after = time.perf_counter() - ended
            if figures.acked_after is not None and figures.healthy_after is not None:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # anything doubled would show up now
        stop.set()
        await ticking
        figures.stall_all = ticker.worst
        figures.reports = len(sent)
        figures.acks = await acknowledged(server, sent, count_all=True)
        async with app.uow() as tx:
            figures.tickets = int(
                await tx.session.scalar(select(func.count()).select_from(TicketRow)) or 0
            )
    return figures


async def acknowledged(
    server: SandboxServer, sent: list[tuple[int, int, float]], count_all: bool = False
) -> int:
    """How many of these reports have a status card replying to them (all cards if count_all)."""
    cards = 0
    by_chat: dict[int, list[int]] = {}
    for chat, message_id, _ in sent:
        by_chat.setdefault(chat, []).append(message_id)
    for chat, ids in by_chat.items():
        replies = [
            m.get("reply_to_message_id")
            for m in server.messages(chat)
            if m.get("from", {}).get("is_bot") and "状态：" in (m.get("text") or "")
        ]
        if count_all:
            cards += sum(1 for r in replies if r in ids)
        else:
            cards += sum(1 for i in ids if i in replies)
    return cards


def database_fault(proxy: TcpProxy) -> Callable[..., Awaitable[Callable[[], Awaitable[None]]]]:
    async def start(app: LoudaoApp, server: SandboxServer) -> Callable[[], Awaitable[None]]:
        proxy.cut()

        async def end() -> None:
            proxy.restore()

        return end

    return start


async def second_poller(app: LoudaoApp, server: SandboxServer) -> Callable[[], Awaitable[None]]:
    """Another process with the bot's token long-polls (and confirms nothing)."""
    base = f"{app.settings.bot_api_base_url}{app.settings.bot_token}/getUpdates"
    stop = asyncio.Event()

    async def compete() -> None:
        async with aiohttp.ClientSession() as http:
            while not stop.is_set():
                async with http.post(base, json={"timeout": 2}) as response:
                    await response.read()

    task = asyncio.ensure_future(compete())

    async def end() -> None:
        stop.set()
        await task

    return end


async def one_run(name: str, seconds: float) -> Figures:
    async with fresh_postgres() as url:
        async with open_database(Settings(database_url=url), policy=False) as db:
            await db.upgrade()
        if name == "409":
            return await scenario(url, seconds, second_poller)
        parts = urlsplit(url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        port = await proxy.start()
        try:
            via = url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{port}", 1)
            return await scenario(via, seconds, database_fault(proxy))
        finally:
            proxy.restore()
            await proxy.stop()


def median(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if len(known) < len(values):
        return "never"
    return f"{statistics.median(known):.2f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scenario", choices=["database", "409", "both"], default="both")
    args = parser.parse_args()
    if not os.environ.get("TEST_DATABASE_URL"):
        sys.exit("needs TEST_DATABASE_URL (a PostgreSQL server to make throwaway databases on)")
    logging.basicConfig(level=logging.CRITICAL)
    names = ["database", "409"] if args.scenario == "both" else [args.scenario]
    for name in names:
        runs = [await one_run(name, args.seconds) for _ in range(args.runs)]
        print(f"{name} fault for {args.seconds:.0f} s, {args.runs} run(s), medians:")
        print(f"  /healthz 503 after           {median([r.to_503 for r in runs])} s")
        print(f"  all reports acknowledged     {median([r.acked_after for r in runs])} s after")
        print(f"  /healthz 200 again           {median([r.healthy_after for r in runs])} s after")
        print(f"  longest loop stall (fault)   {median([r.stall_fault * 1000 for r in runs])} ms")
        print(f"  longest loop stall (all)     {median([r.stall_all * 1000 for r in runs])} ms")
        for r in runs:
            print(f"  run: reports {r.reports}, tickets {r.tickets}, acknowledgements {r.acks}")


if __name__ == "__main__":
    asyncio.run(main())

"""Two sender processes on one PostgreSQL database keep, together, within the overall limit."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

import pytest

from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.records import OutboundMessage
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN
from bot.services.outbox import OutboxSender
from bot.services.send_limits import Limits, Pacer, SendLimits, SendPace
from handlers import build_application
from handlers.gateway import TelegramGateway
from sandbox.server import SandboxServer
from storage.database import Database
from storage.send_pace import SharedPace
from tests.databases import fresh_postgres

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL"),
]
GROUPS = 120
# a wide margin: the test is about the two processes sharing the limit, not about how late a
# loaded machine delivers a request (benchmarks/broadcast.py measures that)
LIMITS = Limits(margin=0.2)


def most_in_one_second(arrivals: list[float]) -> int:
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def two_senders_deliver(shared: bool) -> tuple[int, int, Counter[int], int]:
    """Queue one message to each of GROUPS groups; two senders, each on its own engine (as two
    processes are), deliver them. Return the most attempts that reached the sandbox in any one
    second, its 429s, and how many messages each group got – all from the sandbox's record –
    and how many round trips the shared pace made."""
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, rate_limits=True)
    server.configure_limits(per_chat_per_minute=20, global_per_second=30)
    base_url = await server.start("127.0.0.1", 0)
    groups = [-1003000000 - i for i in range(GROUPS)]
    for chat_id in groups:
        server.add_chat(id=chat_id, title=f"{chat_id}", bot_admin=True)
    arrivals: list[float] = []
    acquire = server.limiter.acquire

    def noting(chat_id: int, is_group: bool) -> int:
        arrivals.append(time.monotonic())
        return acquire(chat_id, is_group)

    server.limiter.acquire = noting  # type: ignore[method-assign]
    async with fresh_postgres() as url:
        databases = [Database(Settings(database_url=url).database_url) for _ in range(2)]
        await databases[0].upgrade()
        apps = [build_application(SANDBOX_TOKEN, f"{base_url}/bot", None) for _ in range(2)]
        try:
            clock = SystemClock()
            async with databases[0].uow() as tx:
                for chat_id in groups:
                    message = OutboundMessage(
                        chat_id, "send_message", {"text": "停水通知"}, "notice"
                    )
                    await tx.outbox.enqueue(message, clock.now())
                await tx.commit()
            senders = []
            for database, app in zip(databases, apps, strict=True):
                await app.initialize()
                pace: SendPace = (
                    SharedPace(database.engine, LIMITS.interval) if shared else Pacer(LIMITS)
                )
                senders.append(
                    OutboxSender(
                        database.uow,
                        TelegramGateway(app.bot),
                        clock,
                        batch=20,
                        limits=SendLimits(LIMITS),
                        pace=pace,
                    )
                )
            await asyncio.gather(*(sender.run_until_idle() for sender in senders))
            trips = sum(getattr(sender.pace, "reservations", 0) for sender in senders)
        finally:
            for app in apps:
                await app.shutdown()
            for database in databases:
                await database.close()
    received = Counter(chat_id for chat_id in groups for _ in server.messages(chat_id))
    await server.stop()
    return most_in_one_second(arrivals), server.stats["429"], received, trips


async def test_two_senders_on_one_database_together_stay_within_30_a_second() -> None:
    most, refused, received, trips = await two_senders_deliver(shared=True)
    assert set(received.values()) == {1} and len(received) == GROUPS  # each group: once
    assert trips < GROUPS / 2  # slots are reserved several at a time, not one round trip each
    assert most <= 30, most  # in no second did more than 30 requests reach Telegram
    assert refused == 0


async def test_without_the_shared_pace_two_senders_would_go_over_the_limit() -> None:
    most, _, _, _ = await two_senders_deliver(shared=False)
    assert most > 30  # each kept its own 30 a second: together they were over

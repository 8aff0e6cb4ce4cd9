"""The admins hear of a background loop or periodic job that keeps failing once, in private,
and again when it works; the outbox remembers, so a restarted process does not repeat it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.alerts.episodes import Failure
from bot.domain.clock import FakeClock
from bot.domain.records import CommunityInfo
from bot.services.alerts.desk import AlertDesk
from bot.services.loops import LoopState
from storage.models import OutboxMessage
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.test_storage_duty import WANG, community  # noqa: F401


class Monotonic:
    """The loop's own clock, moved with the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.start = clock, clock.now()

    def __call__(self) -> float:
        return (self.clock.now() - self.start).total_seconds()


async def messages(uow: SqlUnitOfWorkFactory) -> list[tuple[int, str, str]]:
    """(chat, purpose, text) of every alert queued, in order."""
    async with uow() as tx:
        rows = await tx.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.purpose.in_(["ops.alert", "ops.recovered"]))
            .order_by(OutboxMessage.id)
        )
        return [(r.chat_id, r.purpose, str(r.payload["text"])) for r in rows]


async def test_a_loop_failing_for_a_minute_is_told_once_an_hour_and_its_recovery_once(
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,  # noqa: F811
    clock: FakeClock,
) -> None:
    poller = LoopState("poller", monotonic=Monotonic(clock))
    loops = {"poller": poller}
    desk = AlertDesk(uow, clock)
    poller.failed("409 Conflict: another process is polling with this bot token")
    await desk.watch(loops)
    clock.advance(seconds=59)
    await desk.watch(loops)
    assert await messages(uow) == []

    clock.advance(seconds=2)
    await desk.watch(loops)
    [(chat, purpose, text)] = await messages(uow)
    assert (chat, purpose) == (WANG, "ops.alert")
    assert "从 Telegram 接收新消息一直出错" in text and "12月1日 10:00" in text
    assert "409 Conflict" in text

    clock.advance(minutes=30)
    await desk.watch(loops)
    restarted = AlertDesk(uow, clock)  # a new process: the loop has failed a minute there too
    poller.failing_since = Monotonic(clock)() - 61
    await restarted.watch(loops)
    assert len(await messages(uow)) == 1  # within the hour, whichever process

    clock.advance(minutes=31)  # an hour after the first message, still failing: a reminder
    await restarted.watch(loops)
    assert [p for _, p, _ in await messages(uow)] == ["ops.alert", "ops.alert"]

    poller.ok()
    await restarted.watch(loops)
    await restarted.watch(loops)
    *_, (chat, purpose, text) = await messages(uow)
    assert (chat, purpose) == (WANG, "ops.recovered") and "现在已经正常了" in text
    assert len(await messages(uow)) == 3


async def test_a_short_failure_and_a_periodic_job_that_recovers_in_time_tell_nobody(
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,  # noqa: F811
    clock: FakeClock,
) -> None:
    desk = AlertDesk(uow, clock)
    job = Failure("tick.escalation", "OperationalError")
    await desk.failed(job)
    clock.advance(seconds=30)
    await desk.failed(job)
    await desk.worked("tick.escalation")
    clock.advance(seconds=40)
    await desk.failed(job)  # a new episode: 70 s after the first failure, but only just begun
    assert await messages(uow) == []
    clock.advance(timedelta(seconds=60))
    await desk.failed(job)
    [(_, _, text)] = await messages(uow)
    assert "工单提醒和升级一直出错" in text and "OperationalError" in text

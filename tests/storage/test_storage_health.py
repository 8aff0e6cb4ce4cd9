"""The health check reports a database that does not answer and a tick that stopped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.domain.clock import FakeClock
from bot.services.health import HealthDesk
from storage.database import Database
from storage.uow import SqlUnitOfWorkFactory


async def test_a_database_that_does_not_answer_is_a_problem(
    tmp_path: Path, clock: FakeClock
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'loudao.sqlite3'}")
    desk = HealthDesk(database.uow, clock, lambda: None, 5)  # never migrated: no tables
    try:
        health = await desk.check()
    finally:
        await database.close()
    assert not health.ok and health.status == "failing"
    assert health.problems == ("database unreachable",) and health.escalation is None


async def test_a_tick_that_stopped_is_a_problem_after_three_periods(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    last = [clock.now()]
    desk = HealthDesk(uow, clock, lambda: last[0], tick_seconds=30)
    assert (await desk.check()).status == "ok"
    clock.advance(seconds=89)
    assert (await desk.check()).ok
    clock.advance(seconds=2)
    health = await desk.check()
    assert health.problems == ("periodic tick stale",)
    assert health.tick_age == timedelta(seconds=91)


async def test_before_the_first_tick_the_start_counts(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    desk = HealthDesk(uow, clock, lambda: None, tick_seconds=5)
    assert (await desk.check()).ok
    clock.advance(minutes=2)
    assert (await desk.check()).problems == ("periodic tick stale",)

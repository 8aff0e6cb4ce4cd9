"""An escalation step that keeps failing is tried a bounded number of times, then given up,
counted, and told to the admins once – never retried silently for ever.

The failure is real: the database itself refuses the page's rows (a trigger), as PostgreSQL
refused the too-long prompt kind before migration 0008."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FakeClock
from bot.domain.escalation.plan import RETRY_DELAYS
from bot.domain.records import CommunityInfo
from bot.services.escalation.desk import EscalationDesk
from storage.models import AuditEvent, OutboxMessage
from storage.models_duty import EscalationRow
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.test_storage_duty import WANG, community, open_ticket  # noqa: F401

OPENED = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # Tuesday 02:00 in Shanghai
# level 1, nobody accepts: the 4-minute reminder, then backup and supervisor paged at 5
PAGES_AT = OPENED + timedelta(minutes=5)


async def refuse_pages(engine: AsyncEngine, refuse: bool) -> None:
    """Make the database refuse (or accept again) every row of a page's buttons prompt."""
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql(
                "CREATE TRIGGER refuse_prompts BEFORE INSERT ON ticket_prompts "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                if refuse
                else "DROP TRIGGER refuse_prompts"
            )
            return
        if refuse:
            await conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
            await conn.exec_driver_sql(
                "CREATE TRIGGER refuse_prompts BEFORE INSERT ON ticket_prompts "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        else:
            await conn.exec_driver_sql("DROP TRIGGER refuse_prompts ON ticket_prompts")
            await conn.exec_driver_sql("DROP FUNCTION refuse()")


async def paged_ticket(uow: SqlUnitOfWorkFactory, where: CommunityInfo, clock: FakeClock) -> int:
    ticket = await open_ticket(uow, where, OPENED, "u:1")  # assigned: its steps planned
    clock.set(PAGES_AT)
    return ticket.id


async def outbox(uow: SqlUnitOfWorkFactory, purpose: str) -> list[tuple[int, str]]:
    """(chat, text) of every queued message with this purpose."""
    async with uow() as tx:
        rows = await tx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == purpose)
        )
        return [(row.chat_id, str(row.payload["text"])) for row in rows]


async def test_a_step_that_keeps_failing_is_given_up_and_the_admin_is_told_once(
    engine: AsyncEngine,
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,  # noqa: F811
    clock: FakeClock,
) -> None:
    await paged_ticket(uow, community, clock)
    desk = EscalationDesk(uow, clock)
    await refuse_pages(engine, True)

    assert await desk.tick() == 0  # the reminder and both pages fail
    async with uow() as tx:
        failures = await tx.duty.step_failures(OPENED)
    assert (failures.given_up, failures.retrying) == (0, 3)
    assert await desk.tick() == 0  # not tried again at once: they wait for their retry time
    async with uow() as tx:
        rows = await tx.session.scalars(select(EscalationRow).where(EscalationRow.attempts > 0))
        tried = [(r.attempts, r.last_error) for r in rows]
    assert [attempts for attempts, _ in tried] == [1, 1, 1]
    assert {error for _, error in tried} <= {"IntegrityError", "DBAPIError"}  # class names only

    for delay in RETRY_DELAYS:  # tried again after each delay, failing every time
        clock.advance(seconds=delay.total_seconds())
        await desk.tick()
        await desk.tick()
    async with uow() as tx:
        failures = await tx.duty.step_failures(OPENED)
    assert (failures.given_up, failures.retrying) == (3, 0)
    [(chat, text)] = await outbox(uow, "duty.failed")  # once for the ticket, to its admin
    assert chat == WANG
    assert "#A-0001" in text and "试了 4 次" in text
    assert "401" not in text and "陈大爷" not in text  # no room, no resident's name
    assert await outbox(uow, "duty.page") == [] and await outbox(uow, "duty.remind") == []

    clock.advance(minutes=1)
    await refuse_pages(engine, False)
    await desk.tick()  # given up means over: nothing is tried or told again
    assert len(await outbox(uow, "duty.failed")) == 1
    assert await outbox(uow, "duty.page") == []
    async with uow() as tx:
        audit = await tx.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.escalation_failed")
        )
        assert len(list(audit)) == 3  # every given-up step is on the record


async def test_a_step_that_fails_once_goes_out_on_its_retry_without_telling_anyone(
    engine: AsyncEngine,
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,  # noqa: F811
    clock: FakeClock,
) -> None:
    await paged_ticket(uow, community, clock)
    desk = EscalationDesk(uow, clock)
    await refuse_pages(engine, True)
    assert await desk.tick() == 0
    await refuse_pages(engine, False)
    clock.advance(seconds=RETRY_DELAYS[0].total_seconds())
    assert await desk.tick() == 3
    assert len(await outbox(uow, "duty.page")) == 2
    assert len(await outbox(uow, "duty.remind")) == 1
    assert await outbox(uow, "duty.failed") == []
    async with uow() as tx:
        failures = await tx.duty.step_failures(OPENED)
    assert (failures.given_up, failures.retrying) == (0, 0)


@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_retry_delays_grow_then_stop(attempts: int) -> None:
    from bot.domain.escalation.plan import retry_delay

    assert retry_delay(attempts) == RETRY_DELAYS[attempts - 1]
    assert retry_delay(len(RETRY_DELAYS) + 1) is None

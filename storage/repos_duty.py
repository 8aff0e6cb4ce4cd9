"""Duty repository: escalation steps (claimed exactly once), chat overrides, follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.duty.records import (
    GIVEN_UP,
    PAGE,
    FollowUpTask,
    NewStep,
    OpenTicketView,
    OverrideRecord,
    StepFailures,
    StepRecord,
)
from bot.domain.tickets import Status
from storage.models import OutboxMessage
from storage.models_duty import (
    PENDING_STEP,
    DailyRunRow,
    EscalationRow,
    FollowUpRow,
    RosterOverrideRow,
    WorkdayOverrideRow,
)
from storage.models_tickets import OPEN_TICKET, TicketRow
from storage.registry_cache import RegistryCache
from storage.repos_messaging import _insert


def _step(row: EscalationRow) -> StepRecord:
    return StepRecord(
        id=row.id,
        ticket_id=row.ticket_id,
        community_id=row.community_id,
        step_no=row.step_no,
        kind=row.kind,
        target_key=row.target_key,
        target_id=row.target_id,
        target_name=row.target_name,
        reason=row.reason,
        due_at=row.due_at,
        fired_at=row.fired_at,
        cancelled_at=row.cancelled_at,
        outcome=row.outcome,
        attempts=row.attempts,
    )


def _override(row: RosterOverrideRow) -> OverrideRecord:
    return OverrideRecord(
        id=row.id,
        community_id=row.community_id,
        kind=row.kind,
        staff_key=row.staff_key,
        by_key=row.by_key,
        start_at=row.start_at,
        end_at=row.end_at,
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _followup(row: FollowUpRow) -> FollowUpTask:
    return FollowUpTask(
        ticket_id=row.ticket_id,
        community_id=row.community_id,
        assignee_id=row.assignee_id,
        due_at=row.due_at,
        task_outbox_id=row.task_outbox_id,
        prompt_outbox_id=row.prompt_outbox_id,
        done_at=row.done_at,
        done_by=row.done_by,
        note=row.note,
    )


class SqlDutyRepo:
    def __init__(self, session: AsyncSession, cache: RegistryCache | None = None) -> None:
        self.s = session
        self.cache = cache or RegistryCache()  # overrides and working days: read every report

    # -- escalation steps -----------------------------------------------------------------
    async def add_steps(
        self, ticket_id: int, community_id: int, steps: Sequence[NewStep], now: datetime
    ) -> int:
        """Store planned steps (one statement); a step number stored before is left as it was."""
        if not steps:
            return 0
        stmt = (
            _insert(self.s, EscalationRow)
            .values(
                [
                    {
                        "ticket_id": ticket_id,
                        "community_id": community_id,
                        "step_no": step.step_no,
                        "kind": step.kind,
                        "target_key": step.target_key,
                        "target_id": step.target_id,
                        "target_name": step.target_name,
                        "reason": step.reason,
                        "due_at": step.due_at,
                        "created_at": now,
                    }
                    for step in steps
                ]
            )
            .on_conflict_do_nothing(index_elements=["ticket_id", "step_no"])
        )
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return result.rowcount or 0

    async def last_step_no(self, ticket_id: int) -> int:
        value = await self.s.scalar(
            select(func.max(EscalationRow.step_no)).where(EscalationRow.ticket_id == ticket_id)
        )
        return int(value or 0)

    async def steps(self, ticket_id: int) -> list[StepRecord]:
        rows = await self.s.scalars(
            select(EscalationRow)
            .where(EscalationRow.ticket_id == ticket_id)
            .order_by(EscalationRow.step_no)
        )
        return [_step(r) for r in rows]

    async def cancel_pending(
        self, ticket_id: int, reasons: Sequence[str] | None, now: datetime
    ) -> int:
        """Cancel steps not fired yet (all of them, or those with one of `reasons`)."""
        stmt = update(EscalationRow).where(
            EscalationRow.ticket_id == ticket_id,
            EscalationRow.fired_at.is_(None),
            EscalationRow.cancelled_at.is_(None),
        )
        if reasons is not None:
            stmt = stmt.where(EscalationRow.reason.in_(list(reasons)))
        result = await self.s.execute(stmt.values(cancelled_at=now))
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def due_step(self, now: datetime, exclude: Sequence[int] = ()) -> StepRecord | None:
        """The earliest step due and not fired or cancelled (read only; see claim_step)."""
        stmt = (
            select(EscalationRow)
            .where(
                PENDING_STEP,  # the partial index's own predicate: its head is the next step
                EscalationRow.due_at <= now,
                or_(EscalationRow.retry_at.is_(None), EscalationRow.retry_at <= now),
            )
            .order_by(EscalationRow.due_at, EscalationRow.id)
            .limit(1)
        )
        if exclude:
            stmt = stmt.where(EscalationRow.id.not_in(list(exclude)))
        row = await self.s.scalar(stmt)
        return None if row is None else _step(row)

    async def lock_ticket(self, ticket_id: int) -> bool:
        """Lock the ticket row for this transaction, or say False when another holds it.

        The tick locks the ticket before its steps – the same order as every ticket change –
        and skips (rather than waits for) a ticket someone is changing right now.
        """
        found = await self.s.scalar(
            select(TicketRow.id).where(TicketRow.id == ticket_id).with_for_update(skip_locked=True)
        )
        return found is not None

    async def claim_step(self, step_id: int, now: datetime) -> StepRecord | None:
        """Mark a step fired; only one transaction ever succeeds (None for the others)."""
        result = await self.s.execute(
            update(EscalationRow)
            .where(
                EscalationRow.id == step_id,
                EscalationRow.fired_at.is_(None),
                EscalationRow.cancelled_at.is_(None),
            )
            .values(fired_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if not result.rowcount:
            return None
        row = await self.s.get(EscalationRow, step_id, populate_existing=True)
        return None if row is None else _step(row)

    async def set_outcome(self, step_id: int, outcome: str) -> None:
        await self.s.execute(
            update(EscalationRow).where(EscalationRow.id == step_id).values(outcome=outcome)
        )

    async def record_failure(self, step_id: int, error: str) -> StepRecord | None:
        """Count a failed try of a pending step; None if the step is over meanwhile."""
        row = await self.s.get(EscalationRow, step_id, with_for_update=True)
        if row is None or row.fired_at is not None or row.cancelled_at is not None:
            return None
        row.attempts += 1
        row.last_error = error[:64]
        await self.s.flush()
        return _step(row)

    async def bring_forward_page(self, ticket_id: int, now: datetime) -> bool:
        """Make the ticket's next page due now (the one before it reached nobody).

        Nothing changes while a page is already due: two pages refused at the same moment
        bring forward one page, not two."""
        row = await self.s.scalar(
            select(EscalationRow)
            .where(
                EscalationRow.ticket_id == ticket_id,
                EscalationRow.kind == PAGE,
                EscalationRow.fired_at.is_(None),
                EscalationRow.cancelled_at.is_(None),
            )
            .order_by(EscalationRow.due_at, EscalationRow.step_no)
            .limit(1)
            .with_for_update()
        )
        if row is None or row.due_at <= now:
            return False  # no page left, or one is due already (two refusals at one moment)
        row.due_at = now
        await self.s.flush()
        return True

    async def retry_step_at(self, step_id: int, at: datetime) -> None:
        await self.s.execute(
            update(EscalationRow).where(EscalationRow.id == step_id).values(retry_at=at)
        )

    async def give_up_step(self, step_id: int, now: datetime) -> StepRecord | None:
        """Stop trying a step that failed on every try (outcome failed); None if it is over."""
        result = await self.s.execute(
            update(EscalationRow)
            .where(
                EscalationRow.id == step_id,
                EscalationRow.fired_at.is_(None),
                EscalationRow.cancelled_at.is_(None),
            )
            .values(fired_at=now, outcome=GIVEN_UP, retry_at=None)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if not result.rowcount:
            return None
        row = await self.s.get(EscalationRow, step_id, populate_existing=True)
        return None if row is None else _step(row)

    async def step_failures(self, since: datetime) -> StepFailures:
        """Steps given up since `since`, and steps waiting to be tried again now."""
        given_up = await self.s.scalar(
            select(func.count())
            .select_from(EscalationRow)
            .where(EscalationRow.outcome == GIVEN_UP, EscalationRow.fired_at >= since)
        )
        retrying = await self.s.scalar(
            select(func.count())
            .select_from(EscalationRow)
            .where(PENDING_STEP, EscalationRow.attempts > 0)
        )
        return StepFailures(given_up=int(given_up or 0), retrying=int(retrying or 0))

    async def paged_at(self, ticket_id: int, due_at: datetime) -> list[str]:
        """Names of the people paged for this ticket at `due_at` (for the group card)."""
        rows = await self.s.scalars(
            select(EscalationRow.target_name)
            .where(
                EscalationRow.ticket_id == ticket_id,
                EscalationRow.due_at == due_at,
                EscalationRow.outcome == "sent",
            )
            .order_by(EscalationRow.step_no)
        )
        return list(dict.fromkeys(rows))

    async def next_due(self, limit: int = 20) -> list[StepRecord]:
        rows = await self.s.scalars(
            select(EscalationRow)
            .where(PENDING_STEP)
            .order_by(EscalationRow.due_at, EscalationRow.id)
            .limit(limit)
        )
        return [_step(r) for r in rows]

    # -- overrides from chat ----------------------------------------------------------------
    async def add_override(
        self,
        community_id: int,
        kind: str,
        staff_key: str,
        by_key: str | None,
        start_at: datetime,
        end_at: datetime,
        note: str,
        created_by: int | None,
        update_id: int | None,
        now: datetime,
    ) -> bool:
        """Store a cover/swap/leave; False when this update stored one before."""
        stmt = (
            _insert(self.s, RosterOverrideRow)
            .values(
                community_id=community_id,
                kind=kind,
                staff_key=staff_key,
                by_key=by_key,
                start_at=start_at,
                end_at=end_at,
                note=note,
                created_by=created_by,
                update_id=update_id,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def remove_override(self, community_id: int, override_id: int) -> OverrideRecord | None:
        """Delete a chat override of this community; the removed one, or None if not found."""
        row = await self.s.scalar(
            select(RosterOverrideRow).where(
                RosterOverrideRow.community_id == community_id,
                RosterOverrideRow.id == override_id,
            )
        )
        if row is None:
            return None
        record = _override(row)
        await self.s.delete(row)
        await self.s.flush()
        return record

    async def overrides(self, community_id: int, ending_after: datetime) -> list[OverrideRecord]:
        async def load() -> tuple[OverrideRecord, ...]:
            rows = await self.s.scalars(
                select(RosterOverrideRow)
                .where(RosterOverrideRow.community_id == community_id)
                .order_by(RosterOverrideRow.id)
            )
            return tuple(_override(r) for r in rows)

        every = await self.cache.read(self.s, ("overrides", community_id), load)
        return [r for r in every if r.end_at > ending_after]

    # -- working days -------------------------------------------------------------------------
    async def set_workday(
        self, community_id: int, day: date, working: bool | None, by: int | None, now: datetime
    ) -> None:
        """Mark a day working or off; None removes the override (the calendar decides again)."""
        await self.s.execute(
            delete(WorkdayOverrideRow).where(
                WorkdayOverrideRow.community_id == community_id, WorkdayOverrideRow.day == day
            )
        )
        if working is not None:
            self.s.add(
                WorkdayOverrideRow(
                    community_id=community_id, day=day, working=working, set_by=by, updated_at=now
                )
            )
            await self.s.flush()

    async def workdays(self, community_id: int) -> dict[date, bool]:
        async def load() -> tuple[tuple[date, bool], ...]:
            rows = await self.s.execute(
                select(WorkdayOverrideRow.day, WorkdayOverrideRow.working).where(
                    WorkdayOverrideRow.community_id == community_id
                )
            )
            return tuple((r[0], bool(r[1])) for r in rows)

        return dict(await self.cache.read(self.s, ("workdays", community_id), load))

    # -- follow-up tasks --------------------------------------------------------------------
    async def followup(self, ticket_id: int, lock: bool = False) -> FollowUpTask | None:
        stmt = select(FollowUpRow).where(FollowUpRow.ticket_id == ticket_id)
        if lock:
            stmt = stmt.with_for_update()
        row = await self.s.scalar(stmt)
        return None if row is None else _followup(row)

    async def add_followup(
        self,
        ticket_id: int,
        community_id: int,
        assignee_id: int,
        due_at: datetime | None,
        now: datetime,
    ) -> bool:
        stmt = (
            _insert(self.s, FollowUpRow)
            .values(
                ticket_id=ticket_id,
                community_id=community_id,
                assignee_id=assignee_id,
                due_at=due_at,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["ticket_id"])
        )
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def followup_task_sent(self, ticket_id: int, outbox_id: int | None) -> None:
        """The private task (with 回访完成) was queued to the caller."""
        await self._set_followup(ticket_id, task_outbox_id=outbox_id)

    async def followup_done(self, ticket_id: int, by: int, at: datetime) -> None:
        await self._set_followup(ticket_id, done_at=at, done_by=by)

    async def followup_prompted(self, ticket_id: int, outbox_id: int | None) -> None:
        """The "write how the call went" prompt was queued; a reply to it is the note."""
        await self._set_followup(ticket_id, prompt_outbox_id=outbox_id)

    async def followup_noted(self, ticket_id: int, note: str) -> None:
        await self._set_followup(ticket_id, note=note)

    async def renew_followup(
        self, ticket_id: int, assignee_id: int, due_at: datetime | None
    ) -> None:
        """A reopened ticket's follow-up starts again: a new task for the new resolution."""
        await self._set_followup(
            ticket_id,
            assignee_id=assignee_id,
            due_at=due_at,
            task_outbox_id=None,
            prompt_outbox_id=None,
            done_at=None,
            done_by=None,
            note=None,
        )

    async def _set_followup(self, ticket_id: int, **values: object) -> None:
        await self.s.execute(
            update(FollowUpRow).where(FollowUpRow.ticket_id == ticket_id).values(**values)
        )

    async def followup_for_message(self, chat_id: int, message_id: int) -> FollowUpTask | None:
        """The follow-up whose "write a note" prompt this private message replies to."""
        row = await self.s.scalar(
            select(FollowUpRow)
            .join(OutboxMessage, OutboxMessage.id == FollowUpRow.prompt_outbox_id)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.sent_message_id == message_id)
        )
        return None if row is None else _followup(row)

    # -- once-a-day jobs and the handoff ------------------------------------------------------
    async def claim_daily(self, community_id: int, job: str, day: date, now: datetime) -> bool:
        """Claim a job for a day; only the first caller (of any process) gets True."""
        stmt = (
            _insert(self.s, DailyRunRow)
            .values(community_id=community_id, job=job, day=day, done_at=now)
            .on_conflict_do_nothing(index_elements=["community_id", "job", "day"])
        )
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def open_tickets(self, community_id: int) -> list[OpenTicketView]:
        rows = await self.s.scalars(
            select(TicketRow)
            .where(TicketRow.community_id == community_id, OPEN_TICKET)
            .order_by(TicketRow.id)
        )
        return [
            OpenTicketView(
                id=r.id,
                number=r.number,
                category=r.category,
                level=r.level,
                building=r.building,
                unit=r.unit,
                status=Status(r.status),
                assignee_id=r.assignee_id,
                respond_by=r.respond_by,
                due_at=r.due_at,
            )
            for r in rows
        ]

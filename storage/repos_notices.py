"""The notices repository: notices, their due claims, occurrences and per-group deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.notices.records import (
    DeliveryRecord,
    DraftRecord,
    NoticeRecord,
    OccurrenceRecord,
)
from bot.domain.records import OutboundMessage
from storage.models import OutboxMessage
from storage.models_notices import Notice, NoticeDelivery, NoticeDraft, NoticeOccurrence
from storage.repos_messaging import _insert

# Rows per IN (...) list: SQLite allows a limited number of bound parameters per statement.
_CHUNK = 500
_MUTABLE = (
    "template",
    "text",
    "variables",
    "target",
    "schedule",
    "pin",
    "quiet_hours",
    "max_lateness_minutes",
    "urgent",
    "status",
    "last_done",
    "next_due",
    "extra",
)


def _record(row: Notice) -> NoticeRecord:
    return NoticeRecord(
        id=row.id,
        community_id=row.community_id,
        key=row.key,
        source=row.source,
        template=row.template,
        text=row.text,
        variables=dict(row.variables),
        target=dict(row.target),
        schedule=dict(row.schedule),
        pin=row.pin,
        quiet_hours=dict(row.quiet_hours) if row.quiet_hours is not None else None,
        max_lateness_minutes=row.max_lateness_minutes,
        urgent=row.urgent,
        status=row.status,
        author_telegram_id=row.author_telegram_id,
        last_done=row.last_done,
        next_due=row.next_due,
        extra=dict(row.extra),
        created_at=row.created_at,
    )


def _delivery(row: NoticeDelivery) -> DeliveryRecord:
    return DeliveryRecord(
        row.id, row.notice_id, row.occurrence, row.chat_id, row.status, row.outbox_id, row.error
    )


class SqlNoticeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # -- notices --------------------------------------------------------------------------
    async def add(self, notice: NoticeRecord, now: datetime) -> int | None:
        """Store a new notice; None when its key exists already (a re-handled update)."""
        values: dict[str, Any] = {name: getattr(notice, name) for name in _MUTABLE}
        values.update(
            community_id=notice.community_id,
            key=notice.key,
            source=notice.source,
            author_telegram_id=notice.author_telegram_id,
            created_at=now,
            updated_at=now,
        )
        if notice.key is None:
            row = Notice(**values)
            self.s.add(row)
            await self.s.flush()
            return row.id
        stmt = (
            _insert(self.s, Notice)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["community_id", "key"])
            .returning(Notice.id)
        )
        result = await self.s.execute(stmt)
        return result.scalar_one_or_none()

    async def get(self, notice_id: int) -> NoticeRecord | None:
        row = await self.s.get(Notice, notice_id)
        return _record(row) if row is not None else None

    async def by_key(self, community_id: int, key: str) -> NoticeRecord | None:
        row = await self.s.scalar(
            select(Notice).where(Notice.community_id == community_id, Notice.key == key)
        )
        return _record(row) if row is not None else None

    async def of_community(
        self, community_id: int, statuses: tuple[str, ...], source: str | None = None
    ) -> list[NoticeRecord]:
        stmt = select(Notice).where(
            Notice.community_id == community_id, Notice.status.in_(statuses)
        )
        if source is not None:
            stmt = stmt.where(Notice.source == source)
        rows = await self.s.scalars(stmt.order_by(Notice.id.desc()))
        return [_record(r) for r in rows]

    async def outages_since(self, community_id: int, since: datetime) -> list[NoticeRecord]:
        """Outage notices (announcements, their reminders and "restored") made since `since`,
        newest first."""
        rows = await self.s.scalars(
            select(Notice)
            .where(
                Notice.community_id == community_id,
                Notice.source == "outage",
                Notice.created_at >= since,
            )
            .order_by(Notice.id.desc())
        )
        return [_record(r) for r in rows]

    async def claim_due(self, now: datetime, limit: int) -> list[NoticeRecord]:
        """Lock active notices due now; a second instance skips them (PostgreSQL)."""
        rows = await self.s.scalars(
            select(Notice)
            .where(Notice.status == "active", Notice.next_due <= now)
            .order_by(Notice.next_due, Notice.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_record(r) for r in rows]

    async def save(self, notice: NoticeRecord, now: datetime) -> None:
        """Write a notice's changeable fields back (status, schedule position, texts)."""
        values: dict[str, Any] = {name: getattr(notice, name) for name in _MUTABLE}
        await self.s.execute(
            update(Notice).where(Notice.id == notice.id).values(updated_at=now, **values)
        )

    # -- occurrences and deliveries ---------------------------------------------------------
    async def add_occurrence(self, notice_id: int, occurrence: datetime, now: datetime) -> bool:
        """Record that an occurrence goes out; False if it was recorded before."""
        stmt = (
            _insert(self.s, NoticeOccurrence)
            .values(notice_id=notice_id, occurrence=occurrence, total=0, sent=0, failed=0,
                    created_at=now)
            .on_conflict_do_nothing(index_elements=["notice_id", "occurrence"])
        )  # fmt: skip
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def add_delivery(
        self,
        notice_id: int,
        occurrence: datetime,
        chat_id: int,
        status: str,
        now: datetime,
        outbox_id: int | None = None,
        error: str | None = None,
    ) -> bool:
        """Create the delivery row of one group; False if it exists (never twice)."""
        stmt = (
            _insert(self.s, NoticeDelivery)
            .values(
                notice_id=notice_id,
                occurrence=occurrence,
                chat_id=chat_id,
                status=status,
                outbox_id=outbox_id,
                error=error,
                created_at=now,
                settled_at=now if status in ("sent", "failed") else None,
            )
            .on_conflict_do_nothing(index_elements=["notice_id", "occurrence", "chat_id"])
        )
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def queue_deliveries(
        self,
        notice_id: int,
        occurrence: datetime,
        messages: list[OutboundMessage],
        now: datetime,
        pin: bool = False,
    ) -> int:
        """Queue one outbox message per group and its delivery row, in bulk; never twice.

        Same rows as OutboxRepo.enqueue, written with a few multi-row statements because one
        notice can reach a thousand groups. Returns how many deliveries were new.
        """
        if not messages:
            return 0

        def outbox_row(m: OutboundMessage) -> dict[str, Any]:
            return {
                "dedup_key": m.dedup_key,
                "chat_id": m.chat_id,
                "method": m.method,
                "payload": m.payload,
                "purpose": m.purpose,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": m.not_before or now,
                "created_at": now,
            }

        insert_outbox = _insert(self.s, OutboxMessage).on_conflict_do_nothing(
            index_elements=["dedup_key"]
        )
        await self.s.execute(insert_outbox, [outbox_row(m) for m in messages])
        ids: dict[str, int] = {}
        keys = [m.dedup_key for m in messages if m.dedup_key is not None]
        for start in range(0, len(keys), _CHUNK):
            rows = await self.s.execute(
                select(OutboxMessage.dedup_key, OutboxMessage.id).where(
                    OutboxMessage.dedup_key.in_(keys[start : start + _CHUNK])
                )
            )
            ids.update({str(key): int(row_id) for key, row_id in rows})
        deliveries = [
            {
                "notice_id": notice_id,
                "occurrence": occurrence,
                "chat_id": m.chat_id,
                "status": "queued",
                "outbox_id": ids[m.dedup_key],
                "created_at": now,
            }
            for m in messages
            if m.dedup_key in ids
        ]
        result = await self.s.execute(
            _insert(self.s, NoticeDelivery).on_conflict_do_nothing(
                index_elements=["notice_id", "occurrence", "chat_id"]
            ),
            deliveries,
        )
        if pin:
            pins = [
                OutboundMessage(
                    m.chat_id,
                    "pin",
                    {"target_outbox_id": ids[m.dedup_key]},
                    purpose="notice.pin",
                    dedup_key=f"{m.dedup_key}:pin",
                )
                for m in messages
                if m.dedup_key in ids
            ]
            await self.s.execute(insert_outbox, [outbox_row(m) for m in pins])
        return int(getattr(result, "rowcount", 0) or 0)

    async def settle_from_outbox(self, now: datetime) -> int:
        """Copy the outbox outcome (sent / failed with reason) onto queued deliveries."""
        rows = await self.s.execute(
            select(NoticeDelivery, OutboxMessage.status, OutboxMessage.last_error)
            .join(OutboxMessage, OutboxMessage.id == NoticeDelivery.outbox_id)
            .where(NoticeDelivery.status == "queued", OutboxMessage.status.in_(("sent", "failed")))
        )
        count = 0
        for delivery, status, error in rows:
            delivery.status = status
            delivery.error = (error or "")[:1000] if status == "failed" else None
            delivery.settled_at = now
            count += 1
        await self.s.flush()
        return count

    async def unsettled_occurrences(self, limit: int) -> list[OccurrenceRecord]:
        rows = await self.s.scalars(
            select(NoticeOccurrence)
            .where(NoticeOccurrence.settled_at.is_(None))
            .order_by(NoticeOccurrence.id)
            .limit(limit)
        )
        return [OccurrenceRecord(r.notice_id, r.occurrence) for r in rows]

    async def deliveries(self, notice_id: int, occurrence: datetime) -> list[DeliveryRecord]:
        rows = await self.s.scalars(
            select(NoticeDelivery)
            .where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.occurrence == occurrence)
            .order_by(NoticeDelivery.id)
        )
        return [_delivery(r) for r in rows]

    async def settle_occurrence(
        self, notice_id: int, occurrence: datetime, sent: int, failed: int, now: datetime
    ) -> bool:
        """Mark an occurrence settled with its counts; False if another tick did it first."""
        result = await self.s.execute(
            update(NoticeOccurrence)
            .where(
                NoticeOccurrence.notice_id == notice_id,
                NoticeOccurrence.occurrence == occurrence,
                NoticeOccurrence.settled_at.is_(None),
            )
            .values(total=sent + failed, sent=sent, failed=failed, settled_at=now)
        )
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def last_occurrence(self, notice_id: int) -> OccurrenceRecord | None:
        row = await self.s.scalar(
            select(NoticeOccurrence)
            .where(NoticeOccurrence.notice_id == notice_id)
            .order_by(NoticeOccurrence.occurrence.desc())
            .limit(1)
        )
        if row is None:
            return None
        return OccurrenceRecord(
            row.notice_id, row.occurrence, row.total, row.sent, row.failed, row.settled_at
        )

    async def count_deliveries(self, notice_id: int, status: str | None = None) -> int:
        stmt = select(func.count()).where(NoticeDelivery.notice_id == notice_id)
        if status is not None:
            stmt = stmt.where(NoticeDelivery.status == status)
        return int(await self.s.scalar(stmt) or 0)

    # -- drafts of the guided flow ----------------------------------------------------------
    async def start_draft(
        self, community_id: int, author_telegram_id: int, update_id: int, now: datetime
    ) -> tuple[DraftRecord, bool]:
        """Open a draft for an update (closing the author's older ones); False if it existed."""
        existing = await self.s.scalar(
            select(NoticeDraft).where(NoticeDraft.origin_update_id == update_id)
        )
        if existing is not None:
            return _draft(existing), False
        await self.s.execute(
            update(NoticeDraft)
            .where(
                NoticeDraft.author_telegram_id == author_telegram_id, NoticeDraft.status == "open"
            )
            .values(status="cancelled", awaiting=None, updated_at=now)
        )
        row = NoticeDraft(
            community_id=community_id,
            author_telegram_id=author_telegram_id,
            data={},
            status="open",
            origin_update_id=update_id,
            updated_at=now,
        )
        self.s.add(row)
        await self.s.flush()
        return _draft(row), True

    async def draft(self, draft_id: int) -> DraftRecord | None:
        row = await self.s.get(NoticeDraft, draft_id)
        return _draft(row) if row is not None else None

    async def awaiting_draft(self, author_telegram_id: int) -> DraftRecord | None:
        row = await self.s.scalar(
            select(NoticeDraft)
            .where(
                NoticeDraft.author_telegram_id == author_telegram_id,
                NoticeDraft.status == "open",
                NoticeDraft.awaiting.is_not(None),
            )
            .order_by(NoticeDraft.id.desc())
            .limit(1)
        )
        return _draft(row) if row is not None else None

    async def save_draft(self, draft: DraftRecord, now: datetime) -> None:
        await self.s.execute(
            update(NoticeDraft)
            .where(NoticeDraft.id == draft.id)
            .values(data=draft.data, awaiting=draft.awaiting, status=draft.status, updated_at=now)
        )


def _draft(row: NoticeDraft) -> DraftRecord:
    return DraftRecord(
        row.id, row.community_id, row.author_telegram_id, dict(row.data), row.awaiting, row.status
    )

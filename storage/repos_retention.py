"""Keeping personal data briefly (PIPL): erase what a closed ticket, an old update or an old
private message no longer needs. Every method is idempotent and works in batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, InboxUpdate, OutboxMessage
from storage.models_notices import NoticeDraft
from storage.models_offers import ReportOffer
from storage.models_tickets import ReportDraft, TicketNote, TicketRow

#: ticket states after which nothing more happens (a closed ticket may still be reopened;
#: after the keeping period it is history)
_ENDED = ("closed", "cancelled", "referred")
_ERASED_PAYLOAD = {"erased": True}


class SqlRetentionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def erase_ended_tickets(
        self,
        ended_before: datetime,
        now: datetime,
        scrub: Callable[[str, str | None], str],
        limit: int,
    ) -> int:
        """Drop room and phone, and scrub the texts, of tickets ended before `ended_before`."""
        ended_at = func.coalesce(TicketRow.closed_at, TicketRow.updated_at)
        rows = list(
            await self.s.scalars(
                select(TicketRow)
                .where(
                    TicketRow.status.in_(_ENDED),
                    TicketRow.erased_at.is_(None),
                    ended_at < ended_before,
                )
                .order_by(TicketRow.id)
                .limit(limit)
            )
        )
        for ticket in rows:
            room = ticket.room
            notes = await self.s.scalars(
                select(TicketNote).where(TicketNote.ticket_id == ticket.id)
            )
            for note in notes:
                note.text = scrub(note.text, room)
            events = await self.s.scalars(
                select(AuditEvent).where(
                    AuditEvent.community_id == ticket.community_id,
                    AuditEvent.subject == f"ticket:{ticket.number}",
                )
            )
            for event in events:  # state changes keep the note that came with them
                said = event.details.get("note")
                if isinstance(said, str) and said:
                    event.details = {**event.details, "note": scrub(said, room)}
            ticket.text = scrub(ticket.text, room)
            ticket.last_note = scrub(ticket.last_note, room) if ticket.last_note else None
            ticket.room = None
            ticket.phone = None
            ticket.reporter_name = ""
            ticket.erased_at = now
        await self.s.flush()
        return len(rows)

    async def forget_updates(self, received_before: datetime) -> int:
        """Delete handled Telegram updates received before the cut-off (their text included).

        Repeats are only possible for recent updates (Telegram keeps unconfirmed ones for a
        day), so old rows are not needed to ignore them; the newest row is always kept."""
        newest = await self.s.scalar(select(func.max(InboxUpdate.update_id)))
        if newest is None:
            return 0
        result = await self.s.execute(
            delete(InboxUpdate).where(
                InboxUpdate.status.in_(("done", "failed")),
                InboxUpdate.received_at < received_before,
                InboxUpdate.update_id < newest,
            )
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def erase_private_messages(self, created_before: datetime, now: datetime) -> int:
        """Empty the payload of delivered private messages (cards carry rooms and phones).

        Group messages never carry personal data, and the row stays: later edits and replies
        need only its Telegram message id."""
        result = await self.s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.chat_id > 0,
                OutboxMessage.status.in_(("sent", "failed")),
                OutboxMessage.created_at < created_before,
                OutboxMessage.erased_at.is_(None),
            )
            .values(payload=_ERASED_PAYLOAD, erased_at=now)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def forget_drafts(self, now: datetime, idle_before: datetime) -> int:
        """Delete expired /report drafts, /notice drafts untouched since the cut-off, and the
        memory of offers made before it (who was offered a ticket for what)."""
        reports = await self.s.execute(delete(ReportDraft).where(ReportDraft.expires_at < now))
        notices = await self.s.execute(
            delete(NoticeDraft).where(NoticeDraft.updated_at < idle_before)
        )
        offers = await self.s.execute(
            delete(ReportOffer).where(ReportOffer.offered_at < idle_before)
        )
        counts = 0
        for result in (reports, notices, offers):
            assert isinstance(result, CursorResult)
            counts += int(result.rowcount or 0)
        return counts

"""Keeping personal data briefly (PIPL): erase what a closed ticket, an old update or an old
private message no longer needs. Every method is idempotent and works in batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import CursorResult, String, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PRIVATE_UNERASED, ButtonAction, InboxUpdate, OutboxMessage
from storage.models_desk import DeskLink, DeskSession
from storage.models_duty import FollowUpRow, RosterOverrideRow
from storage.models_faq import FaqGap
from storage.models_notices import NoticeDraft
from storage.models_offers import ReportOffer
from storage.models_tickets import (
    UNERASED_ENDED_TICKET,
    KnownUsername,
    ReportDraft,
    TicketNote,
    TicketPhoto,
    TicketRow,
)
from storage.retention_plan import PERSONAL_PAYLOAD_KEYS

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
        """Drop room, phone and reporter, and scrub the texts (phones, the room, the reporter's
        name), notes and follow-up note of tickets ended before `ended_before`; drop photos.

        One batch of at most `limit` tickets in a few statements (not a few per ticket): the
        partial index of ended tickets not yet erased gives them oldest first."""
        ended_at = func.coalesce(TicketRow.closed_at, TicketRow.updated_at)
        rows = list(
            await self.s.scalars(
                select(TicketRow)
                .where(UNERASED_ENDED_TICKET, ended_at < ended_before)
                .order_by(ended_at)
                .limit(limit)
            )
        )
        if not rows:
            return 0
        ids = [t.id for t in rows]
        notes: dict[int, list[TicketNote]] = {}
        for note in await self.s.scalars(select(TicketNote).where(TicketNote.ticket_id.in_(ids))):
            notes.setdefault(note.ticket_id, []).append(note)
        followups = {
            f.ticket_id: f
            for f in await self.s.scalars(
                select(FollowUpRow).where(
                    FollowUpRow.ticket_id.in_(ids), FollowUpRow.note.is_not(None)
                )
            )
        }
        await self.s.execute(delete(TicketPhoto).where(TicketPhoto.ticket_id.in_(ids)))
        for ticket in rows:
            room, name = ticket.room, ticket.reporter_name

            def hide(text: str, room: str | None = room, name: str = name) -> str:
                out = scrub(text, room)
                return out.replace(name, "***") if len(name) >= 2 else out

            for note in notes.get(ticket.id, ()):
                note.text = hide(note.text)
                note.photo_file_id = None
            followup = followups.get(ticket.id)
            if followup is not None and followup.note:
                followup.note = hide(followup.note)
            # the audit log is append-only and holds no personal data: nothing to erase there
            ticket.text = hide(ticket.text)
            ticket.last_note = hide(ticket.last_note) if ticket.last_note else None
            if ticket.cancel_reason:
                ticket.cancel_reason = hide(ticket.cancel_reason)
            ticket.room = None
            ticket.phone = None
            ticket.reporter_name = ""
            ticket.erased_at = now
        await self.s.flush()
        return len(rows)

    async def forget_updates(self, received_before: datetime, limit: int) -> int:
        """Delete up to `limit` handled Telegram updates received before the cut-off (their
        text included), oldest first.

        Repeats are only possible for recent updates (Telegram keeps unconfirmed ones for a
        day), so old rows are not needed to ignore them; the newest row is always kept."""
        newest = await self.s.scalar(select(func.max(InboxUpdate.update_id)))
        if newest is None:
            return 0
        batch = (
            select(InboxUpdate.id)
            .where(
                InboxUpdate.received_at < received_before,
                InboxUpdate.status.in_(("done", "failed")),
                InboxUpdate.update_id < newest,
            )
            .order_by(InboxUpdate.received_at)
            .limit(limit)
        )
        # the batch's ids first: an IN (subquery) lets the planner hash-join a whole scan
        ids = list(await self.s.scalars(batch))
        if not ids:
            return 0
        result = await self.s.execute(
            delete(InboxUpdate)
            .where(InboxUpdate.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def erase_private_messages(
        self, created_before: datetime, now: datetime, limit: int
    ) -> int:
        """Empty the payload of up to `limit` delivered private messages (cards carry rooms
        and phones), oldest first.

        Group messages never carry personal data, and the row stays: later edits and replies
        need only its Telegram message id."""
        batch = (
            select(OutboxMessage.id)
            .where(
                PRIVATE_UNERASED,  # the partial index's own predicate
                OutboxMessage.created_at < created_before,
                OutboxMessage.status.in_(("sent", "failed")),
            )
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
        ids = list(await self.s.scalars(batch))
        if not ids:
            return 0
        result = await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(payload=_ERASED_PAYLOAD, erased_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def forget_sign_ins(self, before: datetime) -> int:
        """Delete the desk's links that expired and sessions last used before the cut-off
        (long dead either way: a session lives 24 hours at most)."""
        links = await self.s.execute(delete(DeskLink).where(DeskLink.expires_at < before))
        sessions = await self.s.execute(delete(DeskSession).where(DeskSession.seen_at < before))
        assert isinstance(links, CursorResult) and isinstance(sessions, CursorResult)
        return int(links.rowcount or 0) + int(sessions.rowcount or 0)

    async def forget_buttons(self, created_before: datetime) -> int:
        """Delete buttons made before the cut-off whose payload carries what someone wrote or
        is called (「转给工作人员」, the offer of a ticket, an outage reminder: text, name ...).

        Those are prompts to the moment; a press after this is answered as for an expired
        button. Buttons carrying ids only (a card's actions) stay."""
        carries = [
            cast(ButtonAction.payload, String).like(f'%"{key}"%') for key in PERSONAL_PAYLOAD_KEYS
        ]
        result = await self.s.execute(
            delete(ButtonAction).where(ButtonAction.created_at < created_before, or_(*carries))
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def forget_questions(self, asked_before: datetime) -> int:
        """Delete unanswered FAQ questions last asked before the cut-off (wording and key)."""
        result = await self.s.execute(delete(FaqGap).where(FaqGap.last_at < asked_before))
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def forget_usernames(self, seen_before: datetime) -> int:
        """Forget which @username a Telegram user wrote with, when not renewed since the
        cut-off (the next message they write records it again)."""
        result = await self.s.execute(
            delete(KnownUsername).where(KnownUsername.updated_at < seen_before)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def erase_override_notes(self, ended_before: datetime) -> int:
        """Empty the note (a reason for leave, say) of covers and leaves that ended long ago."""
        result = await self.s.execute(
            update(RosterOverrideRow)
            .where(RosterOverrideRow.end_at < ended_before, RosterOverrideRow.note != "")
            .values(note="")
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

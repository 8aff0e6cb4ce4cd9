"""Ticket repository: tickets and their numbers, followers, notes, photos, prompts and drafts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    CursorResult,
    and_,
    delete,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.tickets import (
    Closure,
    Draft,
    Follower,
    NewTicket,
    Prompt,
    Status,
    Ticket,
    TicketChange,
    Verdict,
    format_number,
)
from bot.domain.tickets.replies import NewResidentNote, ResidentNote
from storage.models import AuditEvent, Community, OutboxMessage
from storage.models_tickets import (
    KnownUsername,
    ReportDraft,
    TicketCounter,
    TicketFollower,
    TicketNote,
    TicketPhoto,
    TicketPrompt,
    TicketRow,
)
from storage.repos_messaging import _insert


class SqlTicketRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # -- tickets -------------------------------------------------------------------------
    async def _next_seq(self, community_id: int) -> int:
        """Hand out the community's next number; the row lock serialises concurrent intakes."""
        await self.s.execute(
            _insert(self.s, TicketCounter)
            .values(community_id=community_id, last_seq=0)
            .on_conflict_do_nothing(index_elements=["community_id"])
        )
        result = await self.s.execute(
            update(TicketCounter)
            .where(TicketCounter.community_id == community_id)
            .values(last_seq=TicketCounter.last_seq + 1)
            .returning(TicketCounter.last_seq)
        )
        return int(result.scalar_one())

    async def create(self, new: NewTicket, now: datetime) -> Ticket:
        """Open a ticket with the community's next number."""
        code = await self.s.scalar(select(Community.code).where(Community.id == new.community_id))
        seq = await self._next_seq(new.community_id)
        row = TicketRow(
            community_id=new.community_id,
            seq=seq,
            number=format_number(code or "T", seq),
            source_key=new.source_key,
            source=new.source,
            status=Status.NEW.value,
            category=new.category,
            level=new.level,
            building=new.building,
            unit=new.unit,
            room=new.room,
            phone=new.phone,
            text=new.text,
            chat_id=new.chat_id,
            message_id=new.message_id,
            thread_id=new.thread_id,
            reporter_id=new.reporter_id,
            reporter_name=new.reporter_name[:128],
            on_behalf_by=new.on_behalf_by,
            outage_id=new.outage_id,
            outage_note=new.outage_note,
            card_version=0,
            created_at=now,
            updated_at=now,
        )
        self.s.add(row)
        await self.s.flush()
        return await self._record(row)

    async def by_source_key(self, source_key: str) -> Ticket | None:
        row = await self.s.scalar(select(TicketRow).where(TicketRow.source_key == source_key))
        return None if row is None else await self._record(row)

    async def get(self, ticket_id: int, lock: bool = False) -> Ticket | None:
        stmt = select(TicketRow).where(TicketRow.id == ticket_id)
        if lock:
            stmt = stmt.with_for_update()
        row = await self.s.scalar(stmt)
        return None if row is None else await self._record(row)

    async def by_number(self, number: str, community_id: int | None = None) -> Ticket | None:
        stmt = select(TicketRow).where(TicketRow.number == number.upper())
        if community_id is not None:
            stmt = stmt.where(TicketRow.community_id == community_id)
        row = await self.s.scalar(stmt.order_by(TicketRow.id).limit(1))
        return None if row is None else await self._record(row)

    async def by_message(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a group message belongs to: its report, or its status card."""
        # a UNION of two indexed lookups: an OR over the two would scan the chat's tickets
        reports = select(TicketRow.id).where(
            TicketRow.chat_id == chat_id, TicketRow.message_id == message_id
        )
        cards = (
            select(TicketRow.id)
            .join(OutboxMessage, OutboxMessage.id == TicketRow.card_outbox_id)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.sent_message_id == message_id,
                TicketRow.chat_id == chat_id,
            )
        )
        found = union_all(reports, cards).subquery()
        ticket_id = await self.s.scalar(select(func.max(found.c.id)))
        return None if ticket_id is None else await self.get(ticket_id)

    async def of_bot_message(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a message the bot sent is about: its card, a note, the verdict question…

        Every message about a ticket is queued with a dedup key `tk:<ticket id>:…`."""
        key = await self.s.scalar(
            select(OutboxMessage.dedup_key)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.sent_message_id == message_id,
                OutboxMessage.dedup_key.like("tk:%"),
            )
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        ticket_id = (key or "").split(":")[1:2]
        if not ticket_id or not ticket_id[0].isdigit():
            return None
        return await self.get(int(ticket_id[0]))

    async def update(self, ticket_id: int, change: TicketChange, now: datetime) -> Ticket:
        """Apply a typed change to a ticket and return it as it is now."""
        await self.s.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket_id)
            .values(updated_at=now, **change.columns())
        )
        ticket = await self.get(ticket_id)
        assert ticket is not None
        return ticket

    async def open_like(
        self, community_id: int, building: str, category: str, since: datetime
    ) -> list[Ticket]:
        """Open tickets of a building and category created since `since`, newest first."""
        rows = await self.s.scalars(
            select(TicketRow)
            .where(
                TicketRow.community_id == community_id,
                TicketRow.building == building,
                TicketRow.category == category,
                TicketRow.status.in_([s.value for s in Status if s.value in _OPEN]),
                TicketRow.created_at >= since,
                TicketRow.merged_into_id.is_(None),
            )
            .order_by(TicketRow.id.desc())
            .limit(20)
        )
        return await self._records(list(rows))

    async def unaccepted(self, limit: int = 200) -> list[Ticket]:
        """Open tickets nobody has accepted yet (assigned or reopened), oldest first."""
        rows = await self.s.scalars(
            select(TicketRow)
            .where(TicketRow.status.in_([Status.ASSIGNED.value, Status.REOPENED.value]))
            .order_by(TicketRow.id)
            .limit(limit)
        )
        return [await self._record(r) for r in rows]

    async def assigned_to(self, telegram_id: int, open_only: bool = True) -> list[Ticket]:
        stmt = select(TicketRow).where(TicketRow.assignee_id == telegram_id)
        if open_only:
            stmt = stmt.where(TicketRow.status.in_([*_OPEN, Status.RESOLVED.value]))
        rows = await self.s.scalars(stmt.order_by(TicketRow.id.desc()).limit(50))
        return await self._records(list(rows))

    async def of_resident(self, telegram_id: int, limit: int = 20) -> list[Ticket]:
        """Tickets someone reported, reported for someone, or follows; newest first."""
        # one indexed arm each, newest `limit` of each, then the newest `limit` of the union
        # (an OR of the three made PostgreSQL walk the whole primary key backwards)
        arms = [
            select(TicketRow.id)
            .where(TicketRow.reporter_id == telegram_id)
            .order_by(TicketRow.id.desc())
            .limit(limit),
            select(TicketRow.id)
            .where(TicketRow.on_behalf_by == telegram_id)
            .order_by(TicketRow.id.desc())
            .limit(limit),
            select(TicketFollower.ticket_id.label("id"))
            .where(TicketFollower.telegram_id == telegram_id)
            .order_by(TicketFollower.ticket_id.desc())
            .limit(limit),
        ]
        mine = union(*(arm.subquery().select() for arm in arms)).subquery()
        rows = await self.s.scalars(
            select(TicketRow)
            .where(TicketRow.id.in_(select(mine.c.id)))
            .order_by(TicketRow.id.desc())
            .limit(limit)
        )
        return await self._records(list(rows))

    async def claim_verdict_due(self, now: datetime, limit: int = 50) -> list[Ticket]:
        """Resolved tickets whose verdict time has passed; other instances skip locked rows."""
        rows = list(
            await self.s.scalars(
                select(TicketRow)
                .where(
                    TicketRow.status == Status.RESOLVED.value,
                    TicketRow.verdict_due_at.is_not(None),
                    TicketRow.verdict_due_at <= now,
                )
                .order_by(TicketRow.verdict_due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        return await self._records(list(rows))

    async def corrected(self, community_id: int) -> list[tuple[Ticket, datetime]]:
        """Tickets whose level or category staff corrected (/level, /kind), with the last time."""
        last = (
            select(AuditEvent.subject, func.max(AuditEvent.at).label("at"))
            .where(
                AuditEvent.action == "ticket.corrected",
                AuditEvent.community_id == community_id,
            )
            .group_by(AuditEvent.subject)
            .subquery()
        )
        rows = await self.s.execute(
            select(TicketRow, last.c.at)
            .join(last, last.c.subject == literal("ticket:") + TicketRow.number)
            .where(TicketRow.community_id == community_id)
            .order_by(TicketRow.id)
        )
        pairs = rows.all()
        tickets = await self._records([row for row, _ in pairs])
        return list(zip(tickets, [at for _, at in pairs], strict=True))

    async def _record(self, row: TicketRow) -> Ticket:
        return (await self._records([row]))[0]

    async def _records(self, rows: Sequence[TicketRow]) -> list[Ticket]:
        """Tickets with their followers and photos: two queries for all of them, not per row."""
        ids = [row.id for row in rows]
        followers: dict[int, list[int]] = {i: [] for i in ids}
        photos: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            for ticket_id, telegram_id in await self.s.execute(
                select(TicketFollower.ticket_id, TicketFollower.telegram_id)
                .where(TicketFollower.ticket_id.in_(ids))
                .order_by(TicketFollower.id)
            ):
                followers[ticket_id].append(telegram_id)
            for ticket_id, file_id in await self.s.execute(
                select(TicketPhoto.ticket_id, TicketPhoto.file_id)
                .where(TicketPhoto.ticket_id.in_(ids))
                .order_by(TicketPhoto.id)
            ):
                photos[ticket_id].append(file_id)
        return [_ticket(row, followers[row.id], photos[row.id]) for row in rows]

    # -- followers, notes, photos ----------------------------------------------------------
    async def add_follower(self, ticket_id: int, follower: Follower, now: datetime) -> bool:
        """Add someone with the same problem; False when they already follow it."""
        result = await self.s.execute(
            _insert(self.s, TicketFollower)
            .values(
                ticket_id=ticket_id,
                telegram_id=follower.telegram_id,
                chat_id=follower.chat_id,
                message_id=follower.message_id,
                via_ticket_id=follower.via_ticket_id,
                thread_id=follower.thread_id,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["ticket_id", "telegram_id"])
        )
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def followers(self, ticket_id: int) -> list[Follower]:
        rows = await self.s.scalars(
            select(TicketFollower)
            .where(TicketFollower.ticket_id == ticket_id)
            .order_by(TicketFollower.id)
        )
        return [
            Follower(r.telegram_id, r.chat_id, r.message_id, r.via_ticket_id, r.thread_id)
            for r in rows
        ]

    async def remove_followers_via(self, ticket_id: int, via_ticket_id: int) -> int:
        """Undo a merge: drop the followers that came with the merged ticket."""
        result = await self.s.execute(
            delete(TicketFollower).where(
                TicketFollower.ticket_id == ticket_id,
                TicketFollower.via_ticket_id == via_ticket_id,
            )
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def add_note(
        self,
        ticket_id: int,
        kind: str,
        author_id: int | None,
        text: str,
        photo_file_id: str | None,
        update_id: int | None,
        now: datetime,
    ) -> bool:
        """Store a note; False when this update already wrote one (a re-handled update)."""
        result = await self.s.execute(
            _insert(self.s, TicketNote)
            .values(
                ticket_id=ticket_id,
                kind=kind,
                author_id=author_id,
                text=text,
                photo_file_id=photo_file_id,
                update_id=update_id,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def add_resident_note(
        self, note: NewResidentNote, now: datetime, *, forwarded: bool
    ) -> int | None:
        """Store what a resident said about a ticket, due to go to staff at `note.forward_at`
        (already gone when `forwarded`); None when this update already wrote one."""
        result = await self.s.execute(
            _insert(self.s, TicketNote)
            .values(
                ticket_id=note.ticket_id,
                kind="resident",
                author_id=note.author_id,
                text=note.text,
                photo_file_id=note.photo_file_id,
                update_id=note.update_id,
                created_at=now,
                forward_at=note.forward_at,
                forwarded_at=now if forwarded else None,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(TicketNote.id)
        )
        return result.scalar_one_or_none()

    async def last_forwarded(self, ticket_id: int) -> datetime | None:
        """When a resident's note of this ticket last went to staff."""
        return await self.s.scalar(
            select(func.max(TicketNote.forwarded_at)).where(
                TicketNote.ticket_id == ticket_id, TicketNote.kind == "resident"
            )
        )

    async def due_resident_notes(self, now: datetime, limit: int = 200) -> list[ResidentNote]:
        """Residents' notes held back whose time to go to staff has come, oldest first."""
        rows = await self.s.scalars(
            select(TicketNote)
            .where(
                TicketNote.kind == "resident",
                TicketNote.forwarded_at.is_(None),
                TicketNote.forward_at <= now,
            )
            .order_by(TicketNote.id)
            .limit(limit)
        )
        return [
            ResidentNote(r.id, r.ticket_id, r.author_id, r.text, r.photo_file_id, r.created_at)
            for r in rows
        ]

    async def mark_forwarded(self, note_ids: list[int], now: datetime) -> int:
        """Mark notes as gone to staff; returns how many were still waiting (another process
        may have taken some)."""
        result = await self.s.execute(
            update(TicketNote)
            .where(TicketNote.id.in_(note_ids), TicketNote.forwarded_at.is_(None))
            .values(forwarded_at=now)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount)

    async def notes(self, ticket_id: int) -> list[tuple[str, str, datetime]]:
        rows = await self.s.execute(
            select(TicketNote.kind, TicketNote.text, TicketNote.created_at)
            .where(TicketNote.ticket_id == ticket_id)
            .order_by(TicketNote.id)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def add_photo(
        self, ticket_id: int, file_id: str, added_by: int | None, now: datetime
    ) -> bool:
        result = await self.s.execute(
            _insert(self.s, TicketPhoto)
            .values(ticket_id=ticket_id, file_id=file_id, added_by=added_by, created_at=now)
            .on_conflict_do_nothing(index_elements=["ticket_id", "file_id"])
        )
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    # -- prompts: private messages staff answer by replying ---------------------------------
    async def add_prompt(self, prompt: Prompt, chat_id: int, now: datetime) -> None:
        await self.s.execute(
            _insert(self.s, TicketPrompt)
            .values(
                outbox_id=prompt.outbox_id,
                ticket_id=prompt.ticket_id,
                kind=prompt.kind,
                telegram_id=prompt.telegram_id,
                chat_id=chat_id,
                answered=prompt.answered,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["outbox_id"])
        )

    async def prompt_for_message(self, chat_id: int, message_id: int) -> Prompt | None:
        """The prompt a private message replies to (found through the outbox's message id)."""
        row = await self.s.scalar(
            select(TicketPrompt)
            .join(OutboxMessage, OutboxMessage.id == TicketPrompt.outbox_id)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.sent_message_id == message_id)
        )
        return None if row is None else _prompt(row)

    async def prompt_of_outbox(self, outbox_id: int) -> Prompt | None:
        """The prompt (card, page, …) an outbox row carries, if it carries one."""
        row = await self.s.scalar(select(TicketPrompt).where(TicketPrompt.outbox_id == outbox_id))
        return None if row is None else _prompt(row)

    async def pending_prompt(self, telegram_id: int, since: datetime) -> Prompt | None:
        """The newest unanswered "write the note" prompt to this person since `since`."""
        row = await self.s.scalar(
            select(TicketPrompt)
            .where(
                TicketPrompt.telegram_id == telegram_id,
                TicketPrompt.kind.in_(["progress", "resolve"]),
                TicketPrompt.answered.is_(False),
                TicketPrompt.created_at >= since,
            )
            .order_by(TicketPrompt.created_at.desc(), TicketPrompt.outbox_id.desc())
            .limit(1)
        )
        return None if row is None else _prompt(row)

    async def live_cards(self, ticket_id: int) -> list[Prompt]:
        """The private cards and pages of a ticket whose buttons still stand, oldest first."""
        rows = await self.s.scalars(
            select(TicketPrompt)
            .where(
                TicketPrompt.ticket_id == ticket_id,
                or_(TicketPrompt.kind == "card", TicketPrompt.kind.like("page:%")),
                TicketPrompt.answered.is_(False),
            )
            .order_by(TicketPrompt.outbox_id)
        )
        return [_prompt(r) for r in rows]

    async def move_group_messages(self, moves: dict[int, int]) -> int:
        """Point group cards and verdict questions at the outbox rows that carry them now."""
        changed = 0
        for column in (TicketRow.card_outbox_id, TicketRow.verdict_outbox_id):
            for left, carried in moves.items():
                result = await self.s.execute(
                    update(TicketRow)
                    .where(column == left)
                    .values({column.key: carried})
                    .execution_options(synchronize_session=False)
                )
                assert isinstance(result, CursorResult)
                changed += int(result.rowcount or 0)
        return changed

    async def retire_card(self, outbox_id: int) -> None:
        """Mark a private card as no longer standing (for cards, "answered" means retired)."""
        await self.s.execute(
            update(TicketPrompt).where(TicketPrompt.outbox_id == outbox_id).values(answered=True)
        )

    async def answer_prompts(self, ticket_id: int, telegram_id: int) -> None:
        """Mark every open note prompt of this person on this ticket answered."""
        await self.s.execute(
            update(TicketPrompt)
            .where(
                and_(
                    TicketPrompt.ticket_id == ticket_id,
                    TicketPrompt.telegram_id == telegram_id,
                    TicketPrompt.kind != "card",
                )
            )
            .values(answered=True)
        )

    # -- usernames ---------------------------------------------------------------------------
    async def remember_username(self, telegram_id: int, username: str, now: datetime) -> None:
        row = await self.s.get(KnownUsername, telegram_id)
        name = username.lower().lstrip("@")
        if row is None:
            self.s.add(KnownUsername(telegram_id=telegram_id, username=name, updated_at=now))
        elif row.username != name:
            row.username, row.updated_at = name, now
        await self.s.flush()

    async def user_by_username(self, username: str) -> int | None:
        value: int | None = await self.s.scalar(
            select(KnownUsername.telegram_id)
            .where(KnownUsername.username == username.lower().lstrip("@"))
            .order_by(KnownUsername.updated_at.desc())
            .limit(1)
        )
        return value

    # -- /report drafts ----------------------------------------------------------------------
    async def draft(self, chat_id: int, telegram_id: int, now: datetime) -> Draft | None:
        row = await self.s.get(ReportDraft, (chat_id, telegram_id))
        if row is None or row.expires_at <= now:
            return None
        return Draft(
            row.chat_id,
            row.telegram_id,
            row.community_id,
            row.step,
            dict(row.data),
            row.expires_at,
        )

    async def save_draft(self, draft: Draft, now: datetime) -> None:
        row = await self.s.get(ReportDraft, (draft.chat_id, draft.telegram_id))
        if row is None:
            row = ReportDraft(chat_id=draft.chat_id, telegram_id=draft.telegram_id)
            self.s.add(row)
        row.community_id = draft.community_id
        row.step = draft.step
        row.data = dict(draft.data)
        row.updated_at = now
        row.expires_at = draft.expires_at
        await self.s.flush()

    async def drop_draft(self, chat_id: int, telegram_id: int) -> None:
        await self.s.execute(
            delete(ReportDraft).where(
                ReportDraft.chat_id == chat_id, ReportDraft.telegram_id == telegram_id
            )
        )


_OPEN = {"new", "assigned", "accepted", "in_progress", "reopened"}


def _prompt(row: TicketPrompt) -> Prompt:
    return Prompt(row.outbox_id, row.ticket_id, row.kind, row.telegram_id, row.answered)


def _ticket(row: TicketRow, followers: Sequence[int], photos: Sequence[str]) -> Ticket:
    return Ticket(
        id=row.id,
        community_id=row.community_id,
        number=row.number,
        status=Status(row.status),
        category=row.category,
        level=row.level,
        building=row.building,
        unit=row.unit,
        room=row.room,
        phone=row.phone,
        text=row.text,
        chat_id=row.chat_id,
        message_id=row.message_id,
        reporter_id=row.reporter_id,
        reporter_name=row.reporter_name,
        on_behalf_by=row.on_behalf_by,
        source=row.source,
        assignee_id=row.assignee_id,
        assignee_name=row.assignee_name,
        card_outbox_id=row.card_outbox_id,
        card_version=row.card_version,
        verdict_outbox_id=row.verdict_outbox_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        respond_by=row.respond_by,
        due_at=row.due_at,
        verdict_due_at=row.verdict_due_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        closure=Closure(row.closure) if row.closure else None,
        verdict=Verdict(row.verdict) if row.verdict else None,
        referred_to=row.referred_to,
        cancel_reason=row.cancel_reason,
        merged_into_id=row.merged_into_id,
        last_note=row.last_note,
        followers=tuple(followers),
        photos=tuple(photos),
        thread_id=row.thread_id,
        outage_id=row.outage_id,
        outage_note=row.outage_note,
        accepted_at=row.accepted_at,
        controlled_at=row.controlled_at,
        planned_at=row.planned_at,
        reopen_count=row.reopen_count,
    )

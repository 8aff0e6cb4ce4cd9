"""Messaging repositories: the update inbox, the outbox, button actions and the audit log."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.inbox import ALIVE_PREFIX
from bot.domain.records import AuditEntry, AuditRecord, ButtonSpec, OutboundMessage, OutboxItem
from storage.models import AuditEvent, ButtonAction, InboxUpdate, Lease, OutboxMessage


def _insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


class SqlInboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def last_update_id(self) -> int | None:
        """The highest update id stored (None when none is)."""
        value = await self.s.scalar(select(func.max(InboxUpdate.update_id)))
        return None if value is None else int(value)

    async def record(self, update_id: int, payload: dict[str, Any], now: datetime) -> bool:
        """Store an update once; return False when this update_id was seen before."""
        stmt = (
            _insert(self.s, InboxUpdate)
            .values(update_id=update_id, payload=payload, received_at=now, status="pending")
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def claim(
        self, limit: int, now: datetime, lease: timedelta, holder: str = ""
    ) -> list[tuple[int, dict[str, Any], int]]:
        """Take unhandled updates, failed ones due again, and ones whose dispatcher died, for
        `lease`: (update_id, payload, attempts). Rows another dispatcher holds are skipped; a
        dispatcher has died when its claim ran out or its process's `alive:` lease lapsed."""
        alive = select(Lease.holder).where(Lease.name.startswith(ALIVE_PREFIX), Lease.until >= now)
        dead_holder = and_(
            InboxUpdate.claimed_by.is_not(None), InboxUpdate.claimed_by.not_in(alive)
        )
        due = or_(
            InboxUpdate.status == "pending",
            and_(InboxUpdate.status == "failed", InboxUpdate.next_attempt_at <= now),
            and_(
                InboxUpdate.status == "handling",
                or_(InboxUpdate.claimed_until < now, dead_holder),
            ),
        )
        rows = list(
            await self.s.execute(
                select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts)
                .where(due)
                .order_by(InboxUpdate.update_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        # SQLite takes no row lock above: the conditional UPDATE decides who has a row
        claimed: list[tuple[int, dict[str, Any], int]] = []
        for update_id, payload, attempts in rows:
            result = await self.s.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id, due)
                .values(status="handling", claimed_until=now + lease, claimed_by=holder or None)
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount:
                claimed.append((update_id, payload, int(attempts or 0)))
        return claimed

    async def release(self, update_ids: list[int], attempts: dict[int, int]) -> None:
        """Give back claimed updates not handled (a stop): pending, or failed and due."""
        for update_id in update_ids:
            await self.s.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id, InboxUpdate.status == "handling")
                .values(
                    status="failed" if attempts.get(update_id) else "pending",
                    claimed_until=None,
                )
            )

    async def pending(self, limit: int, now: datetime) -> list[tuple[int, dict[str, Any], int]]:
        """What a dispatcher would claim now, claiming nothing."""
        due = or_(
            InboxUpdate.status == "pending",
            and_(InboxUpdate.status == "failed", InboxUpdate.next_attempt_at <= now),
            and_(InboxUpdate.status == "handling", InboxUpdate.claimed_until < now),
        )
        rows = await self.s.execute(
            select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts)
            .where(due)
            .order_by(InboxUpdate.update_id)
            .limit(limit)
        )
        return [(r[0], r[1], int(r[2] or 0)) for r in rows]

    async def forget_payload(self, update_id: int) -> None:
        """Keep only the id of an update (a stranger's group: nothing of it is to be kept)."""
        await self.s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id)
            .values(payload={"update_id": update_id})
        )

    async def mark(self, update_id: int, status: str, now: datetime) -> None:
        await self.s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id)
            .values(status=status, handled_at=now, next_attempt_at=None, claimed_until=None)
        )

    async def fail(
        self,
        update_id: int,
        now: datetime,
        error: str,
        attempts: int,
        next_attempt_at: datetime | None,
    ) -> None:
        """Record a failed attempt; without `next_attempt_at` the update is given up."""
        await self.s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id)
            .values(
                status="failed",
                handled_at=now,
                error=error[:200],
                attempts=attempts,
                next_attempt_at=next_attempt_at,
                claimed_until=None,
            )
        )

    async def given_up_since(self, since: datetime) -> int:
        """Updates given up (failed on every attempt) since `since`."""
        value = await self.s.scalar(
            select(func.count())
            .select_from(InboxUpdate)
            .where(
                InboxUpdate.status == "failed",
                InboxUpdate.next_attempt_at.is_(None),
                InboxUpdate.handled_at >= since,
            )
        )
        return int(value or 0)

    async def retrying(self) -> int:
        """Failed updates waiting for another attempt."""
        value = await self.s.scalar(
            select(func.count())
            .select_from(InboxUpdate)
            .where(InboxUpdate.status == "failed", InboxUpdate.next_attempt_at.is_not(None))
        )
        return int(value or 0)


class SqlLeaseRepo:
    """Named leases: one holder at a time, until it lapses or is given back."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew `name` for `holder` until `until`; False while another holds it."""
        await self.s.execute(
            _insert(self.s, Lease)
            .values(name=name, holder=holder, until=until)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = await self.s.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.until < now))
            .values(holder=holder, until=until)
        )
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def give_back(self, name: str, holder: str) -> None:
        await self.s.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))

    async def forget_lapsed(self, prefix: str, before: datetime) -> None:
        """Drop leases of `prefix` that lapsed before `before` (processes long gone)."""
        await self.s.execute(
            delete(Lease).where(Lease.name.startswith(prefix), Lease.until < before)
        )


class SqlOutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def enqueue(self, message: OutboundMessage, now: datetime) -> int | None:
        """Queue a message; with a dedup_key seen before, nothing is queued and None returned."""
        values = {
            "dedup_key": message.dedup_key,
            "chat_id": message.chat_id,
            "method": message.method,
            "payload": message.payload,
            "purpose": message.purpose,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": message.not_before or now,
            "created_at": now,
        }
        stmt = (
            _insert(self.s, OutboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(OutboxMessage.id)
        )
        result = await self.s.execute(stmt)
        return result.scalar_one_or_none()

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Take due rows (and rows whose sender died mid-send) for `lease`; skip locked ones."""
        due = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
        )
        rows = list(
            await self.s.scalars(
                select(OutboxMessage)
                .where(due)
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        held = await self._held_back_from(now, {r.chat_id for r in rows})
        # Claim each row with a conditional UPDATE: on SQLite the SELECT above takes no lock,
        # so two senders may both see a row; only the one whose UPDATE matches gets it.
        claimed: list[OutboxItem] = []
        for r in rows:
            if r.id > held.get(r.chat_id, r.id):
                continue  # an earlier message of its chat waits: order within a chat holds
            result = await self.s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == r.id, due)
                .values(status="sending", claimed_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount:
                claimed.append(
                    OutboxItem(
                        r.id,
                        r.chat_id,
                        r.method,
                        dict(r.payload),
                        r.purpose,
                        r.attempts,
                        in_doubt=r.attempted_at is not None,
                    )
                )
        return claimed

    async def _held_back_from(self, now: datetime, chats: set[int]) -> dict[int, int]:
        """Per chat, the first message that was tried (or put back) and must wait, or is being
        sent elsewhere: later ones of that chat wait for it. A message queued for a later time
        on purpose (`not_before`, never tried: no error) holds nothing up."""
        if not chats:
            return {}
        waiting = or_(
            and_(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at > now,
                OutboxMessage.last_error.is_not(None),
            ),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until >= now),
        )
        rows = await self.s.execute(
            select(OutboxMessage.chat_id, func.min(OutboxMessage.id))
            .where(OutboxMessage.chat_id.in_(chats), waiting)
            .group_by(OutboxMessage.chat_id)
        )
        return {chat_id: first for chat_id, first in rows.all()}

    async def mark_attempting(self, item_id: int, now: datetime) -> None:
        """The request is about to go to Telegram: it is in doubt until its outcome is recorded."""
        await self.s.execute(
            update(OutboxMessage).where(OutboxMessage.id == item_id).values(attempted_at=now)
        )

    async def mark_unknown(self, item_id: int, error: str, now: datetime) -> None:
        """Telegram may or may not have it: not sent again (its message id is not known)."""
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item_id)
            .values(
                status="unknown",
                last_error=error[:1000],
                claimed_until=None,
                sent_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
        )

    async def release(self, item_ids: Sequence[int]) -> int:
        """Give claimed rows back at once (a clean stop), instead of letting the lease run out.

        A row whose request was in flight keeps `attempted_at`, so whoever claims it next knows
        it may have been delivered."""
        if not item_ids:
            return 0
        result = await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(item_ids)), OutboxMessage.status == "sending")
            .values(status="pending", claimed_until=None)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def mark_sent(self, item_id: int, message_id: int | None, now: datetime) -> None:
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item_id)
            .values(
                status="sent",
                sent_message_id=message_id,
                sent_at=now,
                claimed_until=None,
                attempts=OutboxMessage.attempts + 1,
            )
        )

    async def retry_later(
        self, item_id: int, at: datetime, error: str, count_attempt: bool
    ) -> None:
        values: dict[str, Any] = {
            "status": "pending",
            "next_attempt_at": at,
            "claimed_until": None,
            "attempted_at": None,  # the attempt's outcome is known: it did not arrive
            "last_error": error[:1000],
        }
        if count_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        await self.s.execute(
            update(OutboxMessage).where(OutboxMessage.id == item_id).values(**values)
        )

    async def mark_failed(self, item_id: int, error: str, now: datetime) -> None:
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item_id)
            .values(status="failed", last_error=error[:1000], claimed_until=None, sent_at=None)
        )

    async def fail_pending_for_chat(self, chat_id: int, error: str, now: datetime) -> int:
        result = await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .values(status="failed", last_error=error[:1000])
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)

    async def queued_for_chat(self, chat_id: int) -> list[OutboxItem]:
        """What is still to go to a chat (due or not, or being sent), oldest first; locked."""
        rows = await self.s.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status.in_(("pending", "sending")),
            )
            .order_by(OutboxMessage.id)
            .with_for_update()
        )
        return [
            OutboxItem(r.id, r.chat_id, r.method, dict(r.payload), r.purpose, r.attempts)
            for r in rows
        ]

    async def redirect(
        self, item_id: int, chat_id: int, payload: dict[str, Any], now: datetime
    ) -> None:
        """Aim a queued message at another chat, due now (a sender holding it lets it go)."""
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item_id)
            .values(
                chat_id=chat_id,
                payload=payload,
                status="pending",
                next_attempt_at=now,
                claimed_until=None,
                attempted_at=None,  # the old chat answered "upgraded": it did not arrive
            )
        )

    async def chat_of(self, item_id: int) -> int | None:
        """The chat a queued or sent message is (or was) in."""
        value: int | None = await self.s.scalar(
            select(OutboxMessage.chat_id).where(OutboxMessage.id == item_id)
        )
        return value

    async def sent_message_id(self, item_id: int) -> int | None:
        value: int | None = await self.s.scalar(
            select(OutboxMessage.sent_message_id).where(OutboxMessage.id == item_id)
        )
        return value

    async def status(self, item_id: int) -> str | None:
        value: str | None = await self.s.scalar(
            select(OutboxMessage.status).where(OutboxMessage.id == item_id)
        )
        return value

    async def oldest_due(self, now: datetime) -> datetime | None:
        """When the longest-waiting message that is due now became due (None: nothing due)."""
        value: datetime | None = await self.s.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
            )
        )
        return value

    async def failed_since(self, since: datetime) -> int:
        """How many messages queued since `since` could not be delivered."""
        value = await self.s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "failed", OutboxMessage.created_at >= since)
        )
        return int(value or 0)

    async def by_dedup_key(self, dedup_key: str) -> int | None:
        value: int | None = await self.s.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)
        )
        return value

    async def last_with_prefix(self, prefix: str) -> tuple[str, datetime] | None:
        """The newest message whose dedup key starts with `prefix`: its key and when queued."""
        row = (
            await self.s.execute(
                select(OutboxMessage.dedup_key, OutboxMessage.created_at)
                .where(OutboxMessage.dedup_key.startswith(prefix, autoescape=True))
                .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
                .limit(1)
            )
        ).first()
        if row is None or row[0] is None:
            return None
        return str(row[0]), row[1]

    async def text_of(self, item_id: int) -> str | None:
        payload = await self.s.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.id == item_id)
        )
        text = (payload or {}).get("text")
        return text if isinstance(text, str) else None


class SqlAuditRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def record(self, event: AuditRecord, now: datetime) -> None:
        self.s.add(
            AuditEvent(
                at=now,
                community_id=event.community_id,
                actor_telegram_id=event.actor_telegram_id,
                action=event.action,
                subject=event.subject,
                update_id=event.update_id,
                details=event.details,
            )
        )
        await self.s.flush()

    async def count(self, action: str | None = None) -> int:
        stmt = select(func.count()).select_from(AuditEvent)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        return int(await self.s.scalar(stmt) or 0)

    async def of_subject(self, community_id: int, subject: str) -> list[AuditEntry]:
        """One community's events about `subject` ("ticket:A-0042"), oldest first."""
        rows = await self.s.execute(
            select(
                AuditEvent.at,
                AuditEvent.action,
                AuditEvent.actor_telegram_id,
                AuditEvent.update_id,
                AuditEvent.details,
            )
            .where(AuditEvent.community_id == community_id, AuditEvent.subject == subject)
            .order_by(AuditEvent.id)
        )
        return [
            AuditEntry(
                r.at,
                AuditRecord(
                    action=r.action,
                    subject=subject,
                    actor_telegram_id=r.actor_telegram_id,
                    community_id=community_id,
                    update_id=r.update_id,
                    details=dict(r.details or {}),
                ),
            )
            for r in rows
        ]


class SqlButtonRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def create(self, spec: ButtonSpec, now: datetime) -> str:
        """Store what a button does; its short random id is all callback_data carries."""
        button_id = secrets.token_urlsafe(9)
        self.s.add(
            ButtonAction(
                id=button_id,
                kind=spec.kind,
                subject=spec.subject,
                payload=spec.payload,
                allowed_user_ids=list(spec.allowed_user_ids),
                allowed_roles=list(spec.allowed_roles),
                community_id=spec.community_id,
                created_at=now,
                expires_at=spec.expires_at,
            )
        )
        # no flush: the id is ours, and a card's buttons go in one INSERT at the next flush
        return button_id

    async def get(self, button_id: str) -> ButtonSpec | None:
        row = await self.s.get(ButtonAction, button_id)
        if row is None:
            return None
        return ButtonSpec(
            kind=row.kind,
            subject=row.subject,
            payload=dict(row.payload),
            allowed_user_ids=tuple(row.allowed_user_ids),
            allowed_roles=tuple(row.allowed_roles),
            community_id=row.community_id,
            expires_at=row.expires_at,
        )

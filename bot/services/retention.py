"""Keep personal data briefly (China's PIPL: collect the minimum, keep it briefly).

- A ticket ended (closed, cancelled, referred) more than `keep_private` ago loses its room,
  phone and reporter name; phone numbers and the room are scrubbed from its texts and notes.
  The ticket itself stays: numbers, categories, times and verdicts are what communities count.
- Telegram updates (raw message texts), private messages (staff cards with rooms and
  phones), buttons that carry what someone wrote (「转给工作人员」, offers, outage
  reminders), unanswered FAQ questions, who wrote with which @username and abandoned /notice
  drafts are kept `keep_messages`, then forgotten; expired /report drafts go at once.
- Covers and leaves entered in chat lose their note `keep_private` after they ended.
- The audit log is append-only and holds no personal data: retention never touches it.

storage/retention_plan.py names every column that can hold personal data and how it is
erased; tests/storage/test_storage_retention_coverage.py keeps that list whole.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.domain.records import AuditRecord
from bot.domain.tickets.privacy import scrub
from bot.services.ports import RetentionUnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erased:
    tickets: int = 0
    updates: int = 0
    messages: int = 0
    drafts: int = 0
    buttons: int = 0
    questions: int = 0
    usernames: int = 0
    overrides: int = 0

    @property
    def anything(self) -> bool:
        return any(asdict(self).values())


class RetentionDesk:
    """Runs from the periodic tick; does real work at most once per `every`."""

    def __init__(
        self,
        uow: RetentionUnitOfWorkFactory,
        clock: Clock,
        keep_private: timedelta,
        keep_messages: timedelta,
        every: timedelta = timedelta(hours=1),
        batch: int = 500,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.keep_private = keep_private
        self.keep_messages = keep_messages
        self.every = every
        self.batch = batch
        self._last: datetime | None = None

    async def tick(self) -> Erased:
        now = self.clock.now()
        if self._last is not None and now - self._last < self.every:
            return Erased()
        self._last = now
        return await self.erase(now)

    async def erase(self, now: datetime) -> Erased:
        """Erase everything past its keeping period, one transaction per batch."""
        tickets = 0
        while True:
            async with self.uow() as tx:
                n = await tx.retention.erase_ended_tickets(
                    now - self.keep_private, now, scrub, self.batch
                )
                await tx.commit()
            tickets += n
            if n < self.batch:
                break
        old = now - self.keep_messages
        async with self.uow() as tx:
            r = tx.retention
            erased = Erased(
                tickets=tickets,
                updates=await r.forget_updates(old),
                messages=await r.erase_private_messages(old, now),
                drafts=await r.forget_drafts(now, old),
                buttons=await r.forget_buttons(old),
                questions=await r.forget_questions(old),
                usernames=await r.forget_usernames(old),
                overrides=await r.erase_override_notes(now - self.keep_private),
            )
            if erased.anything:
                await tx.audit.record(
                    AuditRecord(
                        action="privacy.erased", subject="retention", details=asdict(erased)
                    ),
                    now,
                )
            await tx.commit()
        if erased.anything:
            log.info(
                "retention: erased %s",
                ", ".join(f"{n} {what}" for what, n in asdict(erased).items() if n),
            )
        return erased

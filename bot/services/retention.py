"""Keep personal data briefly (China's PIPL: collect the minimum, keep it briefly).

- A ticket ended (closed, cancelled, referred) more than `keep_private` ago loses its room,
  phone and reporter name; phone numbers and the room are scrubbed from its texts and notes.
  The ticket itself stays: numbers, categories, times and verdicts are what communities count.
- Telegram updates (raw message texts), private messages (staff cards with rooms and
  phones) and abandoned /notice drafts are kept `keep_messages`, then forgotten; expired
  /report drafts go at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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

    @property
    def anything(self) -> bool:
        return bool(self.tickets or self.updates or self.messages or self.drafts)


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
        async with self.uow() as tx:
            updates = await tx.retention.forget_updates(now - self.keep_messages)
            messages = await tx.retention.erase_private_messages(now - self.keep_messages, now)
            drafts = await tx.retention.forget_drafts(now, now - self.keep_messages)
            erased = Erased(tickets, updates, messages, drafts)
            if erased.anything:
                await tx.audit.record(
                    AuditRecord(
                        action="privacy.erased",
                        subject="retention",
                        details={
                            "tickets": tickets,
                            "updates": updates,
                            "messages": messages,
                            "drafts": drafts,
                        },
                    ),
                    now,
                )
            await tx.commit()
        if erased.anything:
            log.info(
                "retention: erased %d tickets' personal data, %d updates, %d private messages, "
                "%d drafts",
                tickets,
                updates,
                messages,
                drafts,
            )
        return erased

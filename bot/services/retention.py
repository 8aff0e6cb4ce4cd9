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
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

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
    files: int = 0  # generated files (exports) past their keeping
    sign_ins: int = 0  # the web desk's spent links and ended sessions

    @property
    def anything(self) -> bool:
        return any(asdict(self).values())


#: a run's stages, in order; each batched stage goes on until a batch comes back short
_BATCHED = ("tickets", "updates", "messages")
_REST = "rest"  # drafts, buttons, questions, usernames, override notes: one transaction


class RetentionDesk:
    """Runs from the periodic tick: a run starts at most once per `every`, and each tick does
    one bounded batch of it (one short transaction), so a district's first run after start
    never holds the loop or the other periodic jobs for long."""

    def __init__(
        self,
        uow: RetentionUnitOfWorkFactory,
        clock: Clock,
        keep_private: timedelta,
        keep_messages: timedelta,
        every: timedelta = timedelta(hours=1),
        batch: int = 50,
        rows: int = 1000,
        files_dir: Path | None = None,
        keep_files: timedelta = timedelta(days=1),
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.keep_private = keep_private
        self.keep_messages = keep_messages
        self.every = every
        # tickets are scrubbed in Python (a batch holds the loop while it runs): few at a time;
        # updates and private messages go in one statement each: many at a time
        self.batch = batch
        self.rows = rows
        # exports written for a chat (they may hold personal data) go a day after they were made
        self.files_dir = files_dir
        self.keep_files = keep_files
        self._last: datetime | None = None
        self._stages: list[str] = []  # what is left of the current run
        self._total = Erased()

    @property
    def running(self) -> bool:
        """Return whether a run has batches left."""
        return bool(self._stages)

    async def tick(self) -> Erased:
        """Do the next batch of the current run, or start a run when one is due."""
        now = self.clock.now()
        if not self._stages:
            if self._last is not None and now - self._last < self.every:
                return Erased()
            self._start(now)
        return await self._next_batch()

    async def erase(self, now: datetime) -> Erased:
        """Erase everything past its keeping period at `now`, batch after batch."""
        self._start(now)
        while self._stages:
            await self._next_batch()
        return self._total

    def _start(self, now: datetime) -> None:
        self._last = now
        self._stages = [*_BATCHED, _REST]
        self._total = Erased()

    async def _next_batch(self) -> Erased:
        """Run one batch of the current stage; the run's end is audited and logged once."""
        assert self._last is not None
        stage = self._stages[0]
        erased = await (self._rest(self._last) if stage == _REST else self._batch(stage))
        if stage == _REST or getattr(erased, stage) < self._size(stage):
            self._stages.pop(0)
        self._total = Erased(**{k: getattr(self._total, k) + v for k, v in asdict(erased).items()})
        if not self._stages:
            await self._finish(self._total)
        return erased

    def _size(self, stage: str) -> int:
        return self.batch if stage == "tickets" else self.rows

    async def _batch(self, stage: str) -> Erased:
        assert self._last is not None
        now, n = self._last, self._size(stage)
        async with self.uow() as tx:
            r = tx.retention
            if stage == "tickets":
                erased = Erased(
                    tickets=await r.erase_ended_tickets(now - self.keep_private, now, scrub, n)
                )
            elif stage == "updates":
                erased = Erased(updates=await r.forget_updates(now - self.keep_messages, n))
            else:
                erased = Erased(
                    messages=await r.erase_private_messages(now - self.keep_messages, now, n)
                )
            await tx.commit()
        return erased

    async def _rest(self, now: datetime) -> Erased:
        old = now - self.keep_messages
        async with self.uow() as tx:
            r = tx.retention
            erased = Erased(
                drafts=await r.forget_drafts(now, old),
                buttons=await r.forget_buttons(old),
                questions=await r.forget_questions(old),
                usernames=await r.forget_usernames(old),
                overrides=await r.erase_override_notes(now - self.keep_private),
                files=self._sweep_files(),
                sign_ins=await r.forget_sign_ins(old),
            )
            await tx.commit()
        return erased

    def _sweep_files(self) -> int:
        """Delete generated files older than `keep_files` (by the file's own time, as the
        file system keeps it); folders left empty go too."""
        root = self.files_dir
        if root is None or not root.is_dir():
            return 0
        oldest = time.time() - self.keep_files.total_seconds()
        deleted = 0
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
                deleted += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return deleted

    async def _finish(self, erased: Erased) -> None:
        if not erased.anything:
            return
        assert self._last is not None
        async with self.uow() as tx:
            await tx.audit.record(
                AuditRecord(action="privacy.erased", subject="retention", details=asdict(erased)),
                self._last,
            )
            await tx.commit()
        log.info(
            "retention: erased %s",
            ", ".join(f"{n} {what}" for what, n in asdict(erased).items() if n),
        )

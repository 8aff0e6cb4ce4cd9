"""Use case: record raw updates once (by update_id) before anything handles them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.clock import Clock
from bot.services.ports import UnitOfWorkFactory


class Inbox:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def record(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> list[int]:
        """Store updates in one transaction; return the ids that were new."""
        new: list[int] = []
        async with self.uow() as tx:
            for update_id, payload in updates:
                if await tx.inbox.record(update_id, payload, self.clock.now()):
                    new.append(update_id)
            await tx.commit()
        return new

    async def pending(self, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """Updates stored but not yet handled (also those a crash interrupted)."""
        async with self.uow() as tx:
            return await tx.inbox.pending(limit)

    async def done(self, update_id: int, error: str | None = None) -> None:
        async with self.uow() as tx:
            await tx.inbox.mark(update_id, "failed" if error else "done", self.clock.now(), error)
            await tx.commit()

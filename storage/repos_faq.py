"""FAQ repository: entries per community, the base revision, answer cool-downs and gaps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, desc, select
from sqlalchemy.ext.asyncio import AsyncSession

from faq.kb import FaqEntry
from faq.records import GapInfo, ImportReport
from storage.models_faq import FaqBase, FaqCooldown, FaqEntryRow, FaqGap, FaqOutcomeRow
from storage.repos_messaging import _insert


def _data(entry: FaqEntry) -> dict[str, Any]:
    # Exactly the fields an admin would write in the file (defaults left out).
    return entry.model_dump(mode="json", exclude_defaults=True)


class SqlFaqRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # --- the knowledge base -------------------------------------------------------------------
    async def revision(self, community_id: int) -> int:
        """Return the base's revision (0 before anything was stored)."""
        value = await self.s.scalar(
            select(FaqBase.revision).where(FaqBase.community_id == community_id)
        )
        return int(value or 0)

    async def source_hash(self, community_id: int) -> str | None:
        """Return the hash of the file last loaded at start-up, if any."""
        return await self.s.scalar(
            select(FaqBase.source_hash).where(FaqBase.community_id == community_id)
        )

    async def entries(self, community_id: int) -> list[FaqEntry]:
        """Return the community's entries in file order (new ones last)."""
        rows = await self.s.scalars(
            select(FaqEntryRow)
            .where(FaqEntryRow.community_id == community_id)
            .order_by(FaqEntryRow.position, FaqEntryRow.id)
        )
        return [FaqEntry.model_validate(row.data) for row in rows]

    async def get(self, community_id: int, entry_id: str) -> FaqEntry | None:
        row = await self._row(community_id, entry_id)
        return FaqEntry.model_validate(row.data) if row is not None else None

    async def _row(self, community_id: int, entry_id: str) -> FaqEntryRow | None:
        return await self.s.scalar(
            select(FaqEntryRow).where(
                FaqEntryRow.community_id == community_id, FaqEntryRow.entry_id == entry_id
            )
        )

    async def _bump(
        self, community_id: int, now: datetime, source: tuple[str, str] | None = None
    ) -> int:
        base = await self.s.get(FaqBase, community_id)
        if base is None:
            base = FaqBase(community_id=community_id, revision=0, updated_at=now)
            self.s.add(base)
        base.revision = (base.revision or 0) + 1
        base.updated_at = now
        if source is not None:
            base.source_file, base.source_hash = source
        await self.s.flush()
        return base.revision

    async def put(
        self, community_id: int, entry: FaqEntry, now: datetime, actor: int | None = None
    ) -> bool:
        """Create or replace one entry; return True when it is new."""
        row = await self._row(community_id, entry.id)
        created = row is None
        if row is None:
            last = await self.s.scalar(
                select(FaqEntryRow.position)
                .where(FaqEntryRow.community_id == community_id)
                .order_by(desc(FaqEntryRow.position))
                .limit(1)
            )
            row = FaqEntryRow(
                community_id=community_id, entry_id=entry.id, position=(last or 0) + 1
            )
            self.s.add(row)
        row.data = _data(entry)
        row.updated_at = now
        row.updated_by = actor
        await self._bump(community_id, now)
        return created

    async def delete(self, community_id: int, entry_id: str, now: datetime) -> bool:
        """Delete one entry; return whether it existed."""
        row = await self._row(community_id, entry_id)
        if row is None:
            return False
        await self.s.delete(row)
        await self._bump(community_id, now)
        return True

    async def load(
        self,
        community_id: int,
        entries: Sequence[FaqEntry],
        now: datetime,
        *,
        replace: bool,
        source: tuple[str, str] | None = None,
    ) -> ImportReport:
        """Store a whole file: upsert its entries; with `replace`, delete the others."""
        rows = {
            row.entry_id: row
            for row in await self.s.scalars(
                select(FaqEntryRow).where(FaqEntryRow.community_id == community_id)
            )
        }
        created = updated = unchanged = deleted = 0
        wanted = {entry.id for entry in entries}
        offset = 0 if replace else max((r.position for r in rows.values()), default=0)
        for position, entry in enumerate(entries, start=1):
            data = _data(entry)
            row = rows.get(entry.id)
            if row is None:
                self.s.add(
                    FaqEntryRow(
                        community_id=community_id,
                        entry_id=entry.id,
                        position=offset + position,
                        data=data,
                        updated_at=now,
                    )
                )
                created += 1
            elif row.data != data or (replace and row.position != position):
                updated += int(row.data != data)
                unchanged += int(row.data == data)
                row.data = data
                row.position = position if replace else row.position
                row.updated_at = now
                row.updated_by = None
            else:
                unchanged += 1
        if replace:
            for entry_id, row in rows.items():
                if entry_id not in wanted:
                    await self.s.delete(row)
                    deleted += 1
        report = ImportReport(created, updated, deleted, unchanged)
        if report.changed or source is not None:
            await self._bump(community_id, now, source)
        return report

    # --- unasked answers in groups ------------------------------------------------------------
    async def claim_cooldown(
        self, chat_id: int, entry_id: str, update_id: int, now: datetime, since: datetime
    ) -> bool:
        """Take the right to answer `entry_id` unasked in a chat; False while it cools down.

        The same update may claim again (it is being handled again after a crash).
        """
        row = await self.s.get(FaqCooldown, (chat_id, entry_id))
        if row is None:
            result = await self.s.execute(
                _insert(self.s, FaqCooldown)
                .values(chat_id=chat_id, entry_id=entry_id, answered_at=now, update_id=update_id)
                .on_conflict_do_nothing(index_elements=["chat_id", "entry_id"])
                .returning(FaqCooldown.chat_id)
            )
            return result.scalar_one_or_none() is not None
        if row.update_id == update_id:
            return True
        if row.answered_at > since:
            return False
        row.answered_at = now
        row.update_id = update_id
        await self.s.flush()
        return True

    # --- unanswered questions -----------------------------------------------------------------
    async def tally(
        self, community_id: int, outcome: str, update_id: int | None, now: datetime
    ) -> None:
        """Count what became of one question (the same update and outcome count once)."""
        await self.s.execute(
            _insert(self.s, FaqOutcomeRow)
            .values(community_id=community_id, at=now, outcome=outcome, update_id=update_id)
            .on_conflict_do_nothing(index_elements=["update_id", "outcome"])
        )

    async def record_gap(
        self, community_id: int, key: str, text: str, update_id: int | None, now: datetime
    ) -> None:
        """Count one unanswered question (a repeated update is counted once)."""
        row = await self.s.scalar(
            select(FaqGap).where(FaqGap.community_id == community_id, FaqGap.key == key)
        )
        if row is None:
            self.s.add(
                FaqGap(
                    community_id=community_id,
                    key=key,
                    text=text,
                    count=1,
                    first_at=now,
                    last_at=now,
                    last_update_id=update_id,
                )
            )
        elif update_id is None or row.last_update_id != update_id:
            row.count += 1
            row.text = text
            row.last_at = now
            row.last_update_id = update_id
        await self.s.flush()

    async def gaps(self, community_id: int, limit: int) -> list[GapInfo]:
        """Return the most frequently asked unanswered questions, most recent first on ties."""
        rows = await self.s.scalars(
            select(FaqGap)
            .where(FaqGap.community_id == community_id)
            .order_by(desc(FaqGap.count), desc(FaqGap.last_at))
            .limit(limit)
        )
        return [GapInfo(r.key, r.text, r.count, r.first_at, r.last_at) for r in rows]

    async def forget_gaps(self, community_id: int, keys: Sequence[str]) -> int:
        """Drop gaps that are answered now; return how many."""
        if not keys:
            return 0
        result = await self.s.execute(
            delete(FaqGap).where(FaqGap.community_id == community_id, FaqGap.key.in_(keys))
        )
        return int(getattr(result, "rowcount", 0) or 0)

"""Points repository: rows are only added to the ledger (once per event and rule), balances
and caps are sums over it, and a proposal is decided once."""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, and_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.points.records import EntryKind, Holder, LedgerEntry, NewEntry, Proposal
from storage.models_points import PointsEntryRow, PointsNameRow, PointsProposalRow
from storage.repos_messaging import _insert


def _of(holder: Holder) -> ColumnElement[bool]:
    return and_(PointsEntryRow.holder_kind == holder.kind, PointsEntryRow.holder_id == holder.id)


def _proposal(row: PointsProposalRow) -> Proposal:
    return Proposal(
        id=row.id,
        community_id=row.community_id,
        holder=Holder(row.holder_kind, row.holder_id, row.building),
        rule=row.rule,
        points=row.points,
        reason=row.reason,
        proposed_by=row.proposed_by,
        accepted=row.accepted,
    )


class SqlPointsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, entry: NewEntry, now: datetime) -> bool:
        """Append a row; False (and nothing added) if the event already has one for the rule."""
        h = entry.holder
        stmt = (
            _insert(self.s, PointsEntryRow)
            .values(
                community_id=entry.community_id,
                holder_kind=h.kind,
                holder_id=h.id,
                building=h.building,
                kind=entry.kind.value,
                points=entry.points,
                rule=entry.rule,
                event=entry.event,
                reason=entry.reason[:80],
                actor=entry.actor,
                approved_by=entry.approved_by,
                at=now,
            )
            .on_conflict_do_nothing(index_elements=["community_id", "event", "rule"])
        )
        result: CursorResult[object] = await self.s.execute(stmt)  # type: ignore[assignment]
        return result.rowcount == 1

    async def lock_holder(self, community_id: int, holder: Holder) -> None:
        """Hold the holder's balance still until the transaction ends (SQLite: one writer)."""
        bind = self.s.bind
        if bind is None or bind.dialect.name != "postgresql":
            return
        key = zlib.crc32(f"points:{community_id}:{holder.kind}:{holder.id}".encode())
        await self.s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def balance(self, community_id: int, holder: Holder) -> int:
        total = await self.s.scalar(
            select(func.coalesce(func.sum(PointsEntryRow.points), 0)).where(
                PointsEntryRow.community_id == community_id, _of(holder)
            )
        )
        return int(total or 0)

    async def earned_since(
        self, community_id: int, holder: Holder, rule: str, since: datetime
    ) -> int:
        """Points the holder was awarded by `rule` from `since` on (for its caps)."""
        total = await self.s.scalar(
            select(func.coalesce(func.sum(PointsEntryRow.points), 0)).where(
                PointsEntryRow.community_id == community_id,
                _of(holder),
                PointsEntryRow.rule == rule,
                PointsEntryRow.kind == EntryKind.AWARD.value,
                PointsEntryRow.at >= since,
            )
        )
        return int(total or 0)

    async def recent(self, community_id: int, holder: Holder, limit: int) -> list[LedgerEntry]:
        rows = await self.s.scalars(
            select(PointsEntryRow)
            .where(PointsEntryRow.community_id == community_id, _of(holder))
            .order_by(PointsEntryRow.at.desc(), PointsEntryRow.id.desc())
            .limit(limit)
        )
        return [
            LedgerEntry(r.id, EntryKind(r.kind), r.points, r.rule, r.event, r.reason, r.at)
            for r in rows
        ]

    async def propose(
        self, community_id: int, holder: Holder, rule: str, points: int, reason: str,
        proposed_by: int, update_id: int, now: datetime,
    ) -> int:  # fmt: skip
        """Store a proposed award (once per update); return its id."""
        stmt = (
            _insert(self.s, PointsProposalRow)
            .values(
                community_id=community_id,
                holder_kind=holder.kind,
                holder_id=holder.id,
                building=holder.building,
                rule=rule,
                points=points,
                reason=reason[:80],
                proposed_by=proposed_by,
                update_id=update_id,
                proposed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        await self.s.execute(stmt)
        found = await self.s.scalar(
            select(PointsProposalRow.id).where(PointsProposalRow.update_id == update_id)
        )
        assert found is not None
        return int(found)

    async def get_proposal(self, proposal_id: int) -> Proposal | None:
        row = await self.s.get(PointsProposalRow, proposal_id)
        return None if row is None else _proposal(row)

    async def decide(self, proposal_id: int, by: int, accepted: bool, now: datetime) -> bool:
        """Accept or refuse a proposal not yet decided; False if it was decided already."""
        result: CursorResult[object] = await self.s.execute(  # type: ignore[assignment]
            update(PointsProposalRow)
            .where(PointsProposalRow.id == proposal_id, PointsProposalRow.decided_at.is_(None))
            .values(decided_by=by, decided_at=now, accepted=accepted)
        )
        return result.rowcount == 1

    async def month_totals(
        self, community_id: int, start: datetime, end: datetime
    ) -> dict[str, dict[tuple[str, int], int]]:
        """Points earned (awards and corrections) in [start, end): building → holder → sum."""
        rows = await self.s.execute(
            select(
                PointsEntryRow.building,
                PointsEntryRow.holder_kind,
                PointsEntryRow.holder_id,
                func.sum(PointsEntryRow.points),
            )
            .where(
                PointsEntryRow.community_id == community_id,
                PointsEntryRow.kind != EntryKind.REDEMPTION.value,
                PointsEntryRow.at >= start,
                PointsEntryRow.at < end,
                PointsEntryRow.building.is_not(None),
            )
            .group_by(
                PointsEntryRow.building, PointsEntryRow.holder_kind, PointsEntryRow.holder_id
            )
        )
        totals: dict[str, dict[tuple[str, int], int]] = {}
        for building, kind, holder_id, points in rows:
            totals.setdefault(str(building), {})[(str(kind), int(holder_id))] = int(points)
        return totals

    async def names(self, community_id: int) -> dict[tuple[str, int], str]:
        """The holders who opted in to be named, and the name to show."""
        rows = await self.s.scalars(
            select(PointsNameRow).where(PointsNameRow.community_id == community_id)
        )
        return {(r.holder_kind, r.holder_id): r.name for r in rows}

    async def set_name(
        self, community_id: int, holder: Holder, name: str | None, now: datetime
    ) -> None:
        """Opt in with a name to show, or out (None: the name is deleted)."""
        row = await self.s.get(PointsNameRow, (community_id, holder.kind, holder.id))
        if name is None:
            if row is not None:
                await self.s.delete(row)
        elif row is None:
            self.s.add(
                PointsNameRow(
                    community_id=community_id,
                    holder_kind=holder.kind,
                    holder_id=holder.id,
                    name=name[:32],
                    updated_at=now,
                )
            )
        else:
            row.name, row.updated_at = name[:32], now
        await self.s.flush()

    async def entries_for_report(
        self, community_id: int
    ) -> list[tuple[str | None, str, int, datetime]]:
        """Every row as (building, kind, points, at): what the monthly report sums."""
        rows = await self.s.execute(
            select(
                PointsEntryRow.building, PointsEntryRow.kind, PointsEntryRow.points,
                PointsEntryRow.at,
            )
            .where(PointsEntryRow.community_id == community_id)
            .order_by(PointsEntryRow.id)
        )  # fmt: skip
        return [(b, str(k), int(p), at) for b, k, p, at in rows]

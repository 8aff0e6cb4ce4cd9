"""The care list: entries from the register file, check-on rounds started once per outage,
and each household's check, contacted once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.households.care import CareSpec
from bot.domain.households.records import CareCheck, CareRecord, CareRound
from storage.models_households import CareCheckRow, CareEntryRow, CareRoundRow, HouseholdRow
from storage.models_tickets import TicketRow
from storage.repos_households import _household
from storage.repos_messaging import _insert


def _round(row: CareRoundRow) -> CareRound:
    return CareRound(
        row.id, row.community_id, row.source_key, row.kind, tuple(row.buildings),
        row.started_at, row.report_at,
    )  # fmt: skip


class SqlCareRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def replace_entries(
        self,
        community_id: int,
        entries: Mapping[tuple[str, str, str], CareSpec],
        now: datetime,
    ) -> int:
        """Make the community's care list what the register file says (by building, unit,
        room); an entry the file no longer has – consent withdrawn – is deleted. Return how
        many entries there are."""
        homes = {
            (h.building, h.unit, h.room): h.id
            for h in await self.s.scalars(
                select(HouseholdRow).where(HouseholdRow.community_id == community_id)
            )
        }
        ids = list(homes.values())
        await self.s.execute(delete(CareEntryRow).where(CareEntryRow.household_id.in_(ids)))
        for place, care in entries.items():
            self.s.add(
                CareEntryRow(
                    household_id=homes[place], reason=care.reason.value,
                    consent_on=care.consent, note=care.note, updated_at=now,
                )
            )  # fmt: skip
        await self.s.flush()
        return len(entries)

    async def entries(self, community_id: int, buildings: Sequence[str] = ()) -> list[CareRecord]:
        stmt = (
            select(CareEntryRow, HouseholdRow)
            .join(HouseholdRow, HouseholdRow.id == CareEntryRow.household_id)
            .where(HouseholdRow.community_id == community_id)
            .order_by(HouseholdRow.building, HouseholdRow.unit, HouseholdRow.room)
        )
        if buildings:
            stmt = stmt.where(HouseholdRow.building.in_(list(buildings)))
        return [CareRecord(_household(h), c.reason, c.note) for c, h in await self.s.execute(stmt)]

    async def start_round(
        self, community_id: int, source_key: str, kind: str, buildings: Sequence[str],
        now: datetime, report_at: datetime,
    ) -> int | None:  # fmt: skip
        """Start a round once per source (of any process); None when it was started before."""
        stmt = (
            _insert(self.s, CareRoundRow)
            .values(
                community_id=community_id, source_key=source_key, kind=kind,
                buildings=list(buildings), started_at=now, report_at=report_at,
            )
            .on_conflict_do_nothing(index_elements=["community_id", "source_key"])
        )  # fmt: skip
        result = await self.s.execute(stmt)
        assert isinstance(result, CursorResult)
        if not result.rowcount:
            return None
        found = await self.s.scalar(
            select(CareRoundRow.id).where(
                CareRoundRow.community_id == community_id, CareRoundRow.source_key == source_key
            )
        )
        return None if found is None else int(found)

    async def add_checks(self, round_id: int, household_ids: Sequence[int]) -> None:
        for household_id in household_ids:
            self.s.add(CareCheckRow(round_id=round_id, household_id=household_id))
        await self.s.flush()

    async def get_round(self, round_id: int) -> CareRound | None:
        row = await self.s.get(CareRoundRow, round_id)
        return None if row is None else _round(row)

    async def checks(self, round_id: int) -> list[CareCheck]:
        rows = await self.s.execute(
            select(CareCheckRow, CareEntryRow, HouseholdRow)
            .join(HouseholdRow, HouseholdRow.id == CareCheckRow.household_id)
            .join(CareEntryRow, CareEntryRow.household_id == CareCheckRow.household_id)
            .where(CareCheckRow.round_id == round_id)
            .order_by(HouseholdRow.building, HouseholdRow.unit, HouseholdRow.room)
        )
        return [
            CareCheck(CareRecord(_household(h), c.reason, c.note), k.contacted_at, k.contacted_by)
            for k, c, h in rows
        ]

    async def contact(self, round_id: int, household_id: int, by: int, now: datetime) -> bool:
        """Mark a household reached; False when someone had already."""
        result = await self.s.execute(
            update(CareCheckRow)
            .where(
                CareCheckRow.round_id == round_id,
                CareCheckRow.household_id == household_id,
                CareCheckRow.contacted_at.is_(None),
            )
            .values(contacted_at=now, contacted_by=by)
        )
        assert isinstance(result, CursorResult)
        return bool(result.rowcount)

    async def claim_reports(self, now: datetime) -> list[CareRound]:
        """Rounds whose report to the admins is due, each claimed once."""
        ids = list(
            await self.s.scalars(
                select(CareRoundRow.id)
                .where(CareRoundRow.reported_at.is_(None), CareRoundRow.report_at <= now)
                .limit(50)
            )
        )
        claimed = []
        for round_id in ids:
            result = await self.s.execute(
                update(CareRoundRow)
                .where(CareRoundRow.id == round_id, CareRoundRow.reported_at.is_(None))
                .values(reported_at=now)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount:
                row = await self.s.get(CareRoundRow, round_id)
                assert row is not None
                claimed.append(_round(row))
        return claimed

    async def emergencies_since(self, community_id: int, since: datetime) -> list[tuple[int, str]]:
        """Level-1 tickets (急难事件) of a community opened since `since` that name a building:
        (ticket id, building), read through the (community, created_at) index."""
        rows = await self.s.execute(
            select(TicketRow.id, TicketRow.building).where(
                TicketRow.community_id == community_id,
                TicketRow.created_at >= since,
                TicketRow.level == 1,
                TicketRow.building.is_not(None),
            )
        )
        return [(int(i), str(b)) for i, b in rows]

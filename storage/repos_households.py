"""Households repositories: the register with its accounts and codes; consultations, their
ballots (one per household, replaced on a change) and the claim that closes each once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.households.records import (
    BallotRecord,
    ConsultationRecord,
    HouseholdRecord,
    MemberRecord,
    RegisterReport,
)
from bot.domain.households.register import HouseholdSpec
from storage.models_households import (
    BallotRow,
    ConsultationRow,
    HouseholdCodeRow,
    HouseholdMemberRow,
    HouseholdRow,
)
from storage.repos_messaging import _insert

_CENTI = Decimal(100)


def _centi(area: Decimal | None) -> int | None:
    return None if area is None else int(area * _CENTI)


def _household(row: HouseholdRow) -> HouseholdRecord:
    return HouseholdRecord(
        id=row.id,
        community_id=row.community_id,
        building=row.building,
        unit=row.unit or None,
        room=row.room,
        status=row.status,
        area=None if row.area_centi is None else Decimal(row.area_centi) / _CENTI,
        name=row.name,
        phone=row.phone,
    )


def _values(spec: HouseholdSpec) -> tuple[str, int | None, str | None, str | None]:
    return spec.status.value, _centi(spec.area), spec.name, spec.phone


class SqlHouseholdRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def replace_register(
        self, community_id: int, specs: Sequence[HouseholdSpec], now: datetime
    ) -> RegisterReport:
        """Make the register what the file says: households left out are deleted (with their
        accounts, codes and ballots – the register is the only place they live)."""
        rows = {
            (r.building, r.unit, r.room): r
            for r in await self.s.scalars(
                select(HouseholdRow).where(HouseholdRow.community_id == community_id)
            )
        }
        created = updated = unchanged = 0
        for spec in specs:
            place = (spec.building, spec.unit or "", spec.room)
            row = rows.pop(place, None)
            values = _values(spec)
            if row is None:
                status, area, name, phone = values
                self.s.add(
                    HouseholdRow(
                        community_id=community_id, building=place[0], unit=place[1],
                        room=place[2], status=status, area_centi=area, name=name,
                        phone=phone, updated_at=now,
                    )
                )  # fmt: skip
                created += 1
            elif (row.status, row.area_centi, row.name, row.phone) != values:
                row.status, row.area_centi, row.name, row.phone = values
                row.updated_at = now
                updated += 1
            else:
                unchanged += 1
        if rows:
            gone = [r.id for r in rows.values()]
            await self.s.execute(
                delete(HouseholdMemberRow).where(HouseholdMemberRow.household_id.in_(gone))
            )
            await self.s.execute(
                delete(HouseholdCodeRow).where(HouseholdCodeRow.household_id.in_(gone))
            )
            await self.s.execute(delete(BallotRow).where(BallotRow.household_id.in_(gone)))
            await self.s.execute(delete(HouseholdRow).where(HouseholdRow.id.in_(gone)))
        await self.s.flush()
        return RegisterReport(created, updated, len(rows), unchanged)

    async def of_community(
        self, community_id: int, buildings: Sequence[str] = ()
    ) -> list[HouseholdRecord]:
        """The register in building, unit, room order (of some buildings, or all)."""
        stmt = select(HouseholdRow).where(HouseholdRow.community_id == community_id)
        if buildings:
            stmt = stmt.where(HouseholdRow.building.in_(list(buildings)))
        stmt = stmt.order_by(HouseholdRow.building, HouseholdRow.unit, HouseholdRow.room)
        return [_household(r) for r in await self.s.scalars(stmt)]

    async def find(
        self, community_id: int, building: str, unit: str | None, room: str
    ) -> HouseholdRecord | None:
        row = await self.s.scalar(
            select(HouseholdRow).where(
                HouseholdRow.community_id == community_id,
                HouseholdRow.building == building,
                HouseholdRow.unit == (unit or ""),
                HouseholdRow.room == room,
            )
        )
        return None if row is None else _household(row)

    async def add_code(
        self, code: str, household_id: int, created_by: int, now: datetime, expires_at: datetime
    ) -> None:
        self.s.add(
            HouseholdCodeRow(
                code=code, household_id=household_id, created_by=created_by,
                created_at=now, expires_at=expires_at,
            )
        )  # fmt: skip
        await self.s.flush()

    async def use_code(self, code: str, telegram_id: int, now: datetime) -> int | None:
        """Spend a code once (of any process); return its household's id."""
        result = await self.s.execute(
            update(HouseholdCodeRow)
            .where(
                HouseholdCodeRow.code == code,
                HouseholdCodeRow.used_at.is_(None),
                HouseholdCodeRow.expires_at > now,
            )
            .values(used_by=telegram_id, used_at=now)
        )
        assert isinstance(result, CursorResult)
        if not result.rowcount:
            return None
        return await self.s.scalar(
            select(HouseholdCodeRow.household_id).where(HouseholdCodeRow.code == code)
        )

    async def link(self, household_id: int, telegram_id: int, now: datetime) -> bool:
        """Link an account (moving it from another household of the community); the first
        account of a household is its voter. Return whether this account is the voter."""
        household = await self.s.get(HouseholdRow, household_id)
        assert household is not None
        await self.s.execute(
            delete(HouseholdMemberRow).where(
                HouseholdMemberRow.community_id == household.community_id,
                HouseholdMemberRow.telegram_id == telegram_id,
            )
        )
        has_voter = await self.s.scalar(
            select(func.count())
            .select_from(HouseholdMemberRow)
            .where(HouseholdMemberRow.household_id == household_id, HouseholdMemberRow.voter)
        )
        voter = not has_voter
        self.s.add(
            HouseholdMemberRow(
                household_id=household_id, community_id=household.community_id,
                telegram_id=telegram_id, voter=voter, linked_at=now,
            )
        )  # fmt: skip
        await self.s.flush()
        return voter

    async def memberships(self, telegram_id: int) -> list[MemberRecord]:
        """The households an account is linked to (one per community)."""
        rows = await self.s.execute(
            select(HouseholdMemberRow, HouseholdRow)
            .join(HouseholdRow, HouseholdRow.id == HouseholdMemberRow.household_id)
            .where(HouseholdMemberRow.telegram_id == telegram_id)
        )
        return [MemberRecord(_household(h), m.telegram_id, m.voter) for m, h in rows]

    async def members(self, household_id: int) -> list[MemberRecord]:
        rows = await self.s.execute(
            select(HouseholdMemberRow, HouseholdRow)
            .join(HouseholdRow, HouseholdRow.id == HouseholdMemberRow.household_id)
            .where(HouseholdMemberRow.household_id == household_id)
            .order_by(HouseholdMemberRow.linked_at, HouseholdMemberRow.id)
        )
        return [MemberRecord(_household(h), m.telegram_id, m.voter) for m, h in rows]

    async def set_voter(self, household_id: int, telegram_id: int) -> bool:
        """Make a linked account the household's voter; False when it is not linked to it."""
        linked = await self.s.scalar(
            select(HouseholdMemberRow.id).where(
                HouseholdMemberRow.household_id == household_id,
                HouseholdMemberRow.telegram_id == telegram_id,
            )
        )
        if linked is None:
            return False
        await self.s.execute(
            update(HouseholdMemberRow)
            .where(HouseholdMemberRow.household_id == household_id)
            .values(voter=HouseholdMemberRow.telegram_id == telegram_id)
        )
        return True

    async def voters(self, community_id: int) -> dict[int, int]:
        """household id → its voter's Telegram id, for every household of a community."""
        rows = await self.s.execute(
            select(HouseholdMemberRow.household_id, HouseholdMemberRow.telegram_id).where(
                HouseholdMemberRow.community_id == community_id, HouseholdMemberRow.voter
            )
        )
        return {int(h): int(t) for h, t in rows}


def _consultation(row: ConsultationRow) -> ConsultationRecord:
    return ConsultationRecord(
        id=row.id,
        community_id=row.community_id,
        question=row.question,
        options=tuple(row.options),
        buildings=tuple(row.buildings),
        voters=row.voters,
        rule=row.rule,
        secret=row.secret,
        deadline=row.deadline,
        remind_at=row.remind_at,
        created_by=row.created_by,
        update_id=row.update_id,
        closed_at=row.closed_at,
        result=row.result,
    )


class SqlConsultationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, c: ConsultationRecord, now: datetime) -> int:
        """Store a consultation once per update; return its id (also when stored before)."""
        stmt = (
            _insert(self.s, ConsultationRow)
            .values(
                community_id=c.community_id, question=c.question, options=list(c.options),
                buildings=list(c.buildings), voters=c.voters, rule=c.rule, secret=c.secret,
                deadline=c.deadline, remind_at=c.remind_at, created_by=c.created_by,
                update_id=c.update_id, created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )  # fmt: skip
        await self.s.execute(stmt)
        found = await self.s.scalar(
            select(ConsultationRow.id).where(ConsultationRow.update_id == c.update_id)
        )
        assert found is not None
        return int(found)

    async def get(self, consultation_id: int) -> ConsultationRecord | None:
        row = await self.s.get(ConsultationRow, consultation_id)
        return None if row is None else _consultation(row)

    async def open_of_community(self, community_id: int) -> list[ConsultationRecord]:
        rows = await self.s.scalars(
            select(ConsultationRow)
            .where(
                ConsultationRow.community_id == community_id, ConsultationRow.closed_at.is_(None)
            )
            .order_by(ConsultationRow.deadline)
        )
        return [_consultation(r) for r in rows]

    async def cast(
        self, consultation_id: int, household_id: int, option: int, paper: bool, cast_by: int,
        now: datetime,
    ) -> int | None:  # fmt: skip
        """Store a household's ballot, replacing its earlier one; return the option it
        replaced (None for a first ballot)."""
        before = await self.s.scalar(
            select(BallotRow.option).where(
                BallotRow.consultation_id == consultation_id,
                BallotRow.household_id == household_id,
            )
        )
        stmt = _insert(self.s, BallotRow).values(
            consultation_id=consultation_id, household_id=household_id, option=option,
            paper=paper, cast_by=cast_by, cast_at=now, changes=0,
        )  # fmt: skip
        stmt = stmt.on_conflict_do_update(
            index_elements=["consultation_id", "household_id"],
            set_={
                "option": option,
                "paper": paper,
                "cast_by": cast_by,
                "cast_at": now,
                "changes": BallotRow.changes + 1,
            },
        )
        await self.s.execute(stmt)
        return before

    async def ballots(self, consultation_id: int) -> list[BallotRecord]:
        rows = await self.s.scalars(
            select(BallotRow)
            .where(BallotRow.consultation_id == consultation_id)
            .order_by(BallotRow.cast_at, BallotRow.id)
        )
        return [
            BallotRecord(r.household_id, r.option, r.paper, r.cast_by, r.cast_at, r.changes)
            for r in rows
        ]

    async def claim_reminders(self, now: datetime) -> list[ConsultationRecord]:
        """Open consultations whose reminder is due, each claimed once."""
        return await self._claim(
            ConsultationRow.remind_at <= now,
            ConsultationRow.reminded_at.is_(None),
            values={"reminded_at": now},
        )

    async def claim_closing(self, now: datetime) -> list[ConsultationRecord]:
        """Open consultations past their deadline, each claimed (closed) once."""
        return await self._claim(ConsultationRow.deadline <= now, values={"closed_at": now})

    async def _claim(self, *due: object, values: dict[str, datetime]) -> list[ConsultationRecord]:
        ids = list(
            await self.s.scalars(
                select(ConsultationRow.id)
                .where(ConsultationRow.closed_at.is_(None), *due)  # type: ignore[arg-type]
                .order_by(ConsultationRow.deadline)
                .limit(20)
            )
        )
        claimed = []
        for consultation_id in ids:
            result = await self.s.execute(
                update(ConsultationRow)
                .where(
                    ConsultationRow.id == consultation_id,
                    ConsultationRow.closed_at.is_(None),
                    *due,  # type: ignore[arg-type]
                )
                .values(**values)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount:
                row = await self.s.get(ConsultationRow, consultation_id, populate_existing=True)
                assert row is not None
                claimed.append(_consultation(row))
        return claimed

    async def save_result(self, consultation_id: int, result: dict[str, object]) -> None:
        await self.s.execute(
            update(ConsultationRow)
            .where(ConsultationRow.id == consultation_id)
            .values(result=result)
        )

"""What storage hands the households feature: households, linked accounts, consultations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.households.register import household_key


@dataclass(frozen=True)
class HouseholdRecord:
    id: int
    community_id: int
    building: str
    unit: str | None
    room: str
    status: str  # owner | tenant
    area: Decimal | None
    name: str | None = None
    phone: str | None = None

    @property
    def key(self) -> str:
        return household_key(self.building, self.unit, self.room)


@dataclass(frozen=True)
class MemberRecord:
    """A Telegram account linked to a household; one of them per household is the voter."""

    household: HouseholdRecord
    telegram_id: int
    voter: bool


@dataclass(frozen=True)
class RegisterReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ConsultationRecord:
    community_id: int
    question: str
    options: tuple[str, ...]
    buildings: tuple[str, ...]  # empty: the whole community
    voters: str  # owners | all
    rule: dict[str, Any]
    secret: bool
    deadline: datetime
    created_by: int
    update_id: int
    remind_at: datetime | None = None
    id: int = 0
    closed_at: datetime | None = None
    result: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BallotRecord:
    household_id: int
    option: int
    paper: bool
    cast_by: int
    cast_at: datetime
    changes: int


@dataclass(frozen=True)
class CareRecord:
    household: HouseholdRecord
    reason: str
    note: str | None


@dataclass(frozen=True)
class CareRound:
    id: int
    community_id: int
    source_key: str
    kind: str
    buildings: tuple[str, ...]
    started_at: datetime
    report_at: datetime


@dataclass(frozen=True)
class CareCheck:
    care: CareRecord
    contacted_at: datetime | None
    contacted_by: int | None

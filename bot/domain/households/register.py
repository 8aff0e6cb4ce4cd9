"""The household register an admin writes in YAML (or CSV): building / unit / room, owner or
tenant, optional floor area; names and phones are optional and never leave a private chat."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from bot.domain.households.care import CareSpec
from bot.domain.registry import NUMBER_CHARS, PERSON_NAME_CHARS, PHONE_CHARS
from bot.yamlio import StrictModel

Number = Annotated[str, Field(min_length=1, max_length=NUMBER_CHARS)]
_KEY = re.compile(r"^\s*([^\s\-/]+)(?:[-/]([^\s\-/]+))?[-/]([^\s\-/]+)\s*$")


class Status(StrEnum):
    OWNER = "owner"
    TENANT = "tenant"


class HouseholdSpec(StrictModel):
    building: Number
    unit: Number | None = None
    room: Number
    status: Status = Status.OWNER
    # square metres of the exclusive part (专有部分面积), for decisions weighted by area
    area: Decimal | None = Field(default=None, gt=0, le=100_000, decimal_places=2)
    name: str | None = Field(default=None, max_length=PERSON_NAME_CHARS)
    phone: str | None = Field(default=None, max_length=PHONE_CHARS)
    # on the care list (关爱名单), only with the consent noted
    care: CareSpec | None = None

    @field_validator("building", "unit", "room", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @property
    def key(self) -> str:
        return household_key(self.building, self.unit, self.room)


class HouseholdFile(StrictModel):
    community: str = Field(min_length=1, max_length=16)
    households: tuple[HouseholdSpec, ...] = ()


def household_key(building: str, unit: str | None, room: str) -> str:
    """How people write a household: 3-2-401 (building-unit-room) or 3-401 without units."""
    return f"{building}-{unit}-{room}" if unit else f"{building}-{room}"


def parse_key(text: str) -> tuple[str, str | None, str] | None:
    """Read 3-2-401, 3/2/401 or 3-401 as (building, unit, room); None when it is none."""
    match = _KEY.match(text)
    if match is None:
        return None
    building, unit, room = match.groups()
    return building, unit, room


def duplicate_problems(
    households: tuple[HouseholdSpec, ...],
) -> list[tuple[tuple[int | str, ...], str]]:
    """Each household once: a second row for the same room is an error at its line."""
    seen: dict[str, int] = {}
    problems: list[tuple[tuple[int | str, ...], str]] = []
    for index, household in enumerate(households):
        first = seen.setdefault(household.key, index)
        if first != index:
            problems.append(
                (("households", index), f"{household.key} is listed twice (also item {first})")
            )
    return problems

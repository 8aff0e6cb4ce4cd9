"""The care list (关爱名单): households with someone who needs a check when the water, power,
gas or lift is cut – kept only with the consent noted, seen only by the committee (admins),
the grid worker of the building's grid and the building's leader (pure)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from bot.domain.records import PersonInfo
from bot.domain.registry import Role
from bot.yamlio import StrictModel

NOTE_CHARS = 200


class CareReason(StrEnum):
    ELDERLY_ALONE = "elderly_alone"  # 独居老人
    DISABLED = "disabled"  # 残疾
    ILL = "ill"  # 重病
    OTHER = "other"


class CareSpec(StrictModel):
    reason: CareReason
    consent: date  # the day the resident (or their guardian) agreed to be on the list
    note: str | None = Field(default=None, max_length=NOTE_CHARS)  # e.g. who else to call


def may_see(person: PersonInfo, building: str, grid: str | None) -> bool:
    """The committee, the grid worker of the building's grid, the building's own leader."""
    if not person.active or person.telegram_id is None:
        return False
    if person.has_role(Role.ADMIN):
        return True
    if person.has_role(Role.GRID_WORKER) and grid is not None and grid in person.grids:
        return True
    return person.has_role(Role.BUILDING_LEADER) and building in person.buildings

"""Who a consultation asks and which groups hear of it (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.households.records import ConsultationRecord, HouseholdRecord
from bot.domain.households.rule import Elector
from bot.domain.records import BuildingInfo, ChatInfo


def in_scope(consultation: ConsultationRecord, household: HouseholdRecord) -> bool:
    """Whether a household is asked: in the buildings (or any) and an owner when owners vote."""
    if consultation.buildings and household.building not in consultation.buildings:
        return False
    return consultation.voters == "all" or household.status == "owner"


def electorate(
    consultation: ConsultationRecord, households: Iterable[HouseholdRecord]
) -> list[Elector]:
    return [Elector(h.id, h.area) for h in households if in_scope(consultation, h)]


def groups_in_scope(
    consultation: ConsultationRecord, chats: Iterable[ChatInfo], buildings: Iterable[BuildingInfo]
) -> list[int]:
    """The bound groups of the buildings asked (a grid's groups when a building of it is; the
    community's groups when everyone is)."""
    scope = set(consultation.buildings)
    grids = {b.grid for b in buildings if b.number in scope and b.grid is not None}
    chosen = []
    for chat in chats:
        if not chat.is_bound:
            continue
        kind, ref = chat.coverage_kind, chat.coverage_ref
        if (
            not scope
            or (kind in ("building", "unit") and ref in scope)
            or (kind == "grid" and ref in grids)
        ):
            chosen.append(chat.chat_id)
    return sorted(chosen)

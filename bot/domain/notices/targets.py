"""Who a notice reaches: turn a target (community, grids, buildings, units) into chat ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import field_validator, model_validator

from bot.yamlio import StrictModel

__all__ = ["ChatCoverage", "ChatKind", "Target", "resolve_targets", "unit_ref"]

ChatKind = Literal["building", "unit", "grid", "community"]


def unit_ref(building: str, unit: str) -> str:
    """Name one unit of one building the way targets write it: "3-2" is building 3, unit 2."""
    return f"{building}-{unit}"


@dataclass(frozen=True)
class ChatCoverage:
    """Which part of the community one group chat covers.

    building chat: building=<code> (ref may repeat it); unit chat: building=<code>, ref=<unit>
    (or "<building>-<unit>"); grid chat: ref=<grid code>; community chat: ref None.
    `grid` is the micro-grid the chat's building belongs to, when known.
    """

    chat_id: int
    kind: ChatKind
    ref: str | None = None
    grid: str | None = None
    building: str | None = None

    def building_code(self) -> str | None:
        """Return the building this chat belongs to, if it is a building or unit chat."""
        if self.building is not None:
            return self.building
        if self.kind == "building":
            return self.ref
        if self.kind == "unit" and self.ref and "-" in self.ref:
            return self.ref.split("-", 1)[0]
        return None

    def unit_code(self) -> str | None:
        """Return "<building>-<unit>" for a unit chat."""
        if self.kind != "unit" or self.ref is None:
            return None
        if "-" in self.ref:
            return self.ref
        building = self.building_code()
        return unit_ref(building, self.ref) if building is not None else None


def _as_str_tuple(value: Any) -> Any:
    # Admins write `buildings: [65, 66]`; YAML reads those as numbers.
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, (list, tuple)):
        return tuple(
            str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value
        )
    return value


class Target(StrictModel):
    """The audience of a notice; several parts add up, and no chat is sent the notice twice."""

    community: bool = False
    grids: tuple[str, ...] = ()
    buildings: tuple[str, ...] = ()
    units: tuple[str, ...] = ()  # "3-2" = building 3, unit 2
    chats: tuple[int, ...] = ()

    @field_validator("grids", "buildings", "units", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _as_str_tuple(value)

    @field_validator("units")
    @classmethod
    def _unit_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for unit in value:
            building, sep, number = unit.partition("-")
            if not sep or not building or not number:
                raise ValueError(f"unit {unit!r}: write building-unit, e.g. 3-2 / 单元请写成 3-2")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Target:
        if not (self.community or self.grids or self.buildings or self.units or self.chats):
            raise ValueError("a target needs at least one audience / 请至少指定一个发送对象")
        return self


def resolve_targets(target: Target, chats: Sequence[ChatCoverage]) -> list[int]:
    """List the chat ids a target reaches, in coverage order, each once.

    A building reaches its building group(s) and its unit groups; a grid reaches the groups of
    its buildings (and its own grid group); a unit reaches its unit group, or the building
    group when the unit has none; the community reaches every chat.
    """
    grids = set(target.grids)
    buildings = set(target.buildings)
    units = set(target.units)
    units_with_chat = {c.unit_code() for c in chats if c.kind == "unit"} & units
    # A targeted unit without a unit group of its own is reached through its building's group.
    fallback_buildings = {u.split("-", 1)[0] for u in units - units_with_chat}

    out: list[int] = []
    seen: set[int] = set()

    def add(chat_id: int) -> None:
        if chat_id not in seen:
            seen.add(chat_id)
            out.append(chat_id)

    for chat in chats:
        if _reaches(chat, target.community, grids, buildings, units, fallback_buildings):
            add(chat.chat_id)
    for chat_id in target.chats:
        add(chat_id)
    return out


def _reaches(
    chat: ChatCoverage,
    community: bool,
    grids: set[str],
    buildings: set[str],
    units: set[str],
    fallback_buildings: set[str],
) -> bool:
    if community:
        return True
    if chat.kind == "grid":
        return chat.ref in grids
    if chat.kind == "community":
        return False
    building = chat.building_code()
    if (chat.grid is not None and chat.grid in grids) or building in buildings:
        return True
    if chat.kind == "unit":
        return chat.unit_code() in units
    return building in fallback_buildings

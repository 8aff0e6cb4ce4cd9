"""Which group chats a notice reaches: community, grids, buildings, units and listed chats."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.domain.notices.targets import ChatCoverage, Target, resolve_targets
from bot.yamlio import load_model_text

GRID = {"1": "G1", "2": "G1", "3": "G1", "5": "G1", "6": "G2", "8": "G2", "65": "G2", "171": "G2"}

# The demo community: one group per building plus the whole-community group, and (for these
# tests) unit groups for building 3.
CHATS = [
    ChatCoverage(-1001000, "community"),
    *(
        ChatCoverage(-1001000 - int(b), "building", ref=b, grid=g, building=b)
        for b, g in GRID.items()
    ),
    ChatCoverage(-1003001, "unit", ref="1", grid="G1", building="3"),
    ChatCoverage(-1003002, "unit", ref="2", grid="G1", building="3"),
]


def test_community_reaches_every_chat_once() -> None:
    found = resolve_targets(Target(community=True, buildings=("3",)), CHATS)
    assert sorted(found) == sorted(c.chat_id for c in CHATS)
    assert len(found) == len(set(found))


def test_building_reaches_its_group_and_its_unit_groups() -> None:
    assert resolve_targets(Target(buildings=("3",)), CHATS) == [-1001003, -1003001, -1003002]


def test_building_without_unit_groups_reaches_its_one_group() -> None:
    assert resolve_targets(Target(buildings=("65", "171")), CHATS) == [-1001065, -1001171]


def test_grid_reaches_the_groups_of_its_buildings() -> None:
    assert resolve_targets(Target(grids=("G2",)), CHATS) == [
        -1001006,
        -1001008,
        -1001065,
        -1001171,
    ]


def test_unit_reaches_its_unit_group_only() -> None:
    assert resolve_targets(Target(units=("3-2",)), CHATS) == [-1003002]


def test_unit_without_a_group_falls_back_to_its_building_group() -> None:
    assert resolve_targets(Target(units=("65-1",)), CHATS) == [-1001065]


def test_overlapping_parts_never_send_twice() -> None:
    target = Target(grids=("G1",), buildings=("3", "65"), units=("3-1",), chats=(-1001003, 42))
    found = resolve_targets(target, CHATS)
    assert len(found) == len(set(found))
    assert set(found) == {-1001001, -1001002, -1001003, -1001005, -1003001, -1003002, -1001065, 42}
    assert found[-1] == 42  # listed chats come after the covered ones


def test_grid_group_is_reached_by_its_grid() -> None:
    chats = [*CHATS, ChatCoverage(-1002001, "grid", ref="G1")]
    assert -1002001 in resolve_targets(Target(grids=("G1",)), chats)
    assert -1002001 not in resolve_targets(Target(grids=("G2",)), chats)


def test_target_loads_from_yaml_with_numbers_for_buildings() -> None:
    target = load_model_text("buildings: [65, 66]\nunits: ['3-2']\n", Target)
    assert target.buildings == ("65", "66")
    assert target.units == ("3-2",)


def test_an_empty_target_or_a_badly_written_unit_is_refused() -> None:
    with pytest.raises(ValidationError):
        Target()
    with pytest.raises(ValidationError, match="3-2"):
        Target(units=("32",))

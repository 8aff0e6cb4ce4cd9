"""The one reading of resident text: traditional characters, full width, emoji, zero-width
characters and typing slips come out the same for intake, locations and the FAQ."""

from __future__ import annotations

import pytest

from bot.domain.intake.classify import classify
from bot.domain.intake.location import BuildingRef
from bot.domain.text import normalise_text
from bot.intake_files import load_rules

BUILDINGS = [BuildingRef(n, (), ("1", "2", "3")) for n in ("1", "2", "3", "5", "6", "8", "65")]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("六號樓三樓有煙味", "六号楼三楼有烟味"),
        ("著火了！快來", "着火了!快来"),
        ("聞到煤氣味", "闻到煤气味"),
        ("著火了", "着火了"),  # 著 alone is simplified too (显著): the word is a slip
        ("顯著的裂縫", "显著的裂缝"),
        ("显著的裂缝", "显著的裂缝"),
        ("３号楼２单元", "3号楼2单元"),
        ("🔥🔥着火了", " 着火了"),
        ("电\u200b梯", "电梯"),
        ("电悌坏了", "电梯坏了"),
        ("水管暴了", "水管爆了"),
    ],
)
def test_text_is_read_one_way(typed: str, read: str) -> None:
    assert normalise_text(typed) == read


def test_traditional_reports_are_understood_like_simplified_ones() -> None:
    rules = load_rules()
    smoke = classify("六號樓三樓有煙味", rules, BUILDINGS)
    assert (smoke.building, smoke.level, smoke.category) == ("6", 1, "fire_safety")
    assert classify("著火了！快來", rules, BUILDINGS).level == 1
    gas = classify("聞到煤氣味", rules, BUILDINGS)
    assert (gas.level, gas.category) == (1, "gas")


def test_rooms_read_digit_by_digit() -> None:
    found = classify("3号楼五零二家里漏水了", load_rules(), BUILDINGS)
    assert (found.building, found.room) == ("3", "502")

"""Staff corrections of what intake understood: levels and categories in the words staff use."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.tickets.correction import Correction, read_correction

LABELS = {
    "water_leak": ["漏水渗水", "water leak"],
    "water_supply": ["供水水压", "water supply"],
    "elevator": ["电梯", "lift"],
    "gas": ["燃气", "gas"],
}


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["紧急"], Correction(level=1)),
        (["1"], Correction(level=1)),
        (["复杂"], Correction(level=3)),
        (["漏水"], Correction(category="water_leak")),  # part of one name
        (["漏水渗水", "紧急"], Correction(level=1, category="water_leak")),
        (["elevator"], Correction(category="elevator")),  # the code
        (["Lift", "urgent"], Correction(level=1, category="elevator")),
    ],
)
def test_levels_and_categories_are_read_as_staff_write_them(
    words: list[str], expected: Correction
) -> None:
    assert read_correction(words, LABELS) == expected


@pytest.mark.parametrize("words", [["水"], ["修一下"], [""], []])
def test_an_unclear_or_ambiguous_word_is_refused(words: list[str]) -> None:
    # 水 is in two names (漏水渗水, 供水水压) and too short to choose: refused, nothing guessed
    with pytest.raises(InvalidInput):
        read_correction(words, LABELS)

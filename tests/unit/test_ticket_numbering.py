"""Ticket numbers are short, per community, and typed back in many ways."""

from __future__ import annotations

import pytest

from bot.domain.tickets import TicketNumber, format_number, parse_number


def test_numbers_are_zero_padded_with_the_community_code() -> None:
    assert format_number("A", 42) == "A-0042"
    assert format_number("b", 7) == "B-0007"
    assert format_number("A", 12345) == "A-12345"


def test_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        format_number("A", 0)


@pytest.mark.parametrize(
    "typed", ["#A-0042", "A-0042", "a-42", "A0042", "A 42", "＃A－0042", " #A-42 "]
)
def test_what_people_type_is_understood(typed: str) -> None:
    assert parse_number(typed) == TicketNumber("A", 42)


def test_a_bare_number_has_no_community() -> None:
    assert parse_number("#42") == TicketNumber(None, 42)
    assert parse_number("42") == TicketNumber(None, 42)


@pytest.mark.parametrize("typed", ["", "A-", "hello", "#A-0", "3号楼"])
def test_other_text_is_not_a_number(typed: str) -> None:
    assert parse_number(typed) is None

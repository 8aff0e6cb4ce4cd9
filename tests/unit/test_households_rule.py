"""The rule of a consultation decides at its boundaries exactly as 《民法典》第278条 reads."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from bot.domain.households.rule import PRESETS, Ballot, Elector, Rule, Threshold, count

YES, NO, ABSTAIN = 0, 1, 2


def electorate(n: int, area: str | None = "90") -> list[Elector]:
    return [Elector(i, Decimal(area) if area else None) for i in range(1, n + 1)]


def ballots(yes: int, no: int = 0, abstain: int = 0, start: int = 1) -> list[Ballot]:
    votes = [YES] * yes + [NO] * no + [ABSTAIN] * abstain
    return [Ballot(start + i, option) for i, option in enumerate(votes)]


def test_exactly_two_thirds_taking_part_is_enough_and_one_household_less_is_not() -> None:
    rule = PRESETS["general"]
    passed = count(rule, 3, electorate(300), ballots(yes=200))
    assert passed.voted.households == 200 and passed.participation_met and passed.passed
    failed = count(rule, 3, electorate(300), ballots(yes=199))
    assert not failed.participation_met and not failed.passed


def test_two_thirds_of_households_but_not_of_area_fails() -> None:
    rule = PRESETS["general"]
    homes = electorate(3)
    big = Elector(4, Decimal("300"))  # one large flat holds most of the area
    result = count(rule, 3, [*homes, big], ballots(yes=3))
    assert Fraction(3, 4) > Fraction(2, 3)  # 3 of 4 households take part …
    assert result.voted.area == 270 and result.electorate.area == 570  # … but under half the area
    assert not result.participation_met


def test_general_matters_need_more_than_half_exactly_half_fails() -> None:
    rule = PRESETS["general"]
    half = count(rule, 3, electorate(6), ballots(yes=3, no=3))
    assert half.participation_met and not half.approval_met
    more = count(rule, 3, electorate(6), ballots(yes=4, no=2))
    assert more.passed


def test_major_matters_need_three_quarters_exactly_three_quarters_passes() -> None:
    rule = PRESETS["major"]
    exact = count(rule, 3, electorate(8), ballots(yes=6, no=2))
    assert exact.passed
    under = count(rule, 3, electorate(8), ballots(yes=5, no=2, abstain=1))
    assert under.participation_met and not under.approval_met


def test_abstaining_takes_part_and_counts_against_approval() -> None:
    result = count(PRESETS["general"], 3, electorate(4), ballots(yes=2, abstain=1))
    assert result.voted.households == 3 and result.participation_met
    assert result.approval_met  # 2 of 3 taking part is more than half …
    result = count(PRESETS["general"], 3, electorate(4), ballots(yes=2, abstain=2))
    assert not result.approval_met  # … 2 of 4 is not: abstaining is not agreeing


def test_the_last_ballot_of_a_household_counts_once() -> None:
    changed = [Ballot(1, NO), Ballot(2, YES), Ballot(1, YES)]
    result = count(PRESETS["survey"], 3, electorate(2), changed)
    assert result.voted.households == 2
    assert [s.households for s in result.options] == [2, 0, 0]


def test_ballots_of_households_outside_the_electorate_are_ignored_and_said_so() -> None:
    result = count(PRESETS["survey"], 3, electorate(2), [Ballot(1, YES), Ballot(99, NO)])
    assert result.voted.households == 1 and result.ignored == 1


def test_paper_ballots_are_counted_and_counted_as_paper() -> None:
    result = count(PRESETS["survey"], 3, electorate(3), [Ballot(1, YES, paper=True)])
    assert result.options[YES].households == 1 and result.paper == 1


def test_households_without_area_are_named_in_the_count() -> None:
    result = count(PRESETS["general"], 3, electorate(3, area=None), ballots(yes=3))
    assert result.without_area == 3
    assert not result.participation_met  # no area known: area participation cannot be shown


def test_a_rule_is_data_read_from_fractions_written_as_text() -> None:
    rule = Rule.model_validate(
        {"participation": {"share": "2/3"}, "approval": {"share": "1/2", "strict": True}}
    )
    assert rule.participation.share == Fraction(2, 3) and rule.approval.strict
    assert Rule.model_validate(rule.model_dump(mode="json")) == rule
    with pytest.raises(ValueError):
        Threshold(share="3/2")


def test_nobody_voting_in_an_empty_electorate_passes_nothing() -> None:
    result = count(PRESETS["general"], 3, [], [])
    assert not result.passed

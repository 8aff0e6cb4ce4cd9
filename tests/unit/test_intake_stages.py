"""Each stage of the classifier on its own: reading, cues, emergencies, claims, intent, level."""

from __future__ import annotations

import pytest

from bot.domain.intake.reading import (
    Hit,
    Message,
    clause_bounds,
    longest_first,
    normalise,
    read_message,
)
from bot.domain.intake.stages import (
    OTHER,
    QUESTION,
    REPORT,
    CategoryChoice,
    Cues,
    Emergencies,
    choose_category,
    choose_intent,
    choose_level,
    claim_categories,
    find_emergencies,
    list_evidence,
    read_cues,
)
from bot.intake_files import load_rules

RULES = load_rules()


def message(text: str) -> Message:
    return read_message(text, RULES)


def cues(text: str) -> Cues:
    return read_cues(message(text), RULES)


def emergencies(text: str) -> Emergencies:
    m = message(text)
    return find_emergencies(m, RULES, read_cues(m, RULES))


def claims(text: str) -> dict[str, tuple[str, ...]]:
    m = message(text)
    c = read_cues(m, RULES)
    return dict(claim_categories(m, RULES, c, find_emergencies(m, RULES, c).worries))


# -- reading --------------------------------------------------------------------------------


def test_normalise_makes_full_width_half_width_lower_case_and_trimmed() -> None:
    assert normalise("  ＡＢＣ，煤气味！ ") == "abc,煤气味!"


def test_clause_bounds_split_at_punctuation_and_spaces() -> None:
    assert clause_bounds("灯坏了,修好了") == ((0, 3), (4, 7))
    assert clause_bounds("  灯坏了 ") == ((2, 5),)
    assert clause_bounds("") == ()


def test_read_message_keeps_the_longest_negations_first() -> None:
    m = message("电梯坏了，不过已经修好了")
    assert m.text == "电梯坏了,不过已经修好了"
    assert m.clauses == ((0, 4), (5, 12))
    assert m.negations.index("没有") < m.negations.index("没")


def test_a_hit_right_after_a_negation_is_negated() -> None:
    assert message("没有烟").negated(Hit(2, 3, "烟"))
    assert not message("有烟").negated(Hit(1, 2, "烟"))


def test_a_clause_that_says_the_problem_was_solved_is_resolved() -> None:
    m = message("电梯坏了已经修好了")
    problem, done = Hit(2, 4, "坏了"), Hit(6, 9, "修好了")
    assert m.resolved_clause([done], [problem], problem.start)
    # trouble after the fix is new trouble
    again = message("修好了又坏了")
    assert not again.resolved_clause([Hit(0, 3, "修好了")], [Hit(4, 6, "坏了")], 4)


def test_longest_first_drops_a_shorter_match_inside_a_longer_one() -> None:
    long, short, apart = Hit(0, 7, "电瓶车推进电梯"), Hit(5, 7, "电梯"), Hit(8, 10, "漏水")
    kept = longest_first([(short, "elevator"), (long, "ebike_charging"), (apart, "water_leak")])
    assert kept == [(long, "ebike_charging"), (apart, "water_leak")]


# -- cues -----------------------------------------------------------------------------------


def test_read_cues_finds_problems_questions_and_who_writes() -> None:
    found = cues("帮我妈问一下，电梯坏了找谁修？")
    assert [h.word for h in found.who_to_ask] == ["找谁"]
    assert "坏了" in [h.word for h in found.live_problem]
    assert found.on_behalf


def test_a_problem_in_a_solved_clause_is_not_live() -> None:
    found = cues("电梯坏了已经修好了")
    assert [h.word for h in found.resolved] == ["修好了"]
    assert found.problem and not found.live_problem


def test_negated_cues_are_dropped() -> None:
    assert [h.word for h in cues("还在漏").ongoing] == ["还在"]
    assert not cues("不漏").problem
    # the on-behalf cue keeps its hit after a negation word: 不 is not said about 我妈
    assert cues("不是我妈").on_behalf


# -- emergencies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "alarms", "worries"),
    [
        ("煤气味好重", {"gas": ("煤气味好重",)}, {}),
        ("万一着火了怎么办", {}, {"fire_safety": ("着火",)}),
        ("没有烟", {}, {}),
        ("打架的事情", {}, {"security": ("打架",)}),
        ("昨天着火的那家，现在一直有烟味", {"fire_safety": ("有烟",)}, {"fire_safety": ("着火",)}),
    ],
)
def test_find_emergencies_sorts_alarms_from_worries(
    text: str, alarms: dict[str, tuple[str, ...]], worries: dict[str, tuple[str, ...]]
) -> None:
    found = emergencies(text)
    assert (dict(found.alarms), dict(found.worries)) == (alarms, worries)


def test_the_longer_emergency_trigger_wins() -> None:
    assert set(emergencies("电箱在冒烟").alarms) == {"power"}


# -- category claims ------------------------------------------------------------------------


def test_the_longest_category_cue_claims_its_characters() -> None:
    assert claims("电瓶车推进电梯") == {"ebike_charging": ("电瓶车推进电梯",)}


def test_a_worried_emergency_word_names_its_category() -> None:
    assert claims("万一着火了怎么办") == {"fire_safety": ("着火",)}


def test_negated_and_solved_category_words_do_not_count() -> None:
    assert "power" not in claims("没停电")
    assert claims("电梯修好了") == {}
    assert claims("电梯修好了，楼道灯还不亮") == {"lighting": ("楼道灯", "不亮")}


# -- intent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alarms", "claimed", "text", "intent"),
    [
        ({"gas": ("煤气味",)}, {}, "请问煤气味怎么办", REPORT),
        ({}, {}, "温馨提示：请大家注意燃气安全", OTHER),
        ({}, {"lighting": ("灯",)}, "灯坏了找谁修", QUESTION),
        ({}, {"lighting": ("灯",)}, "灯坏了", REPORT),
        ({}, {"lighting": ("灯",)}, "灯是谁装的？", QUESTION),
        ({}, {"group_rental": ("群租",)}, "是不是群租？", REPORT),
        ({}, {}, "几点上班？", QUESTION),
        ({}, {}, "又坏了", REPORT),
        ({}, {}, "谢谢", OTHER),
    ],
)
def test_choose_intent(
    alarms: dict[str, tuple[str, ...]],
    claimed: dict[str, tuple[str, ...]],
    text: str,
    intent: str,
) -> None:
    assert choose_intent(alarms, claimed, cues(text)) == intent


# -- category and level ---------------------------------------------------------------------


def test_a_named_emergency_comes_first_and_a_bare_cry_for_help_last() -> None:
    got = choose_category(
        REPORT, {"other": ("救命",)}, {"elevator": ("电梯",), "lighting": ("灯",)}, RULES
    )
    assert got == CategoryChoice("elevator", ("lighting",), ("elevator", "lighting", "other"))
    gas = choose_category(REPORT, {"gas": ("漏气",)}, {"lighting": ("灯",)}, RULES)
    assert (gas.category, gas.others) == ("gas", ("lighting",))


def test_named_problems_follow_the_priority_of_the_rules() -> None:
    got = choose_category(REPORT, {}, {"noise": ("吵",), "water_leak": ("漏水",)}, RULES)
    assert (got.category, got.others) == ("water_leak", ("noise",))


def test_nothing_named_or_intent_other_is_category_other() -> None:
    assert choose_category(REPORT, {}, {}, RULES) == CategoryChoice("other", (), ())
    assert choose_category(OTHER, {}, {"noise": ("吵",)}, RULES).category == "other"


@pytest.mark.parametrize(
    ("intent", "category", "alarms", "text", "level"),
    [
        (REPORT, "gas", {"gas": ("漏气",)}, "漏气", 1),
        (REPORT, "elevator", {"other": ("救命",)}, "救命", 1),
        (REPORT, "lighting", {"gas": ("漏气",)}, "漏气", 2),  # the alarm is about another one
        (OTHER, "other", {}, "谢谢", 2),
        (REPORT, "group_rental", {}, "群租", 3),
        (REPORT, "noise", {}, "噪音好几个月了", 3),  # a complex matter
        (REPORT, "noise", {}, "噪音", 2),
    ],
)
def test_choose_level(
    intent: str, category: str, alarms: dict[str, tuple[str, ...]], text: str, level: int
) -> None:
    assert choose_level(intent, category, alarms, cues(text), RULES) == level


def test_list_evidence_names_emergencies_then_categories_then_cues() -> None:
    text = "燃气漏气了，楼道灯也不亮吗"
    m = message(text)
    c = read_cues(m, RULES)
    found = find_emergencies(m, RULES, c)
    claimed = claim_categories(m, RULES, c, found.worries)
    choice = choose_category(REPORT, found.alarms, claimed, RULES)
    assert list_evidence(found, claimed, choice, c) == (
        "emergency:gas:燃气漏气",
        "gas:燃气",
        "lighting:楼道灯",
        "lighting:不亮",
        "question:吗",
        "problem:不亮",
        "problem:漏",
    )

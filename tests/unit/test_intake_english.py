"""English messages: the common kinds of problem, emergencies and places are understood.

The messages here were written for these tests, as an English-speaking resident would write
them; the held-out intake round is never read for tuning.
"""

import pytest

from bot.domain.intake import BuildingRef, Classification, classify
from bot.domain.intake.language import reply_locale, written_in
from bot.domain.intake.location import parse_location
from bot.intake_files import load_rules

RULES = load_rules()
BUILDINGS = tuple(BuildingRef(n) for n in ("1", "2", "3", "5", "6", "8", "65", "171"))


def read(text: str, group: str | None = None) -> Classification:
    return classify(text, RULES, BUILDINGS, group)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("The light in the stairwell is broken", "lighting"),
        ("Water is leaking from my ceiling", "water_leak"),
        ("The elevator is not working again", "elevator"),
        ("There is no water since this morning", "water_supply"),
        ("The toilet is blocked", "drainage"),
        ("Power outage on our floor", "power"),
        ("The garbage has not been collected for days", "sanitation"),
        ("Dogs barking all night, too noisy", "noise"),
        ("Someone parked in my spot again", "parking"),
        ("The door entry card reader doesn't work", "doors_access"),
        ("Rats in the bin area", "pests_animals"),
        ("The fire extinguisher on floor 3 is missing", "fire_safety"),
    ],
)
def test_a_common_english_report_is_read_with_its_kind(text: str, category: str) -> None:
    got = read(text)
    assert (got.intent, got.category, got.level) == ("report", category, 2)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I smell gas in the kitchen!", "gas"),
        ("Fire! Smoke in the corridor", "fire_safety"),
        ("Someone is stuck in the lift", "elevator"),
        ("A pipe burst, water is gushing out", "water_leak"),
        ("The socket is sparking", "power"),
        ("An old man collapsed in the lobby and is not breathing", "other"),
    ],
)
def test_an_english_emergency_is_an_emergency(text: str, category: str) -> None:
    got = read(text)
    assert (got.intent, got.category, got.level) == ("report", category, 1)


@pytest.mark.parametrize(
    "text",
    [
        "What should I do if there is a fire?",  # a worry, not a fire
        "There is a fire drill on Saturday",
        "The smoke detector keeps beeping",
    ],
)
def test_an_english_worry_or_drill_is_no_emergency(text: str) -> None:
    assert read(text).level != 1


def test_english_questions_stay_questions() -> None:
    for text in ("Where can I charge my e-bike?", "How much is the parking fee?"):
        assert read(text).intent == "question", text


def test_thanks_for_a_fix_is_no_report() -> None:
    assert read("Thanks for fixing the lift so quickly").intent == "other"


def test_an_english_sentence_is_one_clause_so_a_worry_stays_a_worry() -> None:
    # "if" and "fire" are words apart: split at every space they would be in different clauses
    assert read("what do we do if the fire alarm goes off").level == 2


@pytest.mark.parametrize(
    ("text", "building", "unit", "room"),
    [
        ("The light in the stairwell of building 5 is broken", "5", None, None),
        ("Building 3, unit 2, room 402: water leaking", "3", "2", "402"),
        ("bldg. 65 flat 1202 no water", "65", None, "1202"),
        ("Block 8 lift is broken", "8", None, None),
    ],
)
def test_english_places_are_read(
    text: str, building: str, unit: str | None, room: str | None
) -> None:
    place = parse_location(text, BUILDINGS)
    assert (place.building, place.unit, place.room) == (building, unit, room)


def test_words_like_blocked_name_no_building() -> None:
    assert parse_location("the drain is blocked", BUILDINGS).building is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("@loudao_bot hello", "en"),
        ("The lift is broken", "en"),
        ("3号楼电梯坏了", "zh_CN"),
        ("WiFi 密码是多少", "zh_CN"),  # Chinese words with an English one are Chinese
        ("A座 3楼", "zh_CN"),
        ("401", None),
        ("👍", None),
        ("/report", None),
        ("A-0042", None),
    ],
)
def test_the_language_of_a_message_is_what_its_words_are_written_in(
    text: str, language: str | None
) -> None:
    assert written_in(text) == language


def test_a_message_without_words_is_answered_in_the_communitys_language() -> None:
    assert reply_locale("👍", "zh_CN") == "zh_CN"
    assert reply_locale("hello", "zh_CN") == "en"

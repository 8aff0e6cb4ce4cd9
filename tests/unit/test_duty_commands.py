"""What supervisors type: dates and periods for /cover and /leave, on/off for /workday, names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.duty.commands import (
    find_person,
    parse_day,
    parse_moment,
    parse_period,
    parse_switch,
)
from bot.domain.errors import InvalidInput
from bot.domain.records import PersonInfo

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 1)


def person(key: str, name: str, telegram_id: int) -> PersonInfo:
    return PersonInfo(1, 1, key, name, telegram_id, frozenset({"staff"}), frozenset(),
                      frozenset(), frozenset())  # fmt: skip


def test_days_in_the_ways_people_write_them() -> None:
    assert parse_day("2027-02-07", TODAY) == date(2027, 2, 7)
    assert parse_day("12-05", TODAY) == date(2026, 12, 5)
    assert parse_day("12/5", TODAY) == date(2026, 12, 5)
    assert parse_day("明天", TODAY) == date(2026, 12, 2)
    assert parse_day("today", TODAY) == TODAY


@pytest.mark.parametrize("text", ["12-32", "tomorrowish", "2026-13-01", ""])
def test_bad_dates_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_day(text, TODAY)
    assert err.value.key == "duty.error.bad_date"


def test_a_whole_day_period_includes_the_end_day_in_local_time() -> None:
    start, end = parse_period("12-05", "12-05", TODAY, SH)
    assert start == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # 12-05 00:00 Shanghai
    assert end == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # 12-06 00:00 Shanghai


def test_a_period_with_times_is_exact() -> None:
    start, end = parse_period("12-05T08:00", "12-05T17:30", TODAY, SH)
    assert (end - start).total_seconds() == 9.5 * 3600
    assert parse_moment("12-05 08:00", TODAY, SH, end=True) == start


def test_periods_backwards_or_too_long_are_refused() -> None:
    with pytest.raises(InvalidInput, match="end_before_start"):
        parse_period("12-06", "12-05", TODAY, SH)
    with pytest.raises(InvalidInput, match="too_long"):
        parse_period("2026-12-01", "2027-06-01", TODAY, SH)


def test_workday_switch_words() -> None:
    assert parse_switch("on") is True and parse_switch("上班") is True
    assert parse_switch("OFF") is False and parse_switch("休息") is False
    assert parse_switch("auto") is None
    with pytest.raises(InvalidInput):
        parse_switch("maybe")


def test_people_are_found_by_key_name_or_id_never_by_guessing() -> None:
    people = [person("zhou", "周师傅", 9008), person("zhang", "张师傅", 9003)]
    assert find_person(people, "ZHOU").telegram_id == 9008
    assert find_person(people, "张师傅").key == "zhang"
    assert find_person(people, "9003").key == "zhang"
    with pytest.raises(InvalidInput, match="unknown_person"):
        find_person(people, "师傅")

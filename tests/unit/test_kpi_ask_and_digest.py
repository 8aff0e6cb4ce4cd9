"""What admins type after /stats, and when the weekly digest is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.domain.kpi import Slice, month, week_of
from bot.domain.kpi.ask import Vocabulary, read_stats_words
from bot.domain.kpi.digest import DigestSpec, covered_week, due_slot, last_slot, next_slot

TZ = "Asia/Shanghai"
TODAY = date(2026, 12, 1)
WORDS = Vocabulary(
    grids=("G1",),
    buildings=("3", "5"),
    categories={"lighting": "lighting", "照明": "lighting"},
    staff={"刘师傅": 9004},
)


def test_this_month_by_default_and_a_period_with_a_slice_in_any_order():
    plain = read_stats_words("", TODAY, TZ, WORDS)
    assert not isinstance(plain, str) and plain.period == month(TODAY, TZ)
    ask = read_stats_words("3号楼 上周", TODAY, TZ, WORDS)
    assert not isinstance(ask, str)
    assert ask.period == week_of(date(2026, 11, 24), TZ)
    assert (ask.where, ask.scope) == (Slice(building="3"), ("building", "3"))


def test_each_kind_of_slice():
    def where(words: str) -> Slice:
        ask = read_stats_words(words, TODAY, TZ, WORDS)
        assert not isinstance(ask, str)
        return ask.where

    assert where("G1") == Slice(grid="G1")
    assert where("5栋") == Slice(building="5")
    assert where("一级") == Slice(level=1)
    assert where("照明") == Slice(category="lighting")
    assert where("刘师傅") == Slice(assignee_id=9004)


def test_a_range_with_spaces_is_one_period():
    ask = read_stats_words("2026-11-03 至 2026-11-09", TODAY, TZ, WORDS)
    assert not isinstance(ask, str) and ask.period.days == 7


def test_the_first_word_not_understood_is_returned():
    assert read_stats_words("上月 9号楼", TODAY, TZ, WORDS) == "9号楼"
    assert read_stats_words("3号楼 5号楼", TODAY, TZ, WORDS) == "5号楼"  # one slice at a time


def test_the_digest_slot_and_the_week_it_covers():
    spec = DigestSpec()  # Monday 09:00
    monday_0901 = datetime(2026, 12, 7, 1, 1, tzinfo=UTC)
    assert last_slot(spec, monday_0901, TZ) == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert due_slot(spec, monday_0901, TZ) == date(2026, 12, 7)
    before = datetime(2026, 12, 7, 0, 59, tzinfo=UTC)
    assert last_slot(spec, before, TZ) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert due_slot(spec, before, TZ) is None  # last Monday's is long past: skipped
    assert next_slot(spec, monday_0901, TZ) == datetime(2026, 12, 14, 1, 0, tzinfo=UTC)
    week = covered_week(date(2026, 12, 7), TZ)
    assert (week.first, week.last) == (date(2026, 11, 30), date(2026, 12, 6))


def test_a_digest_set_for_friday_evening_or_switched_off():
    friday = DigestSpec(weekday="friday", at=time(17, 30))
    saturday = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # Sat 09:00, 15.5 h after Friday 17:30
    assert last_slot(friday, saturday, TZ) == datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    assert due_slot(friday, saturday, TZ) is None
    assert due_slot(DigestSpec(enabled=False), datetime(2026, 12, 7, 1, 1, tzinfo=UTC), TZ) is None


def test_the_community_file_says_when_and_to_whom():
    import pytest
    from pydantic import ValidationError

    from bot.domain.kpi.digest import ReportsSpec

    spec = ReportsSpec.model_validate(
        {"digest": {"weekday": "friday", "at": "17:30", "chat": -1001234}}
    )
    assert (spec.digest.weekday, spec.digest.at, spec.digest.chat) == (
        "friday",
        time(17, 30),
        -1001234,
    )
    for wrong in ({"weekday": "funday"}, {"at": "25:00"}, {"to": []}, {"to": ["residents"]}):
        with pytest.raises(ValidationError):
            ReportsSpec.model_validate({"digest": wrong})

"""Points rules as the community file writes them, and the caps that cut an award."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from bot.domain.errors import InvalidInput
from bot.domain.points.activity import parse_activity
from bot.domain.points.board import board, due_board
from bot.domain.points.rules import PointRule, PointsSpec, Trigger, periods, within_caps


def spec(*rules: dict[str, object], unit: str = "person") -> PointsSpec:
    return PointsSpec.model_validate({"unit": unit, "rules": list(rules)})


def test_automatic_rules_are_found_by_their_event_and_the_rest_need_review() -> None:
    s = spec(
        {"key": "fixed", "name": "报修已解决", "points": 2, "auto": "ticket_confirmed"},
        {"key": "vote", "name": "参与征询", "points": 1, "auto": "ballot_cast"},
        {"key": "volunteer", "name": "志愿服务", "points": 5, "per_day": 10},
    )
    assert [r.key for r in s.on(Trigger.TICKET_CONFIRMED)] == ["fixed"]
    assert [r.key for r in s.on(Trigger.BALLOT_CAST)] == ["vote"]
    assert [r.key for r in s.reviewed()] == ["volunteer"]
    assert s.rule("volunteer") is not None and s.rule("nothing") is None


@pytest.mark.parametrize(
    "bad",
    [
        {"unit": "family", "rules": []},
        {"rules": [{"key": "a", "name": "x", "points": 0}]},
        {"rules": [{"key": "a", "name": "x", "points": 1, "auto": "sunshine"}]},
        {"rules": [{"key": "a b", "name": "x", "points": 1}]},
        {"rules": [{"key": "a", "name": "x", "points": 1, "per_day": 0}]},
        {
            "rules": [
                {"key": "a", "name": "x", "points": 1},
                {"key": "a", "name": "y", "points": 2},
            ]
        },
        {"rules": [{"key": "a", "name": "x", "points": 1, "every": "day"}]},
    ],
)
def test_a_wrong_rule_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PointsSpec.model_validate(bad)


def rule(points: int, per_day: int | None = None, per_month: int | None = None) -> PointRule:
    return PointRule(key="r", name="r", points=points, per_day=per_day, per_month=per_month)


def test_an_award_is_cut_to_what_the_daily_and_monthly_caps_leave() -> None:
    assert within_caps(rule(5), 100, 1000) == 5  # no caps
    assert within_caps(rule(5, per_day=10), 0, 0) == 5
    assert within_caps(rule(5, per_day=10), 7, 7) == 3
    assert within_caps(rule(5, per_day=10), 10, 10) == 0
    assert within_caps(rule(5, per_month=12), 0, 10) == 2
    assert within_caps(rule(5, per_day=10, per_month=12), 0, 12) == 0
    assert within_caps(rule(5, per_month=4), 0, 9) == 0  # never below nothing


def test_the_day_and_month_are_the_communitys_local_ones() -> None:
    # 2026-03-31 23:30 in Shanghai is 15:30 UTC: the day began 16:00 UTC the day before
    at = periods(datetime(2026, 3, 31, 15, 30, tzinfo=UTC), "Asia/Shanghai")
    assert at.day == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    assert at.month == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    # 16:30 UTC is already 1 April there: a new day and a new month
    at = periods(datetime(2026, 3, 31, 16, 30, tzinfo=UTC), "Asia/Shanghai")
    assert at.day == at.month == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def test_the_board_is_due_from_the_first_at_nine_and_covers_the_month_before() -> None:
    # 1 January 2027 08:59 in Shanghai is 00:59 UTC: not yet
    assert due_board(datetime(2027, 1, 1, 0, 59, tzinfo=UTC), "Asia/Shanghai") is None
    month = due_board(datetime(2027, 1, 1, 1, 0, tzinfo=UTC), "Asia/Shanghai")
    assert month is not None and month.first == date(2026, 12, 1)
    assert month.start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert month.end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    later = due_board(datetime(2027, 1, 20, 3, 0, tzinfo=UTC), "Asia/Shanghai")
    assert later == month  # the same month all January: claimed once


def test_only_those_who_opted_in_are_named_and_the_others_counted() -> None:
    totals = {("person", 1): 5, ("person", 2): 12, ("person", 3): 7, ("household", 4): 0}
    b = board(totals, {("person", 2): "张阿姨", ("person", 1): "小李"})
    assert [(s.name, s.points) for s in b.named] == [("张阿姨", 12), ("小李", 5)]
    assert b.others == 1  # person 3; nothing earned is not on the board


TUESDAY = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 1 December, 10:00 in Shanghai


def test_an_activity_is_read_with_its_time_places_points_and_building() -> None:
    ask = parse_activity("周六9:00 清理绿地 10人 5分", TUESDAY, "Asia/Shanghai")
    assert ask.starts_at == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # Saturday 09:00
    assert (ask.title, ask.places, ask.points, ask.building) == ("清理绿地", 10, 5, None)
    ask = parse_activity("明天 14:30 整理 图书角 3号楼 6人 2分", TUESDAY, "Asia/Shanghai")
    assert ask.starts_at == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
    assert (ask.title, ask.building) == ("整理 图书角", "3")
    ask = parse_activity("周二9:00 巡逻 4人 3分", TUESDAY, "Asia/Shanghai")  # 9:00 has passed
    assert ask.starts_at == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # next Tuesday
    ask = parse_activity("1月3日 9:00 写春联 20人 3分", TUESDAY, "Asia/Shanghai")
    assert ask.starts_at == datetime(2027, 1, 3, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("清理绿地 10人 5分", "points.activity.how"),  # no time
        ("周六9:00 清理绿地 5分", "points.activity.how"),  # no places
        ("周六9:00 10人 5分", "points.activity.how"),  # no title
        ("周六25:00 清理绿地 10人 5分", "points.activity.bad_time"),
        ("今天 8:00 清理绿地 10人 5分", "points.activity.past"),
        ("周六9:00 清理绿地 0人 5分", "points.activity.bad_numbers"),
    ],
)
def test_a_wrong_activity_is_refused_with_what_to_write(words: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_activity(words, TUESDAY, "Asia/Shanghai")
    assert refused.value.key == key

"""Deadlines per level (三级响应) on working time, and the SLA section of the YAML."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import ConfigFileError
from bot.domain.sla.deadlines import SlaDuration, SlaPolicy, Unit, compute_deadlines
from bot.yamlio import load_model_text, read_yaml, validate

SH = ZoneInfo("Asia/Shanghai")
EXAMPLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "roster.yaml"


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_level_1_runs_on_the_clock_day_and_night() -> None:
    policy = SlaPolicy()
    opened = sh(2026, 10, 3, 2, 10)  # National Day holiday, 02:10
    d = compute_deadlines(1, opened, policy, policy.calendar())
    assert d.acknowledge_by == sh(2026, 10, 3, 2, 15)
    assert d.respond_by == sh(2026, 10, 3, 2, 40)
    assert d.control_by == sh(2026, 10, 3, 4, 10)
    assert d.follow_up_by == sh(2026, 10, 4, 2, 10)
    assert d.resolve_by is None and d.plan_by is None
    assert d.acknowledge_by.tzinfo is UTC


def test_level_2_friday_evening_before_national_day_skips_holiday_and_uses_make_up_days() -> None:
    policy = SlaPolicy()
    cal = policy.calendar()
    # Friday 9/25 is already Mid-Autumn; next working days 9/28, 9/29, 9/30, then 10/8, 10/9
    d = compute_deadlines(2, sh(2026, 9, 25, 19, 30), policy, cal)
    assert d.acknowledge_by == sh(2026, 9, 28, 10, 30)
    assert d.respond_by == d.acknowledge_by
    assert d.resolve_by == sh(2026, 10, 9, 17, 30)
    # a week earlier the make-up Sunday 9/20 is a working day
    d = compute_deadlines(2, sh(2026, 9, 18, 19), policy, cal)
    assert d.acknowledge_by == sh(2026, 9, 20, 10, 30)


def test_level_2_resolution_counts_the_make_up_saturday() -> None:
    policy = SlaPolicy()
    d = compute_deadlines(2, sh(2026, 10, 9, 16), policy, policy.calendar())
    assert d.acknowledge_by == sh(2026, 10, 10, 9)  # Saturday 10/10 is a working day
    # 10/10 Sat, 10/12, 10/13, 10/14, 10/15
    assert d.resolve_by == sh(2026, 10, 15, 17, 30)


def test_level_3_acknowledge_next_working_day_and_plan_in_two_calendar_weeks() -> None:
    policy = SlaPolicy()
    d = compute_deadlines(3, sh(2026, 9, 30, 15), policy, policy.calendar())
    assert d.acknowledge_by == sh(2026, 10, 8, 17, 30)
    assert d.plan_by == sh(2026, 10, 14, 15)


def test_calendar_override_from_yaml_wins() -> None:
    policy = load_model_text("calendar_overrides:\n  2026-10-10: false\n", SlaPolicy)
    d = compute_deadlines(2, sh(2026, 10, 9, 16), policy, policy.calendar())
    assert d.acknowledge_by == sh(2026, 10, 12, 9)


def test_partial_level_keeps_other_defaults_and_null_switches_off() -> None:
    policy = load_model_text(
        "levels:\n  2: {resolve: 3wd}\n  1: {follow_up: null}\n"
        "working_hours: {start: '09:00', end: 18:00}\n",
        SlaPolicy,
    )
    assert policy.level(2).acknowledge == SlaDuration(2, Unit.WORKING_HOURS)
    assert policy.level(2).resolve == SlaDuration(3, Unit.WORKING_DAYS)
    assert policy.level(1).follow_up is None
    assert policy.level(3).plan == SlaDuration(14, Unit.DAYS)
    # unquoted 18:00 is what YAML 1.1 calls a number; it still means six in the evening
    assert policy.working_hours.end == time(18, 0)


def test_durations_in_words() -> None:
    assert SlaDuration.parse("2 working hours") == SlaDuration(2, Unit.WORKING_HOURS)
    assert SlaDuration.parse("5 working days") == SlaDuration(5, Unit.WORKING_DAYS)
    assert SlaDuration.parse("30 min") == SlaDuration(30, Unit.MINUTES)
    assert str(SlaDuration.parse("14 days")) == "14d"


def test_bad_duration_names_the_field() -> None:
    with pytest.raises(ConfigFileError) as info:
        load_model_text("remind_at: 0.8\nlevels:\n  2: {resolve: 3 weeks}\n", SlaPolicy, "c.yaml")
    assert info.value.field == "levels[2].resolve"
    assert "3 weeks" in info.value.message


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ConfigFileError) as info:
        load_model_text("remind_at: 0.8\nremind_after: 3\n", SlaPolicy, "c.yaml")
    assert info.value.line == 2


def test_as_dict_gives_iso_strings_for_set_deadlines() -> None:
    policy = SlaPolicy()
    d = compute_deadlines(3, sh(2026, 11, 23, 9), policy, policy.calendar())
    assert d.as_dict() == {
        "acknowledge_by": "2026-11-24T09:30:00+00:00",
        "respond_by": "2026-11-24T09:30:00+00:00",
        "plan_by": "2026-12-07T01:00:00+00:00",
    }


def test_example_sla_section_matches_the_defaults() -> None:
    doc = read_yaml(EXAMPLE)
    doc.data = doc.data["sla"]
    policy = validate(doc, SlaPolicy)
    assert policy == SlaPolicy()
    assert policy.calendar().is_workday(date(2026, 10, 10))

"""Schedule arithmetic for notices: rules, seasons, quiet hours, time zones, missed occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.domain.errors import InvalidInput
from bot.domain.notices.schedule import (
    Once,
    QuietHours,
    Recurring,
    SeasonWindow,
    apply_quiet_hours,
    due_occurrences,
    next_occurrence,
    occurrences_between,
    parse_friendly_rule,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- friendly rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "cron"),
    [
        ("每周一 09:00", "0 9 * * 1"),
        ("每周日 18:30", "30 18 * * 0"),
        ("每星期五 17:00", "0 17 * * 5"),
        ("每周一、三、五 8:00", "0 8 * * 1,3,5"),
        ("每月1日 10:00", "0 10 1 * *"),
        ("每月15号 9:30", "30 9 15 * *"),
        ("每月1日、15日 10:00", "0 10 1,15 * *"),
        ("每天 08:00", "0 8 * * *"),
        ("每日 7:05", "5 7 * * *"),
        ("工作日 09:00", "0 9 * * 1-5"),
        ("每天 8点半", "30 8 * * *"),
        ("每年6月1日 09:00", "0 9 1 6 *"),
        ("每周一\u300009:00", "0 9 * * 1"),
        ("每周一09：00", "0 9 * * 1"),
    ],
)
def test_friendly_rules_become_cron(rule: str, cron: str) -> None:
    assert parse_friendly_rule(rule) == cron


@pytest.mark.parametrize(
    "rule", ["每周八 09:00", "每月32日 10:00", "每天 25:00", "随便什么时候", "每周一", ""]
)
def test_unknown_rules_are_refused_with_a_key(rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_friendly_rule(rule)
    assert info.value.key.startswith("notice.bad_rule")


def test_recurring_needs_exactly_one_of_cron_or_rule() -> None:
    with pytest.raises(ValidationError):
        Recurring()
    with pytest.raises(ValidationError):
        Recurring(cron="0 9 * * 1", rule="每周一 09:00")
    with pytest.raises(ValidationError, match="cron"):
        Recurring(cron="every monday")
    with pytest.raises(ValidationError, match="每周一 09:00"):
        Recurring(rule="周一早上")


# --- next occurrence, time zones ---------------------------------------------------------------


def test_weekly_rule_fires_at_shanghai_time_whatever_the_host_zone() -> None:
    weekly = Recurring(rule="每周一 09:00")
    # 2026-11-22 is a Sunday; 09:00 in Shanghai on Monday is 01:00 UTC.
    assert next_occurrence(weekly, utc(2026, 11, 22, 3, 0), SH) == utc(2026, 11, 23, 1, 0)
    assert next_occurrence(weekly, utc(2026, 11, 23, 1, 0), SH) == utc(2026, 11, 30, 1, 0)


def test_daily_rule_near_utc_midnight_uses_the_local_date() -> None:
    daily = Recurring(rule="每天 08:00")
    # 23:30 UTC on the 22nd is already 07:30 on the 23rd in Shanghai.
    assert next_occurrence(daily, utc(2026, 11, 22, 23, 30), SH) == utc(2026, 11, 23, 0, 0)


def test_next_occurrence_is_returned_in_utc() -> None:
    found = next_occurrence(Recurring(cron="0 9 * * *"), sh(2026, 11, 22, 10, 0), SH)
    assert found is not None and found.utcoffset() == timedelta(0)
    assert found.astimezone(SH) == sh(2026, 11, 23, 9, 0)


def test_once_local_and_aware_times_agree() -> None:
    local = Once(at=datetime(2026, 12, 3, 8, 0))
    aware = Once(at=utc(2026, 12, 3, 0, 0))
    assert next_occurrence(local, utc(2026, 12, 1), SH) == utc(2026, 12, 3, 0, 0)
    assert next_occurrence(aware, utc(2026, 12, 1), SH) == utc(2026, 12, 3, 0, 0)
    assert next_occurrence(local, utc(2026, 12, 3, 0, 0), SH) is None


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(Recurring(rule="每天 08:00"), datetime(2026, 1, 1), SH)


def test_month_31_skips_months_without_a_31st() -> None:
    monthly = Recurring(rule="每月31日 10:00")
    found = occurrences_between(monthly, sh(2026, 1, 1), sh(2026, 8, 1), SH)
    assert [d.astimezone(SH).date() for d in found] == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
        date(2026, 7, 31),
    ]


def test_end_date_stops_a_recurring_notice() -> None:
    weekly = Recurring(rule="每周一 09:00", end_date=date(2026, 11, 30))
    assert next_occurrence(weekly, sh(2026, 11, 24), SH) == sh(2026, 11, 30, 9, 0)
    assert next_occurrence(weekly, sh(2026, 11, 30, 9, 0), SH) is None


# --- seasons ---------------------------------------------------------------------------------

FLOOD = Recurring(rule="每周五 17:00", season=SeasonWindow(start="6月1日", end="9月30日"))


def test_season_accepts_chinese_and_numeric_dates() -> None:
    assert SeasonWindow(start="6月1日", end="9月30日") == SeasonWindow(start="06-01", end="9-30")
    with pytest.raises(ValidationError):
        SeasonWindow(start="2月30日", end="3月1日")


def test_in_season_fires_every_friday() -> None:
    # 2026-06-05 and 2026-06-12 are Fridays.
    assert next_occurrence(FLOOD, sh(2026, 6, 1), SH) == sh(2026, 6, 5, 17, 0)
    assert next_occurrence(FLOOD, sh(2026, 6, 5, 17, 0), SH) == sh(2026, 6, 12, 17, 0)


def test_out_of_season_waits_for_next_year() -> None:
    # The last Friday of the 2026 season is 25 September; the next is the first in June 2027.
    assert next_occurrence(FLOOD, sh(2026, 9, 25, 17, 0), SH) == sh(2027, 6, 4, 17, 0)
    assert next_occurrence(FLOOD, sh(2026, 11, 22), SH) == sh(2027, 6, 4, 17, 0)


def test_season_wrapping_the_new_year() -> None:
    winter = Recurring(rule="每月1日 09:00", season=SeasonWindow(start="11-15", end="03-15"))
    found = occurrences_between(winter, sh(2026, 10, 1), sh(2027, 12, 31), SH)
    assert [(d.astimezone(SH).year, d.astimezone(SH).month) for d in found] == [
        (2026, 12),
        (2027, 1),
        (2027, 2),
        (2027, 3),
        (2027, 12),
    ]


def test_cron_that_never_falls_in_its_season_ends() -> None:
    never = Recurring(rule="每月31日 10:00", season=SeasonWindow(start="06-01", end="06-30"))
    assert next_occurrence(never, sh(2026, 1, 1), SH) is None


# --- quiet hours -----------------------------------------------------------------------------

QUIET = QuietHours()  # 21:00–07:30


def test_quiet_hours_shift_to_their_end_next_morning() -> None:
    assert apply_quiet_hours(sh(2026, 11, 22, 22, 15), QUIET, SH, urgent=False) == sh(
        2026, 11, 23, 7, 30
    )


def test_quiet_hours_after_midnight_shift_to_the_same_morning() -> None:
    assert apply_quiet_hours(sh(2026, 11, 23, 2, 0), QUIET, SH, urgent=False) == sh(
        2026, 11, 23, 7, 30
    )


def test_outside_quiet_hours_nothing_moves() -> None:
    assert apply_quiet_hours(sh(2026, 11, 23, 7, 30), QUIET, SH, urgent=False) == sh(
        2026, 11, 23, 7, 30
    )
    assert apply_quiet_hours(sh(2026, 11, 23, 20, 59), QUIET, SH, urgent=False) == sh(
        2026, 11, 23, 20, 59
    )


def test_urgent_notices_ignore_quiet_hours() -> None:
    assert apply_quiet_hours(sh(2026, 11, 22, 23, 0), QUIET, SH, urgent=True) == sh(
        2026, 11, 22, 23, 0
    )


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0))
    assert apply_quiet_hours(sh(2026, 11, 22, 13, 0), lunch, SH, urgent=False) == sh(
        2026, 11, 22, 14, 0
    )
    assert apply_quiet_hours(sh(2026, 11, 22, 23, 0), lunch, SH, urgent=False) == sh(
        2026, 11, 22, 23, 0
    )


def test_quiet_hours_are_community_time_for_a_utc_host() -> None:
    # 14:00 UTC is 22:00 in Shanghai: quiet there, although mid-afternoon on the host.
    assert apply_quiet_hours(utc(2026, 11, 22, 14, 0), QUIET, SH, urgent=False) == utc(
        2026, 11, 22, 23, 30
    )


# --- due occurrences after a crash ---------------------------------------------------------------

WEEKLY = Recurring(rule="每周一 09:00")


def test_an_occurrence_that_has_come_is_sent() -> None:
    decision = due_occurrences(
        WEEKLY, sh(2026, 11, 16, 9, 0), sh(2026, 11, 23, 9, 0, 20), SH, None
    )
    assert decision.send_at == sh(2026, 11, 23, 9, 0)
    assert decision.skipped == []
    assert decision.next_at == sh(2026, 11, 30, 9, 0)
    assert decision.handled_through == sh(2026, 11, 23, 9, 0)


def test_nothing_due_tells_when_to_look_again() -> None:
    decision = due_occurrences(WEEKLY, sh(2026, 11, 23, 9, 0), sh(2026, 11, 25), SH, None)
    assert decision.send_at is None
    assert decision.skipped == []
    assert decision.next_at == sh(2026, 11, 30, 9, 0)
    assert decision.handled_through is None


def test_missed_occurrences_collapse_into_one_late_send() -> None:
    daily = Recurring(rule="每天 08:00")
    # Down from Monday 07:00 to Thursday 08:30: Mon, Tue, Wed and Thu 08:00 were missed.
    decision = due_occurrences(
        daily, sh(2026, 11, 22, 8, 0), sh(2026, 11, 26, 8, 30), SH, timedelta(hours=2)
    )
    assert decision.send_at == sh(2026, 11, 26, 8, 0)
    assert decision.skipped == [sh(2026, 11, 23, 8), sh(2026, 11, 24, 8), sh(2026, 11, 25, 8)]
    assert decision.next_at == sh(2026, 11, 27, 8, 0)


def test_missed_beyond_max_lateness_is_skipped_and_reported() -> None:
    decision = due_occurrences(
        WEEKLY, sh(2026, 11, 16, 9, 0), sh(2026, 11, 23, 13, 0), SH, timedelta(hours=3)
    )
    assert decision.send_at is None
    assert decision.skipped == [sh(2026, 11, 23, 9, 0)]
    assert decision.handled_through == sh(2026, 11, 23, 9, 0)
    assert decision.next_at == sh(2026, 11, 30, 9, 0)


def test_within_max_lateness_is_sent_late() -> None:
    decision = due_occurrences(
        WEEKLY, sh(2026, 11, 16, 9, 0), sh(2026, 11, 23, 11, 59), SH, timedelta(hours=3)
    )
    assert decision.send_at == sh(2026, 11, 23, 9, 0)


def test_new_recurring_notice_does_not_fire_for_the_past() -> None:
    decision = due_occurrences(WEEKLY, None, sh(2026, 11, 25), SH, None)
    assert decision.send_at is None
    assert decision.next_at == sh(2026, 11, 30, 9, 0)


def test_once_is_sent_then_done() -> None:
    once = Once(at=datetime(2026, 12, 3, 8, 0))
    first = due_occurrences(once, None, sh(2026, 12, 3, 8, 1), SH, timedelta(minutes=30))
    assert first.send_at == sh(2026, 12, 3, 8, 0)
    assert first.next_at is None
    again = due_occurrences(once, first.handled_through, sh(2026, 12, 3, 8, 2), SH, None)
    assert again.send_at is None and again.next_at is None


def test_once_not_yet_due_reports_its_time() -> None:
    once = Once(at=datetime(2026, 12, 3, 8, 0))
    decision = due_occurrences(once, None, sh(2026, 12, 1), SH, None)
    assert decision.send_at is None
    assert decision.next_at == sh(2026, 12, 3, 8, 0)


def test_occurrence_in_quiet_hours_waits_and_lateness_counts_from_the_morning() -> None:
    nightly = Recurring(rule="每天 22:00")
    at_night = due_occurrences(
        nightly, sh(2026, 11, 21, 22), sh(2026, 11, 22, 22, 5), SH, timedelta(hours=1), quiet=QUIET
    )
    assert at_night.send_at is None
    assert at_night.next_at == sh(2026, 11, 23, 7, 30)
    morning = due_occurrences(
        nightly, sh(2026, 11, 21, 22), sh(2026, 11, 23, 7, 31), SH, timedelta(hours=1), quiet=QUIET
    )
    assert morning.send_at == sh(2026, 11, 22, 22, 0)
    assert morning.next_at == sh(2026, 11, 24, 7, 30)


def test_urgent_notice_is_due_during_quiet_hours() -> None:
    nightly = Recurring(rule="每天 22:00")
    decision = due_occurrences(
        nightly, sh(2026, 11, 21, 22), sh(2026, 11, 22, 22, 5), SH, None, quiet=QUIET, urgent=True
    )
    assert decision.send_at == sh(2026, 11, 22, 22, 0)


def test_end_date_in_the_middle_of_an_outage() -> None:
    weekly = Recurring(rule="每周一 09:00", end_date=date(2026, 11, 23))
    decision = due_occurrences(weekly, sh(2026, 11, 16, 9), sh(2026, 12, 20), SH, None)
    assert decision.send_at == sh(2026, 11, 23, 9, 0)
    assert decision.skipped == []
    assert decision.next_at is None


def test_a_very_long_outage_lists_a_bounded_number_but_counts_all() -> None:
    every_minute = Recurring(cron="* * * * *")
    decision = due_occurrences(
        every_minute, sh(2026, 11, 22, 0, 0), sh(2026, 11, 22, 12, 0), SH, timedelta(minutes=5)
    )
    assert decision.send_at == sh(2026, 11, 22, 12, 0)
    assert decision.skipped_total == 12 * 60 - 1
    assert len(decision.skipped) <= 501
    assert decision.skipped[-1] < decision.send_at


def test_flood_season_notice_missed_over_the_off_season_is_skipped() -> None:
    decision = due_occurrences(
        FLOOD, sh(2026, 9, 18, 17, 0), sh(2026, 11, 22), SH, timedelta(hours=2)
    )
    assert decision.send_at is None
    assert decision.skipped == [sh(2026, 9, 25, 17, 0)]
    assert decision.next_at == sh(2027, 6, 4, 17, 0)


def test_several_occurrences_in_one_quiet_night_collapse_at_its_end() -> None:
    hourly = Recurring(cron="0 * * * *")
    decision = due_occurrences(
        hourly,
        sh(2026, 11, 22, 20, 0),
        sh(2026, 11, 23, 7, 30),
        SH,
        timedelta(hours=1),
        quiet=QUIET,
    )
    assert decision.send_at == sh(2026, 11, 23, 7, 0)
    assert decision.skipped_total == 10  # 21:00 … 06:00 fold into the 07:30 send
    assert decision.next_at == sh(2026, 11, 23, 8, 0)

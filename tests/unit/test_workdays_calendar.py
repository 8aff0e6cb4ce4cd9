"""Working days and working time on the Chinese calendar, including 调休 make-up days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.sla.workdays import WorkCalendar, YearSchedule

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_national_day_2026_is_off_as_published_by_the_state_council() -> None:
    cal = WorkCalendar()
    # chinese_calendar 1.11: 10/1–10/7 off, make-up working days Sun 9/20 and Sat 10/10
    assert [cal.is_workday(date(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 9, 20))  # a Sunday
    assert cal.is_workday(date(2026, 10, 10))  # a Saturday
    assert not cal.is_workday(date(2026, 9, 25))  # Mid-Autumn, a Friday


def test_ordinary_weekend_is_off_and_weekday_on() -> None:
    cal = WorkCalendar()
    assert not cal.is_workday(date(2026, 11, 21))
    assert cal.is_workday(date(2026, 11, 23))


def test_admin_override_table_wins_over_the_calendar() -> None:
    cal = WorkCalendar({date(2026, 10, 10): False, date(2026, 10, 3): True})
    assert not cal.is_workday(date(2026, 10, 10))
    assert cal.is_workday(date(2026, 10, 3))


def test_holidays_package_answers_years_chinese_calendar_does_not_know() -> None:
    warned: list[int] = []
    cal = WorkCalendar(on_unknown_year=warned.append)
    # chinese_calendar starts at 2004; holidays knows 2001–2003 schedules (New Year 2002)
    assert not cal.is_workday(date(2002, 1, 1))
    assert warned == []


def test_unknown_year_keeps_statutory_holidays_and_weekends_and_warns_once() -> None:
    warned: list[int] = []
    cal = WorkCalendar(on_unknown_year=warned.append)
    # no package knows 2031's schedule; the law still fixes National Day (a Wednesday)
    assert not cal.is_workday(date(2031, 10, 1))
    assert not cal.is_workday(date(2031, 10, 4))  # Saturday
    assert cal.is_workday(date(2031, 10, 8))
    assert warned == [2031]


def test_2027_new_year_and_spring_festival_are_days_off_without_chinese_calendar() -> None:
    # chinesecalendar 1.11 stops at 2026: from next month its answers run out
    warned: list[int] = []
    cal = WorkCalendar(on_unknown_year=warned.append)
    assert not cal.is_workday(date(2027, 1, 1))  # New Year's Day, a Friday
    assert not cal.is_workday(date(2027, 2, 8))  # Spring Festival, a Monday
    assert cal.is_workday(date(2027, 2, 17))  # an ordinary Wednesday after it
    assert warned == [2027]  # only the make-up working days are really unknown


def test_a_published_schedule_given_as_data_decides_and_silences_the_warning() -> None:
    warned: list[int] = []
    schedule = YearSchedule(2027, days_off=frozenset({date(2027, 2, 11)}), workdays=frozenset())
    make_up = YearSchedule(2027, workdays=frozenset({date(2027, 2, 20)}))
    cal = WorkCalendar(on_unknown_year=warned.append, schedules=[schedule])
    assert not cal.is_workday(date(2027, 2, 11))  # a Thursday the notice gives off
    assert not cal.is_workday(date(2027, 2, 8))  # statutory days still count where not given
    assert WorkCalendar(schedules=[make_up]).is_workday(date(2027, 2, 20))  # a make-up Saturday
    assert warned == []


def test_admins_marking_a_make_up_weekend_means_the_year_is_known() -> None:
    warned: list[int] = []
    cal = WorkCalendar({date(2027, 2, 20): True}, on_unknown_year=warned.append)
    assert cal.is_workday(date(2027, 2, 20))
    assert not cal.is_workday(date(2027, 2, 9))
    assert warned == []


def test_unknown_year_override_still_wins_without_warning() -> None:
    warned: list[int] = []
    cal = WorkCalendar({date(2031, 10, 1): False}, on_unknown_year=warned.append)
    assert not cal.is_workday(date(2031, 10, 1))
    assert warned == []


def test_working_time_inside_one_day() -> None:
    cal = WorkCalendar()
    assert cal.add_working_time(sh(2026, 11, 23, 9), timedelta(hours=2)) == sh(2026, 11, 23, 11)


def test_working_time_carries_over_the_night_and_the_weekend() -> None:
    cal = WorkCalendar()
    # Friday 16:30 + 2 working hours: 1 h on Friday, 1 h from Monday 08:30
    result = cal.add_working_time(sh(2026, 11, 20, 16, 30), timedelta(hours=2))
    assert result == sh(2026, 11, 23, 9, 30)
    assert result.tzinfo is UTC


def test_working_time_started_before_hours_begins_at_work_start() -> None:
    cal = WorkCalendar()
    assert cal.add_working_time(sh(2026, 11, 23, 6), timedelta(hours=1)) == sh(2026, 11, 23, 9, 30)


def test_friday_evening_before_national_day_counts_the_make_up_sunday() -> None:
    cal = WorkCalendar()
    opened = sh(2026, 9, 18, 19)  # Friday evening; Sunday 9/20 is a make-up working day
    assert cal.add_working_time(opened, timedelta(hours=2)) == sh(2026, 9, 20, 10, 30)
    assert cal.add_working_days(opened, 5) == sh(2026, 9, 24, 17, 30)


def test_working_days_skip_the_whole_golden_week_and_use_the_make_up_saturday() -> None:
    cal = WorkCalendar()
    opened = sh(2026, 9, 30, 10)  # Wednesday, the last working day before 10/1
    # 10/8 Thu, 10/9 Fri, 10/10 Sat (make-up), 10/12 Mon, 10/13 Tue
    assert cal.add_working_days(opened, 5) == sh(2026, 10, 13, 17, 30)
    assert cal.add_working_time(sh(2026, 9, 30, 17), timedelta(hours=1)) == sh(2026, 10, 8, 9)


def test_working_day_count_skips_the_opening_day() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(sh(2026, 11, 23, 9), 1) == sh(2026, 11, 24, 17, 30)


def test_custom_working_hours() -> None:
    cal = WorkCalendar(work_start=time(9), work_end=time(12))
    assert cal.add_working_time(sh(2026, 11, 23, 11), timedelta(hours=2)) == sh(2026, 11, 24, 10)


def test_working_time_between_counts_only_working_hours() -> None:
    cal = WorkCalendar()
    span = cal.working_time_between(sh(2026, 11, 20, 16, 30), sh(2026, 11, 23, 9, 30))
    assert span == timedelta(hours=2)


def test_dst_zone_working_hours_keep_local_wall_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    warned: list[int] = []
    cal = WorkCalendar(
        tz=berlin, work_start=time(9), work_end=time(17), on_unknown_year=warned.append
    )
    # DST ends Sunday 2026-10-25; Friday 16:00 CEST + 2 working hours = Monday 10:00 CET
    result = cal.add_working_time(datetime(2026, 10, 23, 16, tzinfo=berlin), timedelta(hours=2))
    assert result == datetime(2026, 10, 26, 10, tzinfo=berlin)
    assert result.astimezone(UTC).hour == 9


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_time(datetime(2026, 11, 23, 9), timedelta(hours=1))


def test_the_community_file_can_give_a_years_schedule_before_a_release_ships_it() -> None:
    from bot.domain.sla.deadlines import SlaPolicy

    policy = SlaPolicy.model_validate(
        {"holidays": {2027: {"days_off": ["2027-02-11"], "workdays": ["2027-02-20"]}}}
    )
    warned: list[int] = []
    cal = policy.calendar(on_unknown_year=warned.append)
    assert not cal.is_workday(date(2027, 2, 11))
    assert cal.is_workday(date(2027, 2, 20))
    assert warned == []


def test_a_schedule_with_a_date_of_another_year_or_a_day_twice_is_refused() -> None:
    from bot.calendar_files import parse_holidays
    from bot.domain.errors import ConfigFileError

    with pytest.raises(ConfigFileError, match="2028-02-05 is not in 2027"):
        parse_holidays("2027:\n  days_off: [2028-02-05]\n", "holidays.yaml")
    with pytest.raises(ConfigFileError, match="both a day off and a working day"):
        parse_holidays("2027:\n  days_off: [2027-02-06]\n  workdays: [2027-02-06]\n")


def test_the_shipped_schedules_file_reads() -> None:
    from bot.calendar_files import national_schedules

    assert all(s.year > 2026 for s in national_schedules())  # only years the packages lack

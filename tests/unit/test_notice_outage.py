"""The /outage quick form: kinds, buildings, time ranges and reasons, and clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.notices.outage import (
    OutageRequest,
    format_local,
    is_outage_done,
    outage_variables,
    parse_outage,
)

SH = ZoneInfo("Asia/Shanghai")
# Sunday 22 November 2026, 20:00 in Shanghai (12:00 UTC).
NOW = datetime(2026, 11, 22, 20, 0, tzinfo=SH)
KNOWN = {"1", "2", "3", "5", "6", "8", "65", "66", "171"}


def resolve(name: str) -> str | None:
    """A stand-in for the intake resolver: "65号楼", "65栋", "65#" → "65"."""
    for suffix in ("号楼", "号", "栋", "幢", "#"):
        name = name.removesuffix(suffix)
    return name if name in KNOWN else None


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def parse(text: str, now: datetime = NOW) -> OutageRequest:
    return parse_outage(text, now, SH, resolve)


def test_the_example_from_the_issue() -> None:
    req = parse("/outage 停水 65号楼 今晚23:00-次日02:00 主管道抢修")
    assert req.kind == "water"
    assert req.buildings == ("65",)
    assert req.start == sh(2026, 11, 22, 23, 0)
    assert req.end == sh(2026, 11, 23, 2, 0)
    assert req.start.utcoffset() == timedelta(0)  # aware UTC
    assert req.reason == "主管道抢修"
    assert req.template_key == "water_cut"
    assert req.reminder_at == sh(2026, 11, 22, 22, 30)


@pytest.mark.parametrize(
    ("word", "kind", "template"),
    [
        ("停水", "water", "water_cut"),
        ("停电", "power", "power_cut"),
        ("停气", "gas", "gas_cut"),
        ("电梯停运", "lift", "lift_maintenance"),
    ],
)
def test_kinds(word: str, kind: str, template: str) -> None:
    req = parse(f"/outage {word} 3号楼 明天9:00-12:00 检修")
    assert req.kind == kind
    assert req.template_key == template


@pytest.mark.parametrize(
    ("where", "buildings"),
    [
        ("65号楼、66号楼", ("65", "66")),
        ("65,66号楼", ("65", "66")),
        ("65，66号楼", ("65", "66")),
        ("1、2、3号楼", ("1", "2", "3")),
        ("65号楼 66号楼", ("65", "66")),
        ("65栋和171栋", ("65", "171")),
        ("65号楼、65号楼", ("65",)),
        ("全小区", None),
    ],
)
def test_building_lists(where: str, buildings: tuple[str, ...] | None) -> None:
    assert parse(f"/outage 停电 {where} 明天9:00-12:00 线路检修").buildings == buildings


def test_tomorrow_range() -> None:
    req = parse("停电 3号楼 明天9:00-12:00 线路检修")
    assert (req.start, req.end) == (sh(2026, 11, 23, 9, 0), sh(2026, 11, 23, 12, 0))


def test_date_with_a_space_before_the_range() -> None:
    req = parse("/outage 停气 全小区 12月3日 8:00-17:00 燃气管道改造")
    assert req.buildings is None
    assert (req.start, req.end) == (sh(2026, 12, 3, 8, 0), sh(2026, 12, 3, 17, 0))
    assert req.reason == "燃气管道改造"


def test_today_range_already_running_is_accepted() -> None:
    now = sh(2026, 11, 22, 15, 0)
    req = parse("/outage 电梯停运 171号楼 今天14:00-16:00 电梯年检", now)
    assert (req.start, req.end) == (sh(2026, 11, 22, 14, 0), sh(2026, 11, 22, 16, 0))


def test_range_crossing_midnight_without_next_day_word() -> None:
    req = parse("/outage 停水 65号楼 今晚23:00-02:00 主管道抢修")
    assert req.end == sh(2026, 11, 23, 2, 0)


def test_evening_hours_written_in_twelve_hour_style() -> None:
    req = parse("/outage 停水 65号楼 今晚8点-10点半 水箱清洗")
    assert (req.start, req.end) == (sh(2026, 11, 22, 20, 0), sh(2026, 11, 22, 22, 30))


def test_a_date_earlier_in_the_year_means_next_year() -> None:
    req = parse("/outage 停电 6号楼 1月3日 9:00-11:00 变压器检修")
    assert req.start == sh(2027, 1, 3, 9, 0)


def test_bot_username_after_the_command_is_ignored() -> None:
    assert parse("/outage@LoudaoBot 停水 65号楼 明天9:00-12:00 抢修").buildings == ("65",)


def test_full_width_colon_and_reason_with_spaces() -> None:
    req = parse("/outage 停水 65号楼 明天9：00-12：00 主管道 抢修，请谅解")
    assert req.start == sh(2026, 11, 23, 9, 0)
    assert req.reason == "主管道 抢修，请谅解"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("/outage", "outage.empty"),
        ("/outage 停暖 65号楼 明天9:00-12:00 检修", "outage.unknown_kind"),
        ("/outage 停水 99号楼 明天9:00-12:00 检修", "outage.unknown_building"),
        ("/outage 停水 明天9:00-12:00 检修", "outage.no_buildings"),
        ("/outage 停水 65号楼 明天 检修", "outage.no_time"),
        ("/outage 停水 65号楼 明天9:00-12:00", "outage.no_reason"),
        ("/outage 停水 65号楼 明天25:00-26:00 检修", "outage.bad_time"),
        ("/outage 停水 65号楼 2月30日 9:00-12:00 检修", "outage.bad_date"),
        ("/outage 停水 65号楼 今天8:00-10:00 检修", "outage.in_past"),
        ("/outage 停水 65号楼 明天12:00-明天9:00 检修", "outage.end_before_start"),
        ("/outage 停水 65号楼 12月1日 9:00-12月20日 12:00 检修", "outage.too_long"),
    ],
)
def test_bad_input_is_refused_with_a_clear_key(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(text)
    assert info.value.key == key


def test_unknown_building_names_the_building() -> None:
    with pytest.raises(InvalidInput) as info:
        parse("/outage 停水 65号楼、99号楼 明天9:00-12:00 检修")
    assert info.value.params == {"building": "99号楼"}


def test_done() -> None:
    assert is_outage_done("/outage done")
    assert is_outage_done("/outage@LoudaoBot  DONE ")
    assert not is_outage_done("/outage 停水 65号楼 明天9:00-12:00 检修")


def test_variables_for_the_notice_in_both_languages() -> None:
    req = parse("/outage 停水 65号楼、66号楼 今晚23:00-次日02:00 主管道抢修")
    zh = outage_variables(req, SH, NOW, contact="物业服务中心")
    assert zh["buildings"] == "65号楼、66号楼"
    # 今天/明天 with the date: a notice read the next morning must not mislead
    assert zh["start"] == "今天（11月22日）23:00"
    assert zh["end"] == "明天（11月23日）02:00"
    assert zh["what"] == "停水" and zh["service"] == "供水"
    en = outage_variables(req, SH, NOW, contact="the property office", locale="en")
    assert en["buildings"] == "Building 65, Building 66"
    assert en["start"] == "today (Nov 22) 23:00"


def test_format_local_uses_community_time_for_later_days() -> None:
    when = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert format_local(when, SH, NOW) == "12月3日 08:00"
    assert format_local(when, SH, NOW, "en") == "Dec 3 08:00"

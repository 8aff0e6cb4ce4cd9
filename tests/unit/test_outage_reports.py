"""Which messages report an announced outage, and when an outage is on or just over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.notices.outage_reports import FOLLOW_UP, Outage, outage_of, reports_missing

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
END = START + timedelta(hours=3)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("怎么没水了？", "water"), ("还是没有水啊", "water"), ("水还没来", "water"),
     ("家里停电了", "power"), ("还是没电", "power"), ("燃气灶打不着", "gas"),
     ("电梯怎么又停了", "lift"), ("电梯用不了", "lift")],
)  # fmt: skip
def test_a_missing_service_is_recognised(text: str, kind: str) -> None:
    assert reports_missing(text, kind)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("来水了，谢谢", "water"), ("有电了", "power"), ("楼道灯不亮了", "water"),
     ("厨房水管漏水", "power"), ("电梯好了", "lift")],
)  # fmt: skip
def test_good_news_and_other_problems_are_not_the_outage(text: str, kind: str) -> None:
    assert not reports_missing(text, kind)


def test_an_outage_is_on_from_a_little_before_its_start_until_its_end() -> None:
    outage = Outage(1, "water", START, END)
    assert outage.phase(START - timedelta(hours=1)) is None
    assert outage.phase(START - timedelta(minutes=20)) == "on"  # cuts often begin early
    assert outage.phase(END - timedelta(minutes=1)) == "on"
    assert outage.phase(END) == "over"
    assert outage.phase(END + FOLLOW_UP) is None


def test_restored_early_ends_it_then() -> None:
    restored = START + timedelta(hours=1)
    outage = Outage(1, "water", START, END, restored)
    assert outage.over_at == restored and outage.phase(restored) == "over"
    assert Outage(1, "water", START, END, END + timedelta(hours=1)).over_at == END


def test_the_outage_is_read_from_its_notice() -> None:
    extra = {
        "outage": {"kind": "gas", "start": START.isoformat(), "end": END.isoformat(),
                   "restored_at": END.isoformat(), "what": "停气"},
    }  # fmt: skip
    assert outage_of(7, extra) == Outage(7, "gas", START, END, END)
    assert outage_of(7, {"outage_of": 3}) is None  # a reminder, not the announcement

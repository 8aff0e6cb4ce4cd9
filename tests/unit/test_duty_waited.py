"""Escalation pages count the wait in words that fit the span (issue: 「1021 分钟」 overnight)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import i18n
from bot.domain.duty.waited import waited_since

SH = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SH).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "now", "words"),
    [
        (sh(1, 10, 0), sh(1, 10, 30), "张师傅 超过 30 分钟没有接单。"),
        (sh(1, 10, 0), sh(1, 10, 0), "张师傅 超过 1 分钟没有接单。"),
        (sh(1, 8, 5), sh(1, 15, 0), "张师傅 从今天 08:05 起没有接单。"),
        (sh(1, 22, 10), sh(2, 15, 11), "张师傅 从昨晚 22:10 起没有接单。"),
        (sh(1, 9, 40), sh(2, 9, 41), "张师傅 从昨天 09:40 起没有接单。"),
        (sh(1, 9, 40), sh(4, 9, 41), "张师傅 从 12月1日 09:40 起没有接单。"),
    ],
)
def test_the_wait_reads_in_words_that_fit(start: datetime, now: datetime, words: str) -> None:
    waited = waited_since(start, now, SH)
    text = i18n.t("zh_CN", f"duty.page.not_accepted.{waited.key}", name="张师傅", **waited.params)
    assert text == words


def test_every_wait_has_an_english_text() -> None:
    for key in ("minutes", "today", "last_night", "yesterday", "date"):
        text = i18n.t(
            "en", f"duty.page.not_accepted.{key}", name="Zhang", minutes=5, time="08:00",
            month=12, day=1,
        )  # fmt: skip
        assert "Zhang" in text and "{" not in text

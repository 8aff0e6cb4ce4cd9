"""When a failure is news for the admins: the same kind still failing after a minute, at most
once an hour while it lasts; its end is news only if they were told it began."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import i18n
from bot.domain.alerts.episodes import WHATS, Episodes, Failure

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DB = Failure("update.group", "IntegrityError")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_one_failure_is_no_news_but_the_same_kind_a_minute_later_is() -> None:
    episodes = Episodes()
    assert episodes.failed(DB, at(0)) is None
    assert episodes.failed(DB, at(59)) is None
    episode = episodes.failed(DB, at(60))
    assert episode is not None and episode.since == T0


def test_once_told_it_is_news_again_only_after_an_hour() -> None:
    episodes = Episodes()
    episodes.failed(DB, at(0))
    episode = episodes.failed(DB, at(61))
    assert episode is not None
    episodes.told(episode, at(61))
    assert episodes.failed(DB, at(61 + 3599)) is None
    assert episodes.failed(DB, at(61 + 3600)) is episode  # still failing: a reminder


def test_another_error_is_another_kind() -> None:
    episodes = Episodes()
    episodes.failed(DB, at(0))
    assert episodes.failed(Failure("update.group", "TimeoutError"), at(61)) is None


def test_working_again_ends_the_episodes_of_that_area_and_names_the_told_ones() -> None:
    episodes = Episodes()
    told = episodes.failed(DB, at(0)) or episodes.failed(DB, at(61))
    assert told is not None
    episodes.told(told, at(61))
    episodes.failed(Failure("update.group", "KeyError"), at(62))  # not told yet
    episodes.failed(Failure("update.button", "KeyError"), at(62))
    assert episodes.worked("update.group") == [told]
    assert not episodes.failing("update.group") and episodes.failing("update.button")
    assert episodes.failed(DB, at(70)) is None  # a new episode starts from scratch


def test_a_loop_says_itself_since_when_it_fails() -> None:
    episodes = Episodes()
    loop = Failure("loop.poller")
    assert episodes.failed(loop, at(100), since=at(30), detail="409 Conflict") is not None
    assert loop.key == "loop.poller" and DB.key == "update.group:IntegrityError"


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_kind_of_failure_has_a_name_and_an_effect_in_every_language(locale: str) -> None:
    texts = i18n.catalogue(locale)
    missing = [
        w for w in WHATS for part in ("name", "effect") if f"ops.failure.{w}.{part}" not in texts
    ]
    assert missing == []

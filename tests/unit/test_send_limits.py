"""Our side of Telegram's flood limits: sliding windows, never more than allowed in any span."""

from __future__ import annotations

from bot.services.send_limits import Limits, SendLimits


class Ticker:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def send_when_allowed(limits: SendLimits, ticker: Ticker, chat_id: int, count: int) -> list[float]:
    """Send `count` messages to one chat as early as the limits allow; their start times."""
    times = []
    for _ in range(count):
        ticker.t += limits.wait_for(chat_id)
        assert limits.wait_for(chat_id) == 0.0
        limits.take(chat_id)
        times.append(ticker.t)
    return times


def most_in_any_window(times: list[float], span: float) -> int:
    return max(sum(1 for t in times if start <= t < start + span) for start in times)


def test_no_second_ever_sees_more_than_thirty_sends_across_chats() -> None:
    ticker = Ticker()
    limits = SendLimits(Limits(margin=0.0), ticker)
    times: list[float] = []
    for group in range(300):  # a broadcast: one message to each of 300 groups
        times += send_when_allowed(limits, ticker, -1000 - group, 1)
    assert most_in_any_window(times, 1.0) == 30
    assert times[-1] - times[0] >= 9.0  # 300 at 30/s: about ten seconds, not a burst of 60


def test_a_group_gets_twenty_a_minute_and_a_person_only_the_overall_limit() -> None:
    ticker = Ticker()
    limits = SendLimits(Limits(margin=0.0), ticker)
    group = send_when_allowed(limits, ticker, -5, 45)
    assert most_in_any_window(group, 60.0) == 20
    limits = SendLimits(Limits(margin=0.0), ticker)
    person = send_when_allowed(limits, ticker, 9003, 40)
    assert most_in_any_window(person, 1.0) == 30


def test_a_person_can_be_held_to_one_a_second_with_a_margin() -> None:
    ticker = Ticker()
    limits = SendLimits(Limits(private_per_second=1, margin=0.05), ticker)
    first, second = send_when_allowed(limits, ticker, 9003, 2)
    assert abs((second - first) - 1.05) < 1e-9


def test_a_wait_in_one_chat_says_nothing_about_another() -> None:
    ticker = Ticker()
    limits = SendLimits(Limits(), ticker)
    send_when_allowed(limits, ticker, -5, 20)
    assert limits.wait_for(-5) > 50
    assert limits.wait_for(-6) == 0.0


def test_a_send_telegram_refused_with_a_429_uses_no_place_in_the_window() -> None:
    ticker = Ticker()
    limits = SendLimits(Limits(margin=0.0), ticker)
    send_when_allowed(limits, ticker, -5, 19)
    for _ in range(30):  # the same message tried again and again, refused each time
        limits.take(-5)
        limits.refused(-5)
        ticker.t += 0.5
    assert limits.wait_for(-5) == 0.0  # the 20th real message still fits this minute

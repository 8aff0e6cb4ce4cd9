"""GET requests' arguments as the GeoReport v2 spec defines them: the last 90 days by default,
a window of at most 90 days, numbers that override every other filter, at most 1000."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.open311 import CLOSED_STATUSES, OPEN_STATUSES, BadQuery, read_query
from bot.domain.tickets.states import Status

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_no_dates_mean_the_last_90_days_of_every_status_1000_at_most() -> None:
    query = read_query({}, NOW)
    assert (query.start, query.end, query.limit) == (NOW - timedelta(days=90), NOW, 1000)
    assert query.statuses == frozenset(Status) and query.numbers == ()


def test_one_date_gives_a_90_day_window_from_or_to_it() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    assert read_query({"start_date": "2026-06-01T00:00:00Z"}, NOW).end == start + timedelta(
        days=90
    )
    ended = read_query({"end_date": "2026-06-01T08:00:00+08:00"}, NOW)
    assert ended.start == start - timedelta(days=90)


def test_open_and_closed_are_the_two_states() -> None:
    assert read_query({"status": "open"}, NOW).statuses == OPEN_STATUSES
    assert read_query({"status": "closed"}, NOW).statuses == CLOSED_STATUSES
    assert Status.RESOLVED in OPEN_STATUSES  # waiting for the resident: not closed yet


def test_numbers_override_the_rest_and_are_capped() -> None:
    many = ",".join(f"a-{n:04d}" for n in range(1, 1500))
    query = read_query({"service_request_id": many, "status": "open"}, NOW)
    assert len(query.numbers) == 1000 and query.numbers[0] == "A-0001"
    assert query.start is None and query.statuses == frozenset(Status)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "2026-12-01"},  # no time, no offset
        {"start_date": "2026-12-01T00:00:00"},  # no offset
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"},
    ],
)
def test_what_the_spec_does_not_allow_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(BadQuery):
        read_query(params, NOW)

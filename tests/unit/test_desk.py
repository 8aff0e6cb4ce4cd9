"""The desk's pure parts: filters read from a query string, what is late and by how much,
how long links and sessions live, and CSRF tokens bound to their session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.desk.filters import TicketFilter, read_filter
from bot.domain.desk.sign_in import SignInPolicy, csrf_ok, csrf_token, new_token, token_hash
from bot.domain.kpi import TicketFacts
from bot.domain.tickets.states import Status
from bot.services.desk.pages import lateness
from web.desk.render import late_text

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_a_query_string_becomes_a_filter_and_what_cannot_be_read_is_any() -> None:
    where = read_filter({"status": "accepted", "level": "2", "building": " 3 ", "overdue": "1"})
    assert where == TicketFilter(Status.ACCEPTED, 2, "3", overdue=True)
    assert read_filter({"status": "lost", "level": "two", "assignee": "9" * 30}) == TicketFilter()
    assert read_filter(where.query(before=42)) == TicketFilter(
        Status.ACCEPTED, 2, "3", overdue=True, before=42
    )


def _facts(**promised: datetime) -> TicketFacts:
    return TicketFacts(
        id=1, number="A-0001", building="3", grid=None, category="lighting", level=2,
        status=Status.ASSIGNED, assignee_id=9004, created_at=NOW - timedelta(days=1),
        promised=promised,
    )  # fmt: skip


def test_a_ticket_is_late_by_its_earliest_missed_deadline() -> None:
    facts = _facts(
        acknowledge_by=NOW - timedelta(hours=3),
        resolve_by=NOW - timedelta(minutes=5),
        follow_up_by=NOW - timedelta(days=2),  # the call is planned from the fix: not counted
    )
    late = lateness(facts, NOW)
    assert late is not None and late.deadline == "acknowledge_by"
    assert late.late_by == timedelta(hours=3)
    assert lateness(_facts(resolve_by=NOW + timedelta(hours=1)), NOW) is None


def test_how_late_reads_in_plain_words() -> None:
    assert late_text("zh_CN", timedelta(minutes=45)) == "45分钟"
    assert late_text("zh_CN", timedelta(hours=3, minutes=5)) == "3小时5分钟"
    assert late_text("zh_CN", timedelta(days=2, hours=4)) == "2天4小时"
    assert late_text("en", timedelta(hours=3, minutes=5)) == "3 h 5 min"


def test_links_and_sessions_live_as_long_as_the_policy_says() -> None:
    policy = SignInPolicy()
    expires = NOW + policy.link_life
    assert policy.link_usable(expires, None, NOW + timedelta(minutes=9))
    assert not policy.link_usable(expires, None, expires)
    assert not policy.link_usable(expires, NOW, NOW)  # used
    assert policy.session_alive(NOW, NOW + timedelta(hours=20), None, NOW + timedelta(hours=23))
    assert not policy.session_alive(NOW, NOW, None, NOW + timedelta(hours=8))  # idle
    assert not policy.session_alive(
        NOW, NOW + timedelta(hours=23), None, NOW + timedelta(hours=24)
    )
    assert not policy.session_alive(NOW, NOW, NOW, NOW)  # signed out


def test_a_csrf_token_belongs_to_one_session() -> None:
    one, other = new_token(), new_token()
    assert one != other and len(token_hash(one)) == 64 and one not in token_hash(one)
    assert csrf_ok(one, csrf_token(one))
    assert not csrf_ok(one, csrf_token(other))
    assert not csrf_ok(one, None) and not csrf_ok(one, "")

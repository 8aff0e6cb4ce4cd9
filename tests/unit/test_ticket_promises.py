"""Whether a promise was met, missed or is pending, and which milestone keeps which promise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.tickets.promises import PROMISES, Kept, kept_at, promise_kept

DUE = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
EARLY, LATE = DUE - timedelta(minutes=1), DUE + timedelta(minutes=1)


def test_kept_by_the_deadline_is_met_and_after_it_missed() -> None:
    assert promise_kept(DUE, EARLY, None, LATE) is Kept.MET
    assert promise_kept(DUE, DUE, None, LATE) is Kept.MET  # on the minute still counts
    assert promise_kept(DUE, LATE, None, LATE) is Kept.MISSED


def test_not_kept_is_pending_until_the_deadline_then_missed() -> None:
    assert promise_kept(DUE, None, None, EARLY) is Kept.PENDING
    assert promise_kept(DUE, None, None, LATE) is Kept.MISSED


def test_a_ticket_that_ended_undone_owes_only_what_fell_due_before_it_ended() -> None:
    assert promise_kept(DUE, None, EARLY, LATE) is None  # merged or withdrawn in time
    assert promise_kept(DUE, None, LATE, LATE) is Kept.MISSED  # nobody came before it ended


def test_the_first_milestone_that_settles_a_promise_keeps_it() -> None:
    reached = {"accepted_at": LATE, "controlled_at": None, "resolved_at": EARLY}
    assert kept_at("acknowledge_by", reached) == EARLY  # fixed straight away: answered too
    assert kept_at("control_by", reached) == EARLY
    assert kept_at("plan_by", {"planned_at": LATE}) == LATE
    assert kept_at("follow_up_by", reached) is None  # only the call itself keeps it
    assert PROMISES[0] == "acknowledge_by" and len(PROMISES) == 6

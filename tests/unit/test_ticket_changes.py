"""Typed ticket changes: only the columns a change names are set; None is a value, KEEP is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.tickets import Closure, Status, TicketChange, Verdict
from bot.domain.tickets.changes import confirmed, deadlines, handed_to, resolved, unmerged

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_a_change_sets_only_the_columns_it_names() -> None:
    assert handed_to(9003, "张师傅").columns() == {"assignee_id": 9003, "assignee_name": "张师傅"}
    assert TicketChange().columns() == {}


def test_none_clears_a_column_and_enums_are_stored_as_their_values() -> None:
    assert unmerged().columns() == {"merged_into_id": None, "cancel_reason": None}
    assert confirmed(Verdict.MOSTLY, NOW).with_status(Status.CLOSED).columns() == {
        "status": "closed",
        "verdict": "mostly",
        "closure": Closure.CONFIRMED.value,
        "closed_at": NOW,
        "verdict_due_at": None,
    }


def test_two_changes_combine_and_the_second_wins_where_both_set_a_column() -> None:
    both = handed_to(9003, "张师傅") | deadlines(NOW, NOW + timedelta(hours=2))
    assert both.columns() == {
        "assignee_id": 9003,
        "assignee_name": "张师傅",
        "respond_by": NOW,
        "due_at": NOW + timedelta(hours=2),
    }
    assert (handed_to(1, "a") | handed_to(2, "b")).columns()["assignee_id"] == 2


def test_resolving_without_a_note_keeps_the_last_progress_note() -> None:
    change = resolved("", "明天来修", NOW, timedelta(hours=48))
    assert change.columns()["last_note"] == "明天来修"
    assert change.columns()["verdict_due_at"] == NOW + timedelta(hours=48)

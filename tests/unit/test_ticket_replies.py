"""A resident's reply under a ticket's card: about that ticket, or a problem of its own; and when
what they said goes on to staff (chatty replies gathered, a conversation never held up)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.intake import classify
from bot.domain.tickets import Status, Ticket
from bot.domain.tickets.replies import FORWARD_QUIET, forward_at, is_new_problem
from bot.intake_files import load_rules

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DOOR = Ticket(
    id=1, community_id=1, number="A-0001", status=Status.ASSIGNED, category="doors_access",
    level=2, building="3", unit="2", room=None, phone=None, text="3号楼2单元门禁坏了",
    chat_id=-1001003, message_id=5, reporter_id=201, reporter_name="陈大爷", on_behalf_by=None,
    source="mention", assignee_id=9004, assignee_name="刘师傅", card_outbox_id=1,
    card_version=1, verdict_outbox_id=None, created_at=NOW, updated_at=NOW,
)  # fmt: skip


def new_problem(text: str, ticket: Ticket = DOOR) -> bool:
    return is_new_problem(text, classify(text, load_rules(None)), ticket)


@pytest.mark.parametrize(
    "text",
    ["师傅什么时候来修啊，门禁还是刷不开", "门禁还是不行", "谢谢师傅", "读卡器这里亮红灯",
     "我在楼下等着", "好的"],
)  # fmt: skip
def test_what_is_about_the_ticket_stays_a_note(text: str) -> None:
    assert not new_problem(text)


@pytest.mark.parametrize("text", ["另外3楼的灯也坏了", "还有楼道里的灯不亮", "楼道里煤气味很重"])
def test_another_problem_or_an_emergency_is_a_ticket_of_its_own(text: str) -> None:
    assert new_problem(text)


def test_on_a_finished_ticket_a_known_problem_is_new_and_a_question_is_not() -> None:
    done = replace(DOOR, status=Status.REFERRED, closed_at=NOW)
    assert new_problem("门禁又坏了", done)
    assert not new_problem("那到底谁来管啊", done)


def test_notes_go_at_once_then_wait_for_the_quiet_time_unless_staff_answered() -> None:
    assert forward_at(NOW, None) == NOW
    sent = NOW - timedelta(minutes=3)
    assert forward_at(NOW, sent) == sent + FORWARD_QUIET  # gathered with the next ones
    assert forward_at(NOW, NOW - FORWARD_QUIET) == NOW
    assert forward_at(NOW, sent, staff_answered=NOW - timedelta(minutes=1)) == NOW

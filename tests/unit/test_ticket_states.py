"""The ticket state machine: one table says what may happen; everything else is refused."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidTransition
from bot.domain.tickets import (
    CLOSED_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
    transition,
)


def test_the_happy_path_goes_from_new_to_closed() -> None:
    state = Status.NEW
    for action in (Action.ASSIGN, Action.ACCEPT, Action.PROGRESS, Action.RESOLVE, Action.CONFIRM):
        state = transition(state, action)
    assert state is Status.CLOSED


def test_not_solved_reopens_and_the_assignee_can_take_it_up_again() -> None:
    assert transition(Status.RESOLVED, Action.REOPEN) is Status.REOPENED
    assert transition(Status.CLOSED, Action.REOPEN) is Status.REOPENED
    assert transition(Status.REOPENED, Action.ASSIGN) is Status.ASSIGNED
    assert transition(Status.REOPENED, Action.ACCEPT) is Status.ACCEPTED
    assert transition(Status.REOPENED, Action.RESOLVE) is Status.RESOLVED


def test_an_unanswered_verdict_also_closes_a_resolved_ticket() -> None:
    assert transition(Status.RESOLVED, Action.EXPIRE) is Status.CLOSED


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (Status.NEW, Action.ACCEPT),  # nobody to accept it yet
        (Status.ACCEPTED, Action.ACCEPT),  # a double press
        (Status.RESOLVED, Action.RESOLVE),
        (Status.CLOSED, Action.PROGRESS),
        (Status.CANCELLED, Action.REOPEN),
        (Status.REFERRED, Action.ASSIGN),
        (Status.ASSIGNED, Action.CONFIRM),  # a verdict before anything was done
        (Status.IN_PROGRESS, Action.EXPIRE),
    ],
)
def test_anything_outside_the_table_is_refused_with_a_clear_reason(
    state: Status, action: Action
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(state, action)
    assert refused.value.params == {"state": state.value, "action": action.value}


def test_progress_notes_may_repeat_while_in_progress() -> None:
    assert transition(Status.IN_PROGRESS, Action.PROGRESS) is Status.IN_PROGRESS


def test_staff_can_progress_or_resolve_without_pressing_accept_first() -> None:
    assert transition(Status.ASSIGNED, Action.PROGRESS) is Status.IN_PROGRESS
    assert transition(Status.ASSIGNED, Action.RESOLVE) is Status.RESOLVED


def test_only_a_merged_ticket_comes_back_from_cancelled() -> None:
    assert allowed_actions(Status.CANCELLED) == {Action.UNMERGE}
    assert allowed_actions(Status.REFERRED) == frozenset()


def test_open_and_final_states_do_not_overlap_and_every_state_is_reachable() -> None:
    assert not OPEN_STATES & CLOSED_STATES
    reachable = {Status.NEW} | set(TRANSITIONS.values())
    assert reachable == set(Status)


def test_strings_from_storage_are_accepted() -> None:
    assert transition("assigned", "accept") is Status.ACCEPTED

"""The ticket state machine: one explicit transition table; anything else is refused."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import InvalidTransition


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    REFERRED = "referred"


class Action(StrEnum):
    ASSIGN = "assign"  # the router (or a supervisor) names who handles it
    ACCEPT = "accept"  # the assignee takes it on
    PROGRESS = "progress"  # a progress note from staff
    REASSIGN = "reassign"  # hand it to someone else
    RESOLVE = "resolve"  # staff say it is fixed
    CONFIRM = "confirm"  # the resident says it is fixed (closed, confirmed)
    EXPIRE = "expire"  # nobody answered the verdict in time (closed, unconfirmed)
    REOPEN = "reopen"  # the resident says it is not fixed
    REFER = "refer"  # not ours: tell people where to go
    CANCEL = "cancel"  # withdrawn by the reporter or staff, with a reason
    MERGE = "merge"  # the same problem as another ticket: folded into it
    UNMERGE = "unmerge"  # a merge undone: the ticket lives again


S, A = Status, Action
_WORKING = (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)

# (from, action) -> to. Every allowed change is listed here and nowhere else.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.NEW, A.ASSIGN): S.ASSIGNED,
    (S.NEW, A.REFER): S.REFERRED,
    (S.NEW, A.CANCEL): S.CANCELLED,
    (S.NEW, A.MERGE): S.CANCELLED,
    (S.ASSIGNED, A.ACCEPT): S.ACCEPTED,
    (S.REOPENED, A.ACCEPT): S.ACCEPTED,
    (S.REOPENED, A.ASSIGN): S.ASSIGNED,
    **{(s, A.PROGRESS): S.IN_PROGRESS for s in _WORKING},
    **{(s, A.REASSIGN): S.ASSIGNED for s in _WORKING},
    **{(s, A.RESOLVE): S.RESOLVED for s in _WORKING},
    **{(s, A.REFER): S.REFERRED for s in _WORKING},
    **{(s, A.CANCEL): S.CANCELLED for s in _WORKING},
    **{(s, A.MERGE): S.CANCELLED for s in _WORKING},
    (S.RESOLVED, A.CONFIRM): S.CLOSED,
    (S.RESOLVED, A.EXPIRE): S.CLOSED,
    (S.RESOLVED, A.REOPEN): S.REOPENED,
    (S.CLOSED, A.REOPEN): S.REOPENED,
    (S.CANCELLED, A.UNMERGE): S.ASSIGNED,
}

#: states in which somebody still has to act
OPEN_STATES = frozenset({S.NEW, *_WORKING})
#: states nothing more happens in (closed may still be reopened)
CLOSED_STATES = frozenset({S.CLOSED, S.CANCELLED, S.REFERRED})


def transition(current: Status | str, action: Action | str) -> Status:
    """Return the state after `action`; refuse an action the table does not allow."""
    state, act = Status(current), Action(action)
    after = TRANSITIONS.get((state, act))
    if after is None:
        raise InvalidTransition(state=state.value, action=act.value)
    return after


def allowed_actions(current: Status | str) -> frozenset[Action]:
    """Return the actions the table allows from `current`."""
    state = Status(current)
    return frozenset(a for (s, a) in TRANSITIONS if s is state)

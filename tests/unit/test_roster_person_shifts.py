"""One person's shifts and leave for their calendar, from the same roster /duty reads: covers
and swaps are theirs with whose shift it was, leave takes the shifts away."""

from __future__ import annotations

from datetime import date

from bot.domain.duty.roster import Override, Roster
from tests.unit.test_roster_duty import BUILDING_GRID, SH, STAFF, demo_spec, sh


def _roster(*overrides: Override) -> Roster:
    roster = Roster(demo_spec(), STAFF, BUILDING_GRID, SH)
    for override in overrides:
        roster = roster.with_override(override)
    return roster


def test_a_persons_shifts_in_a_week_in_local_time() -> None:
    shifts = _roster().shifts_of("zhang", date(2026, 12, 1), date(2026, 12, 3))
    assert [(s.start, s.end, s.covers_for) for s in shifts] == [
        (sh(2026, 12, d, 8), sh(2026, 12, d, 17), None) for d in (1, 2, 3)
    ]
    assert shifts[0].start.tzinfo is SH


def test_a_cover_is_the_covering_persons_shift_and_no_longer_the_others() -> None:
    cover = Override(
        kind="cover", staff="zhang", by="zhou", start=date(2026, 12, 5), end=date(2026, 12, 5)
    )
    roster = _roster(cover)
    zhou = roster.shifts_of("zhou", date(2026, 12, 5), date(2026, 12, 5))
    assert [(s.start.hour, s.end.hour, s.covers_for) for s in zhou] == [
        (8, 17, "zhang"),
        (17, 8, None),
    ]
    assert roster.shifts_of("zhang", date(2026, 12, 5), date(2026, 12, 5)) == []


def test_a_swap_gives_each_the_others_shift() -> None:
    swap = Override(
        kind="swap", staff="zhang", by="zhou", start=date(2026, 12, 6), end=date(2026, 12, 6)
    )
    roster = _roster(swap)
    zhang = roster.shifts_of("zhang", date(2026, 12, 6), date(2026, 12, 6))
    assert [(s.start.hour, s.covers_for) for s in zhang] == [(17, "zhou")]


def test_leave_removes_the_shifts_and_is_listed_as_whole_days() -> None:
    leave = Override(kind="leave", staff="chen", start=date(2026, 12, 1), end=date(2026, 12, 3))
    roster = _roster(leave)
    assert roster.shifts_of("chen", date(2026, 12, 1), date(2026, 12, 3)) == []
    assert len(roster.shifts_of("chen", date(2026, 12, 4), date(2026, 12, 4))) == 1
    assert roster.leave_of("chen", date(2026, 11, 24), date(2026, 12, 29)) == [
        (date(2026, 12, 1), date(2026, 12, 3))
    ]
    assert roster.leave_of("chen", date(2026, 12, 4), date(2026, 12, 29)) == []
    assert roster.leave_of("zhang", date(2026, 11, 24), date(2026, 12, 29)) == []

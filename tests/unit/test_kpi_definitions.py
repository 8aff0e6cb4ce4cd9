"""Each figure's definition (README: How Loudao counts), on ten tickets counted by hand.

November 2026 in Shanghai. The tickets, and what each one should count as:

  T1  L2 plumbing B1: accepted in 30 min, fixed, confirmed 满意          closed, confirmed
  T2  L2 electric B1: accepted after a day, fixed late, verdict expired  closed, unconfirmed
  T3  L1 plumbing B2: accepted in 20 min, under control in 1 h, fixed, reopened once,
      confirmed 基本满意, called back next morning; two neighbours said 我也是
  T4  L2 plumbing B2: referred to 12345 after its acknowledge deadline  referred
      passed with nobody accepting (missed), long before its resolve deadline (moot)
  T5  L2 plumbing B1: withdrawn within the hour                         withdrawn (moot)
  T6  L2 plumbing B1: merged into T1                                    a duplicate, not opened
  T7  L2 electric B2: accepted in 1 h, fixed, verdict awaited           resolved, waiting
  T8  L3 structure B1: accepted next day, plan due 4 Dec                open, plan pending
  T9  L2 lift B2: nobody has accepted it for three days                 open, overdue
  T10 L2 plumbing B1: accepted in 45 min, fixed, reopened (没解决)        open, overdue
and T0, reported in October, still open and past its resolve deadline (overdue now).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.kpi import (
    EVERYTHING,
    Inputs,
    Period,
    PeriodKind,
    Slice,
    TicketFacts,
    compute,
    month,
    parse_period,
    week_of,
)
from bot.domain.tickets.states import Status

TZ = "Asia/Shanghai"
NOVEMBER = month(date(2026, 11, 1), TZ)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
H, M = timedelta(hours=1), timedelta(minutes=1)


def at(day: int, hour: int = 0, minute: int = 0, month_: int = 11) -> datetime:
    return datetime(2026, month_, day, hour, minute, tzinfo=UTC)


def ticket(n: int, level: int, category: str, building: str, status: Status, **kw: object):
    kw.setdefault("created_at", at(n + 1))
    return TicketFacts(
        id=n,
        number=f"A-{n:04d}",
        building=building,
        grid="G1" if building == "B1" else "G2",
        category=category,
        level=level,
        status=status,
        assignee_id=kw.pop("assignee_id", 7),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


T1 = ticket(
    1, 2, "plumbing", "B1", Status.CLOSED,
    created_at=at(2, 2), accepted_at=at(2, 2, 30), controlled_at=at(2, 3), resolved_at=at(3),
    closed_at=at(4), closure="confirmed", verdict="satisfied",
    promised={"acknowledge_by": at(2, 4), "resolve_by": at(9)},
)  # fmt: skip
T2 = ticket(
    2, 2, "electric", "B1", Status.CLOSED,
    created_at=at(5), accepted_at=at(6), resolved_at=at(20), closed_at=at(23),
    closure="unconfirmed",
    promised={"acknowledge_by": at(5, 2), "resolve_by": at(12)},
)  # fmt: skip
T3 = ticket(
    3, 1, "plumbing", "B2", Status.CLOSED,
    created_at=at(10, 10), accepted_at=at(10, 10, 20), controlled_at=at(10, 11),
    resolved_at=at(10, 13), closed_at=at(12), closure="confirmed", verdict="mostly",
    reopen_count=1, me_too=2, follow_up_done_at=at(11, 9),
    promised={
        "acknowledge_by": at(10, 10, 5), "respond_by": at(10, 10, 30),
        "control_by": at(10, 12), "follow_up_by": at(11, 13),
    },
)  # fmt: skip
T4 = ticket(
    4, 2, "plumbing", "B2", Status.REFERRED, created_at=at(12), referred_to="12345",
    closed_at=at(12, 5), promised={"acknowledge_by": at(12, 2), "resolve_by": at(19)},
)  # fmt: skip
T5 = ticket(
    5, 2, "plumbing", "B1", Status.CANCELLED, created_at=at(14), updated_at=at(14, 1),
    promised={"acknowledge_by": at(14, 2), "resolve_by": at(21)},
)  # fmt: skip
T6 = ticket(6, 2, "plumbing", "B1", Status.CANCELLED, created_at=at(15), merged_into_id=1)
T7 = ticket(
    7, 2, "electric", "B2", Status.RESOLVED,
    created_at=at(25), accepted_at=at(25, 1), resolved_at=at(27),
    promised={"acknowledge_by": at(25, 2), "resolve_by": at(2, month_=12)},
)  # fmt: skip
T8 = ticket(
    8, 3, "structure", "B1", Status.ACCEPTED, created_at=at(20), accepted_at=at(21),
    promised={"acknowledge_by": at(21, 9), "plan_by": at(4, month_=12)},
)  # fmt: skip
T9 = ticket(
    9, 2, "lift", "B2", Status.ASSIGNED, created_at=at(28),
    promised={"acknowledge_by": at(28, 2), "resolve_by": at(5, month_=12)},
)  # fmt: skip
T10 = ticket(
    10, 2, "plumbing", "B1", Status.REOPENED,
    created_at=at(8), accepted_at=at(8, 0, 45), resolved_at=at(9), verdict="not_solved",
    reopen_count=1, promised={"acknowledge_by": at(8, 2), "resolve_by": at(15)},
)  # fmt: skip
T0 = ticket(
    0, 2, "plumbing", "B2", Status.IN_PROGRESS,
    created_at=at(10, month_=10), accepted_at=at(10, 1, month_=10),
    promised={"acknowledge_by": at(10, 2, month_=10), "resolve_by": at(17, month_=10)},
)  # fmt: skip
OCTOBER = [
    ticket(21, 2, "plumbing", "B1", Status.CLOSED, created_at=at(3, month_=10)),
    ticket(22, 2, "plumbing", "B1", Status.CLOSED, created_at=at(4, month_=10)),
    ticket(23, 2, "electric", "B2", Status.CLOSED, created_at=at(5, month_=10)),
]
NOVEMBER_TICKETS = [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10]
OPEN_NOW = [T0, T8, T9, T10]


def figures(where: Slice = EVERYTHING):
    inputs = Inputs(NOVEMBER, NOW, NOVEMBER_TICKETS, OCTOBER, OPEN_NOW)
    return compute(inputs, where)


def test_opened_counts_every_report_of_the_period_but_duplicates_merged_into_another():
    kpi = figures()
    assert kpi.opened == 9  # T1–T10 without T6
    assert kpi.merged == 1  # T6


def test_handled_leaves_out_what_was_withdrawn_or_referred_elsewhere():
    kpi = figures()
    assert (kpi.withdrawn, kpi.referred) == (1, 1)  # T5, T4
    assert kpi.handled == 7


def test_closure_rate_is_closed_over_handled():
    kpi = figures()
    assert kpi.closed == 3  # T1, T2, T3
    assert (kpi.closure_rate.part, kpi.closure_rate.whole) == (3, 7)
    assert kpi.resolved_waiting == 1  # T7: fixed, but not closed until the resident answers


def test_confirmed_fixed_rate_counts_only_the_residents_own_word():
    kpi = figures()
    assert kpi.confirmed == 2  # T1, T3; T2 closed because nobody answered
    assert kpi.confirmed_rate.share == 2 / 3


def test_satisfaction_is_satisfied_and_mostly_over_verdicts_given():
    kpi = figures()
    assert kpi.verdicts == {"satisfied": 1, "mostly": 1, "not_solved": 1}
    assert (kpi.satisfaction.part, kpi.satisfaction.whole) == (2, 3)


def test_reopened_and_me_too():
    kpi = figures()
    assert (kpi.reopened, kpi.reopenings) == (2, 2)  # T3, T10
    assert kpi.me_too == 2  # T3's two neighbours


def test_open_and_overdue_now_count_every_open_ticket_whenever_reported():
    kpi = figures()
    assert kpi.open_now == 4
    # T0 and T10 are past their resolve deadline, T9 was never accepted; T8's plan is not due
    assert kpi.overdue_now == ["A-0000", "A-0009", "A-0010"]


def test_each_deadline_per_level_met_missed_pending_and_time_taken():
    kpi = figures()
    rows = {(d.level, d.name): d for d in kpi.deadlines}
    ack2 = rows[(2, "acknowledge_by")]
    # T1 30 min, T7 1 h, T10 45 min met; T2 a day late, T9 never, T4 referred three hours
    # after nobody had accepted it; T5 was withdrawn before it fell due: moot
    assert (ack2.met, ack2.missed, ack2.pending) == (3, 3, 0)
    assert (ack2.on_time.part, ack2.on_time.whole) == (3, 6)
    assert (ack2.p50, ack2.p90) == (45 * M, 24 * H)  # of 30 min, 45 min, 1 h, 24 h
    res2 = rows[(2, "resolve_by")]
    # T1, T7 in time; T2 late; T10 reopened and not fixed again by its deadline; T9 not yet
    # due; T4 and T5 ended long before it
    assert (res2.met, res2.missed, res2.pending) == (2, 2, 1)
    ack1, respond1, control1 = (
        rows[(1, "acknowledge_by")],
        rows[(1, "respond_by")],
        rows[(1, "control_by")],
    )
    assert (ack1.met, ack1.missed, ack1.p50) == (0, 1, 20 * M)  # 5 min promised, 20 taken
    assert (respond1.met, respond1.p50) == (1, 20 * M)
    assert (control1.met, control1.p50) == (1, 60 * M)
    assert rows[(1, "follow_up_by")].met == 1
    assert rows[(1, "follow_up_by")].p50 == 23 * H
    assert (rows[(3, "acknowledge_by")].met, rows[(3, "plan_by")].pending) == (1, 1)
    assert [(d.level, d.name) for d in kpi.deadlines] == [
        (1, "acknowledge_by"),
        (1, "respond_by"),
        (1, "control_by"),
        (1, "follow_up_by"),
        (2, "acknowledge_by"),
        (2, "resolve_by"),
        (3, "acknowledge_by"),
        (3, "plan_by"),
    ]


def test_working_time_is_what_the_timer_says():
    def half(_level: int, _name: str, start: datetime, end: datetime) -> timedelta:
        return (end - start) / 2

    kpi = compute(Inputs(NOVEMBER, NOW, NOVEMBER_TICKETS, OCTOBER, OPEN_NOW), timer=half)
    rows = {(d.level, d.name): d for d in kpi.deadlines}
    assert rows[(2, "acknowledge_by")].p90 == 12 * H


def test_hot_spots_rank_categories_and_buildings_against_the_period_before():
    kpi = figures()
    assert [(h.name, h.count, h.previous, h.change) for h in kpi.top_categories] == [
        ("plumbing", 5, 2, 3),
        ("electric", 2, 1, 1),
        ("lift", 1, 0, 1),
        ("structure", 1, 0, 1),
    ]
    assert [(h.name, h.count, h.previous) for h in kpi.top_buildings] == [
        ("B1", 5, 2),
        ("B2", 4, 1),
    ]


def test_a_slice_counts_only_its_own_tickets():
    b2 = figures(Slice(building="B2"))
    assert (b2.opened, b2.closed, b2.open_now) == (4, 1, 2)  # T3 T4 T7 T9; T3; T0 T9
    g1 = figures(Slice(grid="G1"))
    assert g1.opened == 5
    plumbing_l2 = figures(Slice(category="plumbing", level=2))
    assert plumbing_l2.opened == 4  # T1 T4 T5 T10
    assert figures(Slice(assignee_id=99)).opened == 0


def test_nothing_to_divide_is_no_share_not_zero():
    empty = compute(Inputs(NOVEMBER, NOW, [], [], []))
    assert empty.closure_rate.share is None
    assert empty.satisfaction.share is None
    assert empty.deadlines == []


def test_periods_are_local_days_in_the_community_timezone():
    assert NOVEMBER.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert NOVEMBER.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert NOVEMBER.previous() == month(date(2026, 10, 1), TZ)
    january = month(date(2027, 1, 5), TZ)
    assert january.previous().label() == "2026-12"
    week = week_of(date(2026, 12, 1), TZ)  # a Tuesday
    assert (week.first, week.last, week.kind) == (date(2026, 11, 30), date(2026, 12, 6), "week")
    assert week.previous().first == date(2026, 11, 23)
    days = Period(date(2026, 11, 3), date(2026, 11, 9), TZ)
    assert (days.previous().first, days.previous().last) == (date(2026, 10, 27), date(2026, 11, 2))
    assert days.until(NOW) == days.end
    assert week.until(NOW) == NOW


def test_what_admins_type_after_stats():
    today = date(2026, 12, 1)
    assert parse_period("本周", today, TZ) == week_of(today, TZ)
    assert parse_period("上周", today, TZ) == week_of(date(2026, 11, 24), TZ)
    assert parse_period("上月", today, TZ) == NOVEMBER
    assert parse_period("last month", today, TZ) == NOVEMBER
    assert parse_period("2026-11", today, TZ) == NOVEMBER
    assert parse_period("2026年11月", today, TZ) == NOVEMBER
    assert parse_period("今年", today, TZ).kind is PeriodKind.YEAR  # type: ignore[union-attr]
    ranged = parse_period("2026-11-03~2026-11-09", today, TZ)
    assert ranged == Period(date(2026, 11, 3), date(2026, 11, 9), TZ)
    assert parse_period("2026-11-03 至 2026-11-09", today, TZ) == ranged
    assert parse_period("2026-11-03", today, TZ) == Period(
        date(2026, 11, 3), date(2026, 11, 3), TZ
    )
    for nonsense in ("2026-13", "2026-02-30", "2026-11-09~2026-11-03", "下下周", "3号楼"):
        assert parse_period(nonsense, today, TZ) is None

"""The escalation plan: reminders at 80%, pages at deadlines, level-1 pager when nobody accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.duty.roster import ChainStep, DutyAnswer, StaffRef
from bot.domain.escalation.plan import EscalationStep, plan_escalation
from bot.domain.sla.deadlines import SlaPolicy, compute_deadlines
from bot.yamlio import load_model_text

SH = ZoneInfo("Asia/Shanghai")

ZHANG = StaffRef("zhang", "张师傅", 9003)
ZHOU = StaffRef("zhou", "周师傅", 9008)
LI = StaffRef("li", "李经理", 9002, frozenset({"supervisor"}))
WANG = StaffRef("wang", "王主任", 9001, frozenset({"admin"}))


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def rows(steps: list[EscalationStep]) -> list[tuple[datetime, str, str, str]]:
    return [(s.at, s.kind, s.target.key, s.reason) for s in steps]


def level1_duty() -> DutyAnswer:
    return DutyAnswer(
        ZHANG,
        (
            ChainStep(ZHOU, 5, "backup"),
            ChainStep(LI, 5, "supervisor"),
            ChainStep(WANG, 30, "admin"),
        ),
    )


def test_level_1_nobody_accepts_in_5_minutes_pages_backup_and_supervisor_at_once() -> None:
    policy = SlaPolicy()
    opened = sh(2026, 11, 24, 2, 0)
    deadlines = compute_deadlines(1, opened, policy, policy.calendar())
    steps = plan_escalation(1, opened, deadlines, level1_duty(), policy)
    at_five = [r for r in rows(steps) if r[0] == opened + timedelta(minutes=5)]
    assert at_five == [
        (opened + timedelta(minutes=5), "page", "zhou", "accept"),
        (opened + timedelta(minutes=5), "page", "li", "accept"),
    ]
    assert [s.step_no for s in steps] == list(range(1, len(steps) + 1))
    assert all(s.at.tzinfo is UTC for s in steps)


def test_level_1_full_plan_reminds_at_80_percent_and_pages_up_the_chain() -> None:
    policy = SlaPolicy()
    opened = sh(2026, 11, 24, 2, 0)
    deadlines = compute_deadlines(1, opened, policy, policy.calendar())

    def m(minutes: float) -> datetime:
        return opened + timedelta(minutes=minutes)

    assert rows(plan_escalation(1, opened, deadlines, level1_duty(), policy)) == [
        (m(4), "remind", "zhang", "acknowledge_by"),
        (m(5), "page", "zhou", "accept"),
        (m(5), "page", "li", "accept"),
        (m(24), "remind", "zhang", "respond_by"),
        (m(30), "page", "wang", "accept"),
        (m(30), "page", "li", "respond_by"),
        (m(96), "remind", "zhang", "control_by"),
        (m(120), "page", "wang", "control_by"),
    ]  # the follow-up call is planned from the fix, not from the report


def test_the_follow_up_call_is_counted_from_the_fix() -> None:
    from bot.domain.escalation.plan import plan_follow_up

    policy = SlaPolicy()
    fixed = sh(2026, 11, 24, 9, 0)
    due = fixed + timedelta(hours=24)
    assert rows(plan_follow_up(fixed, due, level1_duty(), policy, 11)) == [
        (fixed + timedelta(hours=24 * 0.8), "remind", "zhang", "follow_up_by"),
        (due, "page", "wang", "follow_up_by"),  # the last of the chain: the admin
    ]


def test_level_2_reminder_at_80_percent_of_working_time_and_page_at_deadline() -> None:
    policy = SlaPolicy()
    cal = policy.calendar()
    opened = sh(2026, 11, 20, 16, 30)  # Friday afternoon
    deadlines = compute_deadlines(2, opened, policy, cal)
    duty = DutyAnswer(ZHANG, (ChainStep(LI, None, "supervisor"), ChainStep(WANG, None, "admin")))
    assert rows(plan_escalation(2, opened, deadlines, duty, policy, cal)) == [
        # 2 working hours end Monday 09:30; 80% = 96 min: 60 on Friday, 36 on Monday
        (sh(2026, 11, 23, 9, 6), "remind", "zhang", "acknowledge_by"),
        (sh(2026, 11, 23, 9, 30), "page", "li", "acknowledge_by"),
        # 5 working days end Friday 11/27 17:30: 1 + 5 × 9 = 46 working hours after opening;
        # 80% = 36 h 48 min → 1 h Friday, 27 h Mon–Wed, 8 h 48 min on Thursday
        (sh(2026, 11, 26, 17, 18), "remind", "zhang", "resolve_by"),
        (sh(2026, 11, 27, 17, 30), "page", "wang", "resolve_by"),
    ]


def test_level_2_without_calendar_reminds_on_the_clock() -> None:
    policy = SlaPolicy()
    opened = sh(2026, 11, 23, 9)
    deadlines = compute_deadlines(2, opened, policy, policy.calendar())
    duty = DutyAnswer(ZHANG, (ChainStep(LI, None, "supervisor"),))
    first = plan_escalation(2, opened, deadlines, duty, policy)[0]
    assert (first.at, first.kind) == (sh(2026, 11, 23, 10, 36), "remind")


def test_level_3_pages_supervisor_then_admin() -> None:
    policy = SlaPolicy()
    cal = policy.calendar()
    opened = sh(2026, 11, 23, 9)
    deadlines = compute_deadlines(3, opened, policy, cal)
    duty = DutyAnswer(LI, (ChainStep(WANG, None, "admin"),), primary_role="supervisor")
    pages = [
        r for r in rows(plan_escalation(3, opened, deadlines, duty, policy, cal)) if r[1] == "page"
    ]
    assert pages == [
        (sh(2026, 11, 24, 17, 30), "page", "wang", "acknowledge_by"),
        (sh(2026, 12, 7, 9), "page", "wang", "plan_by"),
    ]


def test_without_chain_the_primary_is_paged_at_the_deadline() -> None:
    policy = SlaPolicy()
    opened = sh(2026, 11, 23, 9)
    deadlines = compute_deadlines(2, opened, policy, policy.calendar())
    steps = plan_escalation(2, opened, deadlines, DutyAnswer(WANG, (), "admin"), policy)
    assert {(s.kind, s.target.key) for s in steps} == {("remind", "wang"), ("page", "wang")}


def test_no_primary_no_plan() -> None:
    policy = SlaPolicy()
    opened = sh(2026, 11, 23, 9)
    deadlines = compute_deadlines(2, opened, policy, policy.calendar())
    assert plan_escalation(2, opened, deadlines, DutyAnswer(None, ()), policy) == []


def test_configured_reminder_point() -> None:
    policy = load_model_text("remind_at: 0.5\n", SlaPolicy)
    opened = sh(2026, 11, 24, 2, 0)
    deadlines = compute_deadlines(1, opened, policy, policy.calendar())
    reminders = [
        s
        for s in plan_escalation(1, opened, deadlines, level1_duty(), policy)
        if s.kind == "remind"
    ]
    assert reminders[0].at == opened + timedelta(minutes=2, seconds=30)

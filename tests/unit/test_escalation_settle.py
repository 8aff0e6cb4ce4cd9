"""Which ticket states settle which escalation steps, and the plan of a ticket someone holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.duty.answer import roster_of
from bot.domain.duty.records import is_settled, settled_reasons
from bot.domain.records import BuildingInfo, CommunityInfo, PersonInfo
from bot.domain.sla.deadlines import SlaPolicy
from bot.domain.tickets import Status, Ticket
from bot.registry_file import read_registry
from bot.services.duty.setup import DutySetup
from bot.services.escalation.plan import plan_steps
from tests.conftest import DEMO_COMMUNITY

NIGHT = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # Tue 02:00 in Shanghai


def test_accepting_settles_the_accept_and_response_steps_only() -> None:
    assert set(settled_reasons(Status.ACCEPTED)) == {"accept", "acknowledge_by", "respond_by"}
    assert not is_settled("control_by", Status.ACCEPTED)
    assert is_settled("control_by", Status.IN_PROGRESS)  # a progress note: under control
    assert not is_settled("resolve_by", Status.IN_PROGRESS)
    assert is_settled("resolve_by", Status.RESOLVED)


def test_the_follow_up_call_is_settled_by_its_own_task_not_by_resolving() -> None:
    assert not is_settled("follow_up_by", Status.CLOSED)
    assert is_settled("follow_up_by", Status.CLOSED, follow_up_done=True)


def test_a_cancelled_or_referred_ticket_settles_everything() -> None:
    for status in (Status.CANCELLED, Status.REFERRED):
        assert set(settled_reasons(status)) >= {"accept", "resolve_by", "follow_up_by"}
    assert settled_reasons(Status.ASSIGNED) == [] and settled_reasons(Status.REOPENED) == []


def _setup() -> DutySetup:
    spec = read_registry(DEMO_COMMUNITY).communities[0]
    people = [
        PersonInfo(
            i,
            1,
            s.key,
            s.name,
            s.telegram_id,
            frozenset(s.roles),
            frozenset(s.skills),
            frozenset(s.buildings),
            frozenset(s.grids),
        )
        for i, s in enumerate(spec.staff, start=1)
    ]
    community = CommunityInfo(
        1, "A", spec.name, spec.timezone, spec.locale,
        tuple(BuildingInfo(b.number, (), b.units, b.grid) for b in spec.buildings), ("G1", "G2"),
    )  # fmt: skip
    policy = spec.sla or SlaPolicy()
    tz = ZoneInfo(spec.timezone)
    return DutySetup(community, people, roster_of(spec), policy, policy.calendar(tz), tz)


def _ticket(assignee: int, name: str, level: int = 1) -> Ticket:
    return Ticket(
        id=1, community_id=1, number="A-0001", status=Status.ASSIGNED, category="water_leak",
        level=level, building="3", unit="2", room=None, phone=None, text="", chat_id=-1,
        message_id=None, reporter_id=1, reporter_name="", on_behalf_by=None, source="mention",
        assignee_id=assignee, assignee_name=name, card_outbox_id=None, card_version=0,
        verdict_outbox_id=None, created_at=NIGHT, updated_at=NIGHT,
    )  # fmt: skip


def test_the_night_plan_pages_backup_and_supervisor_at_five_minutes_admin_at_thirty() -> None:
    steps = plan_steps(_setup(), _ticket(9008, "周师傅"), NIGHT, 1)
    pages = [(s.due_at - NIGHT, s.target_name) for s in steps if s.kind == "page"]
    assert (timedelta(minutes=5), "张师傅") in pages and (timedelta(minutes=5), "李经理") in pages
    assert (timedelta(minutes=30), "王主任") in pages
    reminders = {s.target_name for s in steps if s.kind == "remind"}
    assert reminders == {"周师傅"}


def test_a_ticket_held_by_the_supervisor_only_escalates_to_the_admin() -> None:
    steps = plan_steps(_setup(), _ticket(9002, "李经理"), NIGHT, 7)
    assert {s.target_name for s in steps if s.kind == "page"} == {"王主任"}
    assert steps[0].step_no == 7  # numbered after the steps stored before (a reopen)


def test_a_level_2_ticket_is_paged_at_its_working_time_deadlines() -> None:
    steps = plan_steps(_setup(), _ticket(9003, "张师傅", level=2), NIGHT, 1)
    assert all(s.reason != "accept" for s in steps)  # only level 1 pages on "not accepted"
    acknowledge = next(s for s in steps if s.kind == "page" and s.reason == "acknowledge_by")
    assert acknowledge.due_at == datetime(2026, 12, 1, 2, 30, tzinfo=UTC)  # 10:30 Shanghai

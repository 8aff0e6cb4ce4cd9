"""Who is on duty: shifts, rotations, overrides, leave and the fallback chain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.duty.roster import DutyAnswer, Override, Roster, RosterSpec, StaffRef
from bot.domain.errors import ConfigFileError
from bot.yamlio import load_model_text, read_yaml, validate

SH = ZoneInfo("Asia/Shanghai")
EXAMPLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "roster.yaml"

WATER = frozenset({"water_leak", "water_supply", "drainage", "gas"})
GRID = frozenset(
    {"noise", "neighbour_dispute", "group_rental", "ebike_charging", "parking", "security"}
    | {"fire_safety"}
)
STAFF = [
    StaffRef("wang", "王主任", 9001, frozenset({"admin"})),
    StaffRef("li", "李经理", 9002, frozenset({"supervisor", "staff"})),
    StaffRef("zhang", "张师傅", 9003, frozenset({"staff"}), WATER),
    StaffRef("zhou", "周师傅", 9008, frozenset({"staff"}), WATER),
    StaffRef(
        "liu",
        "刘师傅",
        9004,
        frozenset({"staff"}),
        frozenset({"power", "lighting", "elevator", "doors_access", "public_facility"}),
    ),
    StaffRef("chen", "陈阿姨", 9005, frozenset({"staff"}), frozenset({"sanitation", "greenery"})),
    StaffRef("zhao", "赵网格员", 9006, frozenset({"grid_worker"}), GRID, grids=frozenset({"G1"})),
    StaffRef("sun", "孙网格员", 9007, frozenset({"grid_worker"}), GRID, grids=frozenset({"G2"})),
]
BUILDING_GRID = {b: "G1" for b in ("1", "2", "3", "5")} | {
    b: "G2" for b in ("6", "8", "65", "171")
}


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def primary_key(answer: DutyAnswer) -> str | None:
    return None if answer.primary is None else answer.primary.key


def demo_spec() -> RosterSpec:
    doc = read_yaml(EXAMPLE)
    doc.data = doc.data["roster"]
    return validate(doc, RosterSpec)


@pytest.fixture
def roster() -> Roster:
    return Roster(demo_spec(), STAFF, BUILDING_GRID, SH)


def names(answer_roster: Roster, building: str | None, category: str, at: datetime) -> list[str]:
    return [s.key for s in answer_roster.who(building, category, at).everyone()]


# Monday 2026-11-23, Saturday 2026-11-28 and Sunday 2026-11-22 are used throughout.


def test_day_plumber_by_day_night_plumber_by_night(roster: Roster) -> None:
    assert primary_key(roster.who("3", "water_leak", sh(2026, 11, 23, 10))) == "zhang"
    assert names(roster, "3", "water_leak", sh(2026, 11, 23, 20)) == ["zhou", "li", "wang"]


def test_two_in_the_morning_belongs_to_yesterdays_night_shift(roster: Roster) -> None:
    answer = roster.who("171", "drainage", sh(2026, 11, 24, 2))
    assert answer.primary is not None and answer.primary.key == "zhou"
    assert answer.primary_role == "on_duty"


def test_shift_boundaries_are_start_inclusive_end_exclusive(roster: Roster) -> None:
    assert names(roster, "1", "gas", sh(2026, 11, 23, 8))[0] == "zhang"
    assert names(roster, "1", "gas", sh(2026, 11, 23, 17))[0] == "zhou"
    assert names(roster, "1", "gas", sh(2026, 11, 23, 7, 59))[0] == "zhou"


def test_weekend_electrician_rotation_takes_turns_each_week(roster: Roster) -> None:
    # rotation starts Saturday 2026-11-07 with liu; a week each
    assert names(roster, "5", "power", sh(2026, 11, 8, 10))[0] == "liu"
    assert names(roster, "5", "power", sh(2026, 11, 14, 10))[0] == "li"
    assert names(roster, "5", "power", sh(2026, 11, 22, 10))[0] == "liu"
    assert names(roster, "5", "power", sh(2026, 11, 28, 10))[0] == "li"
    # on weekdays liu alone
    assert names(roster, "5", "power", sh(2026, 11, 25, 10))[0] == "liu"


def test_nobody_with_the_skill_goes_to_the_supervisor(roster: Roster) -> None:
    answer = roster.who("3", "other", sh(2026, 11, 23, 10))
    assert answer.primary is not None and answer.primary.key == "li"
    assert answer.primary_role == "supervisor"
    assert [(s.staff.key, s.role) for s in answer.chain] == [("wang", "admin")]


def test_skill_off_shift_at_night_goes_to_the_supervisor(roster: Roster) -> None:
    assert names(roster, "3", "power", sh(2026, 11, 23, 22)) == ["li", "wang"]


def test_supervisor_on_leave_falls_to_the_admin(roster: Roster) -> None:
    away = roster.with_override(
        Override(kind="leave", staff="li", start=date(2026, 11, 23), end=date(2026, 11, 23))
    )
    answer = away.who("3", "other", sh(2026, 11, 23, 10))
    assert answer.primary is not None and answer.primary.key == "wang"
    assert answer.primary_role == "admin" and answer.chain == ()
    # the leave ends with the day
    assert names(away, "3", "other", sh(2026, 11, 24, 10)) == ["li", "wang"]


def test_committee_categories_go_to_the_grid_worker_of_the_buildings_grid(roster: Roster) -> None:
    assert names(roster, "3", "noise", sh(2026, 11, 23, 10)) == ["zhao", "li", "wang"]
    assert names(roster, "65", "neighbour_dispute", sh(2026, 11, 23, 10))[0] == "sun"
    assert names(roster, "171", "group_rental", sh(2026, 11, 23, 10))[0] == "sun"


def test_committee_category_on_the_weekend_or_without_building_goes_to_supervisor(
    roster: Roster,
) -> None:
    assert names(roster, "3", "noise", sh(2026, 11, 28, 10))[0] == "li"
    assert names(roster, None, "noise", sh(2026, 11, 23, 10))[0] == "li"


def test_grid_scoped_duty_only_covers_its_own_grid(roster: Roster) -> None:
    # parking is not a committee category, but zhao's duty only covers G1
    assert names(roster, "2", "parking", sh(2026, 11, 23, 10))[0] == "zhao"
    assert names(roster, "8", "parking", sh(2026, 11, 23, 10))[0] == "sun"


def test_cover_moves_a_shift_to_someone_else(roster: Roster) -> None:
    covered = roster.with_override(
        Override(
            kind="cover",
            staff="zhang",
            by="zhou",
            start=date(2026, 11, 23),
            end=date(2026, 11, 23),
        )
    )
    assert names(covered, "3", "water_leak", sh(2026, 11, 23, 10))[0] == "zhou"
    assert names(covered, "3", "water_leak", sh(2026, 11, 24, 10))[0] == "zhang"


def test_swap_exchanges_shifts_for_the_period(roster: Roster) -> None:
    swapped = roster.with_override(
        Override(
            kind="swap", staff="zhang", by="zhou", start=date(2026, 11, 23), end=date(2026, 11, 23)
        )
    )
    assert names(swapped, "3", "water_leak", sh(2026, 11, 23, 10))[0] == "zhou"
    assert names(swapped, "3", "water_leak", sh(2026, 11, 23, 22))[0] == "zhang"
    # the night shift that started on the swap day keeps its swapped person past midnight
    assert names(swapped, "3", "water_leak", sh(2026, 11, 24, 2))[0] == "zhang"
    # the previous night's shift (started 11/22) is untouched at 02:00 on 11/23
    assert names(swapped, "3", "water_leak", sh(2026, 11, 23, 2))[0] == "zhou"


def test_leave_without_cover_leaves_the_shift_to_the_fallback_chain(roster: Roster) -> None:
    away = roster.with_override(
        Override(kind="leave", staff="chen", start="2026-11-23", end="2026-11-24")  # type: ignore[arg-type]
    )
    assert names(away, "3", "sanitation", sh(2026, 11, 24, 10)) == ["li", "wang"]
    assert names(away, "3", "sanitation", sh(2026, 11, 25, 10))[0] == "chen"


def test_backup_duty_comes_between_primary_and_supervisor() -> None:
    spec = load_model_text(
        """
shifts: {day: {start: "08:00", end: "17:00"}}
duties:
  - {name: plumber, shift: day, staff: zhang}
  - {name: backup plumber, shift: day, staff: zhou, role: backup}
supervisors: [li]
admins: [wang]
""",
        RosterSpec,
    )
    answer = Roster(spec, STAFF, BUILDING_GRID, SH).who("3", "water_leak", sh(2026, 11, 23, 9), 1)
    assert answer.primary is not None and answer.primary.key == "zhang"
    assert [(s.staff.key, s.role, s.after_minutes) for s in answer.chain] == [
        ("zhou", "backup", 5),
        ("li", "supervisor", 5),
        ("wang", "admin", 30),
    ]
    level2 = Roster(spec, STAFF, BUILDING_GRID, SH).who("3", "water_leak", sh(2026, 11, 23, 9))
    assert [s.after_minutes for s in level2.chain] == [None, None, None]


def test_as_json_shape(roster: Roster) -> None:
    data = roster.who("3", "water_leak", sh(2026, 11, 23, 10), level=1).as_json()
    assert data["primary"] == {
        "key": "zhang",
        "name": "张师傅",
        "telegram_id": 9003,
        "role": "on_duty",
    }
    assert data["chain"][0] == {
        "key": "li",
        "name": "李经理",
        "telegram_id": 9002,
        "role": "supervisor",
        "after_minutes": 5,
    }


def test_empty_staff_gives_no_primary() -> None:
    answer = Roster(RosterSpec(), [], {}, SH).who("3", "water_leak", sh(2026, 11, 23, 10))
    assert answer.primary is None and answer.chain == ()


def test_on_duty_on_lists_shifts_starting_that_day(roster: Roster) -> None:
    listing = {staff.key: spans for staff, spans in roster.on_duty_on(date(2026, 11, 23))}
    assert set(listing) == {"zhang", "zhou", "liu", "chen", "zhao", "sun"}
    assert listing["zhou"] == [(sh(2026, 11, 23, 17), sh(2026, 11, 24, 8))]
    weekend = {staff.key for staff, _ in roster.on_duty_on(date(2026, 11, 28))}
    assert weekend == {"zhang", "zhou", "li", "chen"}


def test_dst_zone_shift_keeps_local_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    spec = load_model_text(
        'shifts: {night: {start: "17:00", end: "08:00"}}\n'
        "duties: [{name: n, shift: night, staff: zhou}]\nadmins: [wang]\n",
        RosterSpec,
    )
    roster = Roster(spec, STAFF, BUILDING_GRID, berlin)
    # the night of 24/25 Oct 2026 is 16 hours long (clocks go back), still 17:00–08:00 local
    listing = roster.on_duty_on(date(2026, 10, 24))
    start, end = listing[0][1][0]
    assert (start.hour, end.hour) == (17, 8)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 16 * 3600
    assert (
        primary_key(roster.who("3", "gas", datetime(2026, 10, 25, 7, 30, tzinfo=berlin))) == "zhou"
    )
    assert primary_key(roster.who("3", "gas", datetime(2026, 10, 25, 8, 0, tzinfo=berlin))) == "li"


def test_unknown_shift_is_a_config_error_with_line() -> None:
    with pytest.raises(ConfigFileError) as info:
        load_model_text(
            'shifts: {day: {start: "08:00", end: "17:00"}}\n'
            "duties:\n  - {name: x, shift: nite, staff: a}\n",
            RosterSpec,
            "r.yaml",
        )
    assert "nite" in info.value.message


def test_override_needs_the_other_person() -> None:
    with pytest.raises(ConfigFileError) as info:
        load_model_text(
            "overrides:\n  - {kind: cover, staff: zhang, start: 2026-12-01, end: 2026-12-01}\n",
            RosterSpec,
            "r.yaml",
        )
    assert info.value.line == 2


def test_unknown_staff_key_is_refused() -> None:
    spec = load_model_text(
        'shifts: {day: {start: "08:00", end: "17:00"}}\n'
        "duties: [{name: x, shift: day, staff: nobody}]\n",
        RosterSpec,
    )
    with pytest.raises(ValueError, match="nobody"):
        Roster(spec, STAFF, BUILDING_GRID, SH)


CATEGORIES = [
    "water_leak",
    "water_supply",
    "drainage",
    "power",
    "lighting",
    "elevator",
    "gas",
    "fire_safety",
    "ebike_charging",
    "sanitation",
    "noise",
    "parking",
    "greenery",
    "pests_animals",
    "doors_access",
    "public_facility",
    "security",
    "neighbour_dispute",
    "group_rental",
    "other",
    "question",
]


def test_no_ticket_is_ever_left_unrouted_in_the_demo(roster: Roster) -> None:
    away = roster.with_override(
        Override(kind="leave", staff="li", start=date(2026, 11, 28), end=date(2026, 11, 28))
    )
    for hour in range(0, 24 * 7, 3):
        at = sh(2026, 11, 23) + timedelta(hours=hour)
        for building in [*BUILDING_GRID, None]:
            for category in CATEGORIES:
                assert away.who(building, category, at).primary is not None


def test_with_override_leaves_the_original_roster_alone(roster: Roster) -> None:
    roster.with_override(
        Override(kind="leave", staff="zhang", start=date(2026, 11, 23), end=date(2026, 11, 23))
    )
    assert primary_key(roster.who("3", "water_leak", sh(2026, 11, 23, 10))) == "zhang"


def test_committee_categories_are_stored_in_one_order() -> None:
    # a set's order changes between processes: stored unsorted, every reload was a change
    from bot.domain.duty.roster_spec import RoutingRules

    rules = RoutingRules(committee_categories=frozenset({"noise", "group_rental", "parking"}))
    stored = rules.model_dump(mode="json")["committee_categories"]
    assert stored == ["group_rental", "noise", "parking"]

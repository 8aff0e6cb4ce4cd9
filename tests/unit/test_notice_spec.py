"""The admin-written notices file: the demo examples load, and mistakes name line and field."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.domain.notices.schedule import Once, QuietHours, Recurring
from bot.domain.notices.spec import load_notices_text
from bot.notice_files import load_notices, load_templates

EXAMPLES = Path(__file__).resolve().parents[2] / "bot" / "demo" / "notices.yaml"


def test_demo_notices_load_and_agree_with_the_template_library() -> None:
    notices = {n.id: n for n in load_notices(EXAMPLES, load_templates())}
    assert set(notices) == {
        "fire-safety-weekly",
        "ebike-flying-wire-monthly",
        "flood-season-friday",
        "anti-fraud-monthly",
    }
    fire = notices["fire-safety-weekly"]
    assert isinstance(fire.schedule, Recurring)
    assert fire.schedule.cron_expression == "0 9 * * 1"
    assert fire.target.community
    assert fire.quiet_hours == QuietHours()
    assert fire.max_lateness == timedelta(hours=3)
    flood = notices["flood-season-friday"]
    assert isinstance(flood.schedule, Recurring) and flood.schedule.season is not None
    assert (flood.schedule.season.start, flood.schedule.season.end) == ("06-01", "09-30")


def test_once_schedule_and_quiet_hours_off() -> None:
    [notice] = load_notices_text(
        "- id: water-dec-3\n"
        "  template: anti_fraud\n"
        "  target: {buildings: [65]}\n"
        "  schedule: {at: 2026-12-03 08:00}\n"
        "  quiet_hours: false\n"
    )
    assert isinstance(notice.schedule, Once)
    assert notice.quiet_hours is None
    assert notice.target.buildings == ("65",)


def test_a_bad_rule_names_its_line_and_field() -> None:
    text = (
        "- id: fire\n"
        "  template: fire_safety\n"
        "  variables: {contact: 物业}\n"
        "  target: {community: true}\n"
        "  schedule:\n"
        "    rule: 每周八 09:00\n"
    )
    with pytest.raises(ConfigFileError) as info:
        load_notices_text(text, file="notices.yaml")
    assert info.value.line == 6
    assert info.value.field == "[0].schedule.rule"
    assert "notices.yaml:6" in str(info.value)


def test_unknown_template_and_missing_variable_are_reported_together() -> None:
    text = (
        "- id: one\n"
        "  template: no_such\n"
        "  target: {community: true}\n"
        "  schedule: {rule: 每天 08:00}\n"
        "- id: two\n"
        "  template: fire_safety\n"
        "  variables: {}\n"
        "  target: {community: true}\n"
        "  schedule: {rule: 每天 08:00}\n"
    )
    with pytest.raises(ConfigFileErrors) as info:
        load_notices_text(text, load_templates())
    found = {(e.line, e.field) for e in info.value.errors}
    assert found == {(2, "[0].template"), (7, "[1].variables")}


def test_unknown_fields_and_duplicate_ids_are_refused() -> None:
    with pytest.raises(ConfigFileError) as info:
        load_notices_text(
            "- id: a\n  template: anti_fraud\n  target: {community: true}\n"
            "  schedule: {rule: 每天 08:00}\n  colour: red\n"
        )
    assert info.value.field == "[0].colour"
    with pytest.raises(ConfigFileError) as dup:
        load_notices_text(
            "- id: a\n  template: anti_fraud\n  target: {community: true}\n"
            "  schedule: {rule: 每天 08:00}\n"
            "- id: a\n  template: anti_fraud\n  target: {community: true}\n"
            "  schedule: {rule: 每天 08:00}\n"
        )
    assert dup.value.line == 5


def test_quiet_hours_written_unquoted_in_yaml_are_clock_times() -> None:
    [notice] = load_notices_text(
        "- id: a\n  template: anti_fraud\n  target: {community: true}\n"
        "  schedule: {cron: '0 9 * * 1'}\n"
        "  quiet_hours: {start: 22:00, end: 07:00}\n"
    )
    assert notice.quiet_hours == QuietHours(start=time(22, 0), end=time(7, 0))

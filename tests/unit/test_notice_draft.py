"""The /notice flow's typed draft and its steps: pure functions of a draft and an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.notices.draft import (
    PRESSES,
    TYPED,
    Answer,
    NoticeFlowDraft,
    NoticeStep,
    Picked,
    quick_time,
)
from bot.domain.notices.records import DraftRecord, NoticeRecord
from bot.domain.notices.schedule import Once, Recurring
from bot.domain.notices.templates import TemplateLibrary
from bot.services.notices.flow import NoticeFlow
from bot.services.notices.service import NoticeService

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, 30, 123456, tzinfo=UTC)  # Tuesday 10:00:30 in Shanghai
BLANK = NoticeFlowDraft(id=7, community_id=1, author_telegram_id=9001)


def press(draft: NoticeFlowDraft, kind: str, **payload: Any) -> Any:
    return PRESSES[kind](draft, Answer(NOW, SHANGHAI, {"draft": draft.id, **payload}))


def typed(draft: NoticeFlowDraft, text: str) -> Any:
    kind = draft.waits_for
    assert kind is not None
    return TYPED[kind](draft, Answer(NOW, SHANGHAI, text=text))


def stored(data: dict[str, Any], awaiting: str | None = None) -> NoticeFlowDraft:
    draft = NoticeFlowDraft.from_record(DraftRecord(7, 1, 9001, data, awaiting))
    assert draft is not None
    return draft


# -- the stored shape ----------------------------------------------------------------------------
def test_a_new_draft_is_stored_empty_as_before() -> None:
    fresh = stored({})
    assert fresh == BLANK
    assert fresh.record() == DraftRecord(7, 1, 9001, {}, None, "open")


def test_drafts_in_the_untyped_shape_are_read_field_by_field() -> None:
    # what the untyped flow stored at the confirm step of an edit (every key it wrote)
    old = {
        "replaces": 12,
        "template": None,
        "text": "明天停水",
        "variables": {},
        "target": {"community": False, "grids": ["G1"], "buildings": ["3", "5"]},
        "pin": True,
        "schedule": {"at": "2026-12-02T09:00:00"},
        "seen": [40, 41, 41],
        "unknown_later_key": 1,
    }
    draft = stored(old, awaiting=None)
    assert draft.replaces == 12 and draft.template is None and draft.text == "明天停水"
    assert draft.target == Picked(grids=("G1",), buildings=("3", "5"))
    assert draft.pin and draft.seen == (40, 41, 41)
    assert draft.schedule == Once(at=datetime(2026, 12, 2, 9, 0))
    # written back in the same keys, defaults left out: the untyped flow reads it the same way
    assert draft.record().data == {
        "replaces": 12,
        "text": "明天停水",
        "target": {"grids": ["G1"], "buildings": ["3", "5"]},
        "pin": True,
        "schedule": {"at": "2026-12-02T09:00:00"},
        "seen": [40, 41, 41],
    }


def test_a_recurring_schedule_and_blanks_survive_the_round_trip() -> None:
    old = {
        "template": "fire_safety",
        "variables": {"contact": "物业"},
        "schedule": {"rule": "每周一 09:00"},
    }
    draft = stored(old, awaiting="var:other")
    assert draft.schedule == Recurring(rule="每周一 09:00") and draft.waits_for == "var"
    assert draft.record() == DraftRecord(7, 1, 9001, old, "var:other", "open")


@pytest.mark.parametrize(
    "data",
    [{"seen": "not a list"}, {"schedule": {"at": "someday"}}, {"target": {"grids": 5}}],
)
def test_a_draft_that_cannot_be_read_is_none(data: dict[str, Any]) -> None:
    assert NoticeFlowDraft.from_record(DraftRecord(7, 1, 9001, data)) is None


def test_the_last_twenty_updates_are_remembered() -> None:
    draft = BLANK
    for update_id in range(1, 26):
        draft = draft.heard(update_id)
    assert draft.seen == tuple(range(6, 26))


def test_an_edit_copies_the_notice() -> None:
    notice = NoticeRecord(
        community_id=1,
        target={"buildings": ["3"], "grids": ["G2"]},
        schedule={"at": "2026-12-05T08:00:00"},
        template="fire_safety",
        variables={"contact": "物业"},
        pin=True,
        id=12,
    )
    draft = BLANK.edit_of(notice, 99)
    assert (draft.replaces, draft.template, draft.text, draft.pin) == (
        12,
        "fire_safety",
        None,
        True,
    )
    assert draft.variables == {"contact": "物业"} and draft.seen == (99,)
    assert draft.target == Picked(grids=("G2",), buildings=("3",))
    assert draft.schedule == Once(at=datetime(2026, 12, 5, 8, 0))


# -- the steps -----------------------------------------------------------------------------------
def test_every_step_a_move_names_is_asked_by_the_flow() -> None:
    flow = NoticeFlow(NoticeService(None, FakeClock(), TemplateLibrary({})))  # type: ignore[arg-type]
    assert set(flow.asks) == set(get_args(NoticeStep))


def test_a_template_starts_its_blanks_afresh_and_free_text_drops_it() -> None:
    draft = replace(BLANK, template="old", variables={"contact": "x"})
    move = press(draft, "template", template="fire_safety")
    assert move.ask == "blank" and move.draft.template == "fire_safety"
    assert move.draft.variables == {}
    move = press(move.draft, "free")
    assert move.ask == "text" and move.draft.template is None


def test_ticking_groups_redraws_the_buttons() -> None:
    move = press(BLANK, "target", part="b:3")
    assert (move.ask, move.redraw) == ("targets", True)
    move = press(move.draft, "target", part="g:G1")
    move = press(move.draft, "target", part="community")
    assert move.draft.target == Picked(community=True, grids=("G1",), buildings=("3",))
    assert move.draft.target.target().model_dump(exclude_defaults=True) == {"community": True}
    move = press(move.draft, "target", part="b:3")
    assert move.draft.target.buildings == ()


def test_next_needs_a_group() -> None:
    move = press(BLANK, "targets_done")
    assert (move.ask, move.reply, move.draft) == (None, "notice.flow.pick_a_group", BLANK)
    ticked = replace(BLANK, target=Picked(buildings=("3",)))
    assert press(ticked, "targets_done").ask == "time"


@pytest.mark.parametrize(
    ("template", "part", "ask", "variables"),
    [
        ("fire_safety", "content", "blank", {}),
        (None, "content", "text", {"contact": "x"}),
        ("fire_safety", "targets", "targets", {"contact": "x"}),
        ("fire_safety", "time", "time", {"contact": "x"}),
    ],
)
def test_editing_goes_to_the_part_chosen(
    template: str | None, part: str, ask: str, variables: dict[str, str]
) -> None:
    draft = replace(BLANK, template=template, variables={"contact": "x"})
    move = press(draft, "edit_part", part=part)
    assert move.ask == ask and move.draft.variables == variables


def test_quick_times_are_community_local() -> None:
    assert quick_time("now", NOW, SHANGHAI) == Once(at=datetime(2026, 12, 1, 10, 0, 30))
    assert quick_time("hour", NOW, SHANGHAI) == Once(at=datetime(2026, 12, 1, 11, 0))
    assert quick_time("tomorrow", NOW, SHANGHAI) == Once(at=datetime(2026, 12, 2, 9, 0))


def test_a_time_button_sets_the_schedule_and_keep_keeps_it() -> None:
    move = press(BLANK, "time", when="hour")
    assert move.ask == "preview" and move.draft.schedule == Once(at=datetime(2026, 12, 1, 11, 0))
    kept = replace(BLANK, schedule=Recurring(rule="每周一 09:00"))
    assert press(kept, "time", when="keep").draft == kept
    # nothing to keep: like the untyped flow, "keep" then means now
    assert press(BLANK, "time", when="keep").draft.schedule == quick_time("now", NOW, SHANGHAI)
    assert press(BLANK, "time_custom").ask == "custom_time"


def test_pin_toggles_and_redraws_the_confirm_buttons() -> None:
    move = press(BLANK, "pin")
    assert (move.ask, move.redraw, move.draft.pin) == ("confirm", True, True)
    assert not press(move.draft, "pin").draft.pin


def test_confirm_needs_a_time_and_closes_the_draft() -> None:
    with pytest.raises(NotFound):
        press(BLANK, "confirm")
    draft = replace(BLANK, awaiting="time", schedule=quick_time("now", NOW, SHANGHAI))
    move = press(draft, "confirm")
    assert (move.ask, move.reply) == ("finish", "notice.flow.done_short")
    assert (move.draft.status, move.draft.awaiting) == ("done", None)
    move = press(draft, "cancel")
    assert (move.ask, move.draft.status, move.draft.awaiting) == ("cancelled", "cancelled", None)


def test_typed_answers_fill_the_blank_the_text_or_the_time() -> None:
    draft = replace(BLANK, template="fire_safety", variables={"a": "1"}, awaiting="var:contact")
    move = typed(draft, "物业 8888")
    assert move.ask == "blank" and move.draft.awaiting is None
    assert move.draft.variables == {"a": "1", "contact": "物业 8888"}
    move = typed(replace(BLANK, awaiting="text"), "明天停水")
    assert (move.ask, move.draft.text, move.draft.awaiting) == ("targets", "明天停水", None)
    move = typed(replace(BLANK, awaiting="time"), "每周一 09:00")
    assert move.ask == "preview" and move.draft.schedule == Recurring(rule="每周一 09:00")


def test_free_text_has_a_limit() -> None:
    with pytest.raises(InvalidInput) as refused:
        typed(replace(BLANK, awaiting="text"), "字" * 3001)
    assert refused.value.key == "notice.flow.too_long"
    assert typed(replace(BLANK, awaiting="text"), "字" * 3000).ask == "targets"

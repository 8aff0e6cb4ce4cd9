"""The /report flow's typed draft and its steps: pure functions of a draft and an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.tickets import Draft
from bot.domain.tickets.report import STEPS, ReportAnswer, ReportFlowDraft, ReportStep
from bot.services.tickets.report_flow import REPORT_CATEGORIES, TicketReportFlow

EXPIRES = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
GROUP, RESIDENT = -1001003, 201
OPENED = ReportFlowDraft.opened(GROUP, RESIDENT, 1, "3", "陈大爷", 800, EXPIRES)


def press(draft: ReportFlowDraft, button: str, value: str = "") -> ReportFlowDraft:
    step = STEPS[draft.step]
    assert step.button == button and step.press is not None
    return step.press(draft, ReportAnswer(2000, value=value))


def send(
    draft: ReportFlowDraft, text: str, photo: str | None = None, max_chars: int = 2000
) -> ReportFlowDraft:
    take = STEPS[draft.step].message
    assert take is not None
    return take(draft, ReportAnswer(max_chars, text=text, photo=photo, message_id=93))


def stored(step: str, data: dict[str, Any]) -> ReportFlowDraft:
    draft = ReportFlowDraft.from_record(Draft(GROUP, RESIDENT, 1, step, data, EXPIRES))
    assert draft is not None
    return draft


def test_a_report_starts_at_the_building_unless_the_chat_has_one() -> None:
    assert OPENED.step == "category" and OPENED.building == "3"
    anywhere = ReportFlowDraft.opened(RESIDENT, RESIDENT, 1, None, "陈大爷", 800, EXPIRES)
    assert anywhere.step == "building"
    # stored as the untyped flow stored it; an unknown building is left out (it read as None)
    assert OPENED.record() == Draft(
        GROUP, RESIDENT, 1, "category", {"building": "3", "name": "陈大爷", "start": 800}, EXPIRES
    )
    assert anywhere.record().data == {"name": "陈大爷", "start": 800}


def test_drafts_in_the_untyped_shape_are_read_field_by_field() -> None:
    old = {
        "building": None,
        "name": "陈大爷",
        "start": 800,
        "category": "lighting",
        "text": "灯不亮",
        "message_id": "93",  # lax: a number as text is read as the number
        "photos": ["p1", "p2"],
        "later_key": True,
    }
    draft = stored("confirm", old)
    assert (draft.step, draft.building, draft.category, draft.text) == (
        "confirm",
        None,
        "lighting",
        "灯不亮",
    )
    assert draft.message_id == 93 and draft.photos == ("p1", "p2")
    assert draft.record().data == {
        "name": "陈大爷",
        "start": 800,
        "category": "lighting",
        "text": "灯不亮",
        "message_id": 93,
        "photos": ["p1", "p2"],
    }
    assert stored("text", {}) == ReportFlowDraft(GROUP, RESIDENT, 1, "text", EXPIRES)


@pytest.mark.parametrize(
    ("step", "data"), [("somewhere", {}), ("text", {"photos": "p1"}), ("text", {"start": "x"})]
)
def test_a_draft_that_cannot_be_read_is_none(step: str, data: dict[str, Any]) -> None:
    assert ReportFlowDraft.from_record(Draft(GROUP, RESIDENT, 1, step, data, EXPIRES)) is None


def test_every_step_is_drawn_and_answered_by_its_own_button_or_a_message() -> None:
    flow = TicketReportFlow(None, None)  # type: ignore[arg-type]
    assert set(flow.asks) == set(STEPS) == set(get_args(ReportStep))
    assert {s.button for s in STEPS.values()} == {
        "building",
        "category",
        None,
        "nophoto",
        "submit",
    }
    assert [name for name, s in STEPS.items() if s.message is not None] == ["text", "photo"]
    assert "other" in REPORT_CATEGORIES


def test_the_building_and_the_category_lead_to_the_description() -> None:
    draft = press(replace(OPENED, step="building", building=None), "building", "5")
    assert (draft.step, draft.building) == ("category", "5")
    draft = press(draft, "category", "lighting")
    assert (draft.step, draft.category) == ("text", "lighting")


def test_the_description_needs_words_and_a_photo_with_it_skips_the_photo_step() -> None:
    at_text = replace(OPENED, step="text")
    with pytest.raises(InvalidInput) as refused:
        send(at_text, "  \n")
    assert refused.value.key == "tickets.report.text_please"
    draft = send(at_text, " 灯不亮 ")
    assert (draft.step, draft.text, draft.message_id, draft.photos) == ("photo", "灯不亮", 93, ())
    draft = send(at_text, "灯不亮", "p1")
    assert (draft.step, draft.photos) == ("confirm", ("p1",))
    assert send(at_text, "灯" * 50, max_chars=10).text == "灯" * 10


def test_the_photo_step_takes_a_photo_more_words_or_nothing() -> None:
    at_photo = replace(OPENED, step="photo", text="灯不亮", message_id=93)
    assert send(at_photo, "", "p1").photos == ("p1",)
    assert send(at_photo, "", "p1").step == "confirm"
    more = send(at_photo, " 三楼 ")
    assert (more.step, more.text, more.photos) == ("confirm", "灯不亮 三楼", ())
    assert send(at_photo, "", None) == at_photo  # a sticker: the photo step is asked again
    assert send(at_photo, "三楼", max_chars=5).text == "灯不亮 三"
    assert press(at_photo, "nophoto").step == "confirm"

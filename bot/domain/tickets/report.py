"""The /report flow's draft as typed fields, and the pure step each answer to it takes.

building → category → text → photo → confirm. The draft's `step` names the step waiting for
an answer; `STEPS` says for each which big button answers it and how a press or a message is
taken. A step function returns the draft moved on, its `step` set to the one to ask next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from bot.domain.drafts import DraftCodec
from bot.domain.errors import InvalidInput
from bot.domain.tickets.model import Draft

__all__ = ["STEPS", "ReportAnswer", "ReportFlowDraft", "ReportStep", "Step"]

ReportStep = Literal["building", "category", "text", "photo", "confirm"]


@dataclass(frozen=True)
class ReportFlowDraft:
    """A /report being filled in by one person in one chat."""

    # columns of the stored draft
    chat_id: int
    telegram_id: int
    community_id: int
    step: ReportStep
    expires_at: datetime
    # its JSON
    building: str | None = None
    name: str = ""  # the reporter's display name
    start: int | None = None  # the /report update: it keys the ticket, so a retry opens one
    category: str | None = None
    text: str = ""
    message_id: int | None = None  # the description's message: the card replies to it
    photos: tuple[str, ...] = ()  # Telegram file ids
    thread_id: int | None = None  # the description's forum topic: the card goes there

    @classmethod
    def opened(
        cls,
        chat_id: int,
        telegram_id: int,
        community_id: int,
        building: str | None,
        name: str,
        start: int,
        expires_at: datetime,
    ) -> ReportFlowDraft:
        """Begin a draft: with the chat's own building known, at the kind of problem."""
        step: ReportStep = "category" if building else "building"
        return cls(chat_id, telegram_id, community_id, step, expires_at, building, name, start)

    @classmethod
    def from_record(cls, record: Draft) -> ReportFlowDraft | None:
        """Read a stored draft (also one stored by an earlier release); None if unreadable."""
        return _CODEC.load(record)

    def record(self) -> Draft:
        """Return the draft as stored."""
        return _CODEC.store(self)


_CODEC = DraftCodec(ReportFlowDraft, Draft)


@dataclass(frozen=True)
class ReportAnswer:
    """A big button's value, or a message (its text, photo and id), and how much text is kept."""

    max_chars: int
    value: str = ""
    text: str = ""
    photo: str | None = None  # a Telegram file id
    message_id: int = 0
    thread_id: int | None = None  # the message's forum topic


Take = Callable[[ReportFlowDraft, ReportAnswer], ReportFlowDraft]


def choose_building(draft: ReportFlowDraft, answer: ReportAnswer) -> ReportFlowDraft:
    """Take the building; ask the kind of problem."""
    return replace(draft, building=answer.value, step="category")


def choose_category(draft: ReportFlowDraft, answer: ReportAnswer) -> ReportFlowDraft:
    """Take the kind of problem; ask for the description."""
    return replace(draft, category=answer.value, step="text")


def describe(draft: ReportFlowDraft, answer: ReportAnswer) -> ReportFlowDraft:
    """Take the description (and a photo sent with it); ask for a photo unless one came."""
    text = answer.text.strip()
    if not text:
        raise InvalidInput("tickets.report.text_please")
    return replace(
        draft,
        text=text[: answer.max_chars],
        message_id=answer.message_id,
        thread_id=answer.thread_id,
        photos=_with_photo(draft.photos, answer.photo),
        step="confirm" if answer.photo else "photo",
    )


def add_photo(draft: ReportFlowDraft, answer: ReportAnswer) -> ReportFlowDraft:
    """Take a photo, or more words for the description; then ask to confirm."""
    more = answer.text.strip()
    text = f"{draft.text} {more}"[: answer.max_chars] if more else draft.text
    return replace(
        draft,
        text=text,
        photos=_with_photo(draft.photos, answer.photo),
        step="confirm" if answer.photo or more else "photo",
    )


def skip_photo(draft: ReportFlowDraft, answer: ReportAnswer) -> ReportFlowDraft:
    """Go on without a photo: ask to confirm."""
    return replace(draft, step="confirm")


def _with_photo(photos: tuple[str, ...], photo: str | None) -> tuple[str, ...]:
    return (*photos, photo) if photo else photos


@dataclass(frozen=True)
class Step:
    """One step: the big button that answers it, and how a press or a message is taken."""

    button: str | None = None  # the button's "s"; a button of another step is an old one
    press: Take | None = None  # None with a button: the service acts (submitting)
    message: Take | None = None  # None: the step takes no message (it goes to intake)


#: the stored step → what answers it; button names are stored in buttons, keep them
STEPS: Mapping[ReportStep, Step] = {
    "building": Step("building", press=choose_building),
    "category": Step("category", press=choose_category),
    "text": Step(message=describe),
    "photo": Step("nophoto", press=skip_photo, message=add_photo),
    "confirm": Step("submit"),
}

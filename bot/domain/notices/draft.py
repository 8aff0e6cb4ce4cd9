"""The /notice flow's draft as typed fields, and the pure step each answer to the flow takes.

A press or a typed text is an `Answer`; its step function returns a `Move`: the draft after it
and the step to ask next. The service looks the function up by the button's kind
(`PRESSES`) or by what the draft waits for (`TYPED`), then asks the next step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.drafts import DraftCodec
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.notices.records import DraftRecord, NoticeRecord, load_schedule
from bot.domain.notices.schedule import Once, Schedule, ScheduleField
from bot.domain.notices.targets import Target
from bot.domain.notices.when import parse_when

__all__ = [
    "PRESSES",
    "TYPED",
    "Answer",
    "Move",
    "NoticeFlowDraft",
    "NoticeStep",
    "Picked",
    "quick_time",
]

# How many handled update ids a draft remembers, so that a repeated update changes nothing.
_SEEN = 20
MAX_TEXT = 3000

NoticeStep = Literal[
    "blank",  # the next empty blank of the template (or on to the groups when none is left)
    "text",  # the free text
    "targets",  # the groups, ticked on and off
    "time",  # the quick times (and "keep" when editing)
    "custom_time",  # a typed time
    "preview",  # the notice as residents will see it, a summary and the confirm buttons
    "confirm",  # the confirm buttons alone, redrawn when the pin is toggled
    "finish",  # store the notice (replacing the one edited) and say when it goes out
    "cancelled",
]


@dataclass(frozen=True)
class Picked:
    """The groups ticked so far: the whole community, and any grids and buildings."""

    community: bool = False
    grids: tuple[str, ...] = ()
    buildings: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        """Tell whether any group is ticked."""
        return bool(self.community or self.grids or self.buildings)

    def toggled(self, part: str) -> Picked:
        """Tick a part on or off: "community", "g:<grid>" or "b:<building>"."""
        if part == "community":
            return replace(self, community=not self.community)
        kind, _, value = part.partition(":")
        if kind == "g":
            return replace(self, grids=_flip(self.grids, value))
        if kind == "b":
            return replace(self, buildings=_flip(self.buildings, value))
        raise KeyError(part)

    def target(self) -> Target:
        """Return the notice's audience: the community alone when it is ticked."""
        if self.community:
            return Target(community=True)
        return Target(grids=self.grids, buildings=self.buildings)


def _flip(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value) if value in values else (*values, value)


@dataclass(frozen=True)
class NoticeFlowDraft:
    """A notice being put together; `awaiting` names what the next typed text fills."""

    # columns of the stored draft
    id: int
    community_id: int
    author_telegram_id: int
    awaiting: str | None = None  # "var:<blank>", "text" or "time"
    status: str = "open"  # open|done|cancelled
    # its JSON
    template: str | None = None  # None: free text
    text: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    target: Picked = field(default_factory=Picked)
    pin: bool = False
    schedule: ScheduleField | None = None
    replaces: int | None = None  # the notice an edit replaces on confirm
    seen: tuple[int, ...] = ()  # the last updates handled

    @classmethod
    def from_record(cls, record: DraftRecord) -> NoticeFlowDraft | None:
        """Read a stored draft (also one stored by an earlier release); None if unreadable."""
        return _CODEC.load(record)

    def record(self) -> DraftRecord:
        """Return the draft as stored."""
        return _CODEC.store(self)

    def edit_of(self, notice: NoticeRecord, update_id: int) -> NoticeFlowDraft:
        """Fill a fresh draft from a notice, so that each step shows what it had."""
        target = notice.target
        return replace(
            self,
            replaces=notice.id,
            template=notice.template,
            text=notice.text,
            variables=dict(notice.variables),
            target=Picked(
                community=bool(target.get("community")),
                grids=tuple(target.get("grids", ())),
                buildings=tuple(target.get("buildings", ())),
            ),
            pin=notice.pin,
            schedule=load_schedule(notice.schedule),
            seen=(update_id,),
        )

    def heard(self, update_id: int) -> NoticeFlowDraft:
        """Remember an update as handled (the last few are kept)."""
        return replace(self, seen=(*self.seen[1 - _SEEN :], update_id))

    @property
    def waits_for(self) -> str | None:
        """Name what the next typed text is taken as: "var", "text" or "time" (keys of TYPED)."""
        if self.awaiting is not None and self.awaiting.startswith("var:"):
            return "var"
        return self.awaiting


_CODEC = DraftCodec(NoticeFlowDraft, DraftRecord)


@dataclass(frozen=True)
class Answer:
    """One press (its button's payload) or one typed text, with the time it came."""

    now: datetime
    tz: ZoneInfo
    payload: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Move:
    """What an answer did: the draft after it, the step to ask next, a short reply to a press."""

    draft: NoticeFlowDraft
    ask: NoticeStep | None = None
    redraw: bool = False  # ask by redrawing the pressed message's buttons, not a new message
    reply: str | None = None  # catalogue key of the short answer shown on the button


Step = Callable[[NoticeFlowDraft, Answer], Move]


# -- presses -----------------------------------------------------------------------------------
def pick_template(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Take the chosen template; fill its blanks from the start."""
    return Move(replace(draft, template=str(answer.payload["template"]), variables={}), "blank")


def pick_free_text(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Take free text instead of a template; ask for it."""
    return Move(replace(draft, template=None), "text")


def toggle_target(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Tick a group on or off and redraw the same buttons."""
    target = draft.target.toggled(str(answer.payload["part"]))
    return Move(replace(draft, target=target), "targets", redraw=True)


def targets_done(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Go on to the time once at least one group is ticked."""
    if not draft.target.any:
        return Move(draft, reply="notice.flow.pick_a_group")
    return Move(draft, "time")


def edit_part(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Go to the part of an edited notice chosen: content, targets or time."""
    part = str(answer.payload["part"])
    if part == "content":
        if draft.template:
            return Move(replace(draft, variables={}), "blank")
        return Move(draft, "text")
    return Move(draft, "targets" if part == "targets" else "time")


def pick_time(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Take a quick time (or, when editing, keep the notice's own); show the preview."""
    when = str(answer.payload["when"])
    if when == "keep" and draft.schedule is not None:
        return Move(draft, "preview")
    return Move(replace(draft, schedule=quick_time(when, answer.now, answer.tz)), "preview")


def ask_custom_time(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Wait for the author to type the time."""
    return Move(draft, "custom_time")


def toggle_pin(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Toggle pinning after sending; redraw the confirm buttons."""
    return Move(replace(draft, pin=not draft.pin), "confirm", redraw=True)


def confirm(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Close the draft and store its notice."""
    if draft.schedule is None:
        raise NotFound("notice.flow.expired")
    done = replace(draft, status="done", awaiting=None)
    return Move(done, "finish", reply="notice.flow.done_short")


def cancel(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Drop the draft."""
    return Move(replace(draft, status="cancelled", awaiting=None), "cancelled")


# -- typed answers -----------------------------------------------------------------------------
def fill_blank(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Fill the blank the draft waits for; ask the next one."""
    name = (draft.awaiting or "").removeprefix("var:")
    variables = {**draft.variables, name: answer.text}
    return Move(replace(draft, awaiting=None, variables=variables), "blank")


def write_text(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Take the notice's free text; ask for the groups."""
    if len(answer.text) > MAX_TEXT:
        raise InvalidInput("notice.flow.too_long")
    return Move(replace(draft, awaiting=None, text=answer.text), "targets")


def type_time(draft: NoticeFlowDraft, answer: Answer) -> Move:
    """Read a typed time ("明天 8:00", "每周一 09:00"); show the preview."""
    schedule = parse_when(answer.text, answer.now, answer.tz)
    return Move(replace(draft, awaiting=None, schedule=schedule), "preview")


#: a button's kind ("notice.flow.<kind>") → its step; stored buttons keep these names
PRESSES: Mapping[str, Step] = {
    "template": pick_template,
    "free": pick_free_text,
    "target": toggle_target,
    "targets_done": targets_done,
    "edit_part": edit_part,
    "time": pick_time,
    "time_custom": ask_custom_time,
    "pin": toggle_pin,
    "confirm": confirm,
    "cancel": cancel,
}

#: what the draft waits for (`NoticeFlowDraft.waits_for`) → the step taking typed text
TYPED: Mapping[str, Step] = {"var": fill_blank, "text": write_text, "time": type_time}


def quick_time(choice: str, now: datetime, tz: ZoneInfo) -> Schedule:
    """Return the time of a quick button: "hour" from now, "tomorrow" 09:00, else now (local)."""
    local = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    if choice == "hour":
        return Once(at=local + timedelta(hours=1))
    if choice == "tomorrow":
        return Once(
            at=datetime.combine(local.date() + timedelta(days=1), datetime.min.time()).replace(
                hour=9
            )
        )
    return Once(at=now.astimezone(tz).replace(tzinfo=None, microsecond=0))

"""Score the classifier against a labelled set of resident messages (accuracy per field)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import field_validator

from bot.domain.categories import Category
from bot.domain.intake.classify import Classification, classify
from bot.domain.intake.location import BuildingRef
from bot.domain.intake.rules import IntakeRules
from bot.yamlio import StrictModel

#: The demo community 阳光花园 as intake sees it (matches bot/demo/community.yaml).
DEMO_BUILDINGS: tuple[BuildingRef, ...] = tuple(
    BuildingRef(n, ("老三栋",) if n == "3" else (), ("1", "2", "3") if n == "3" else ("1", "2"))
    for n in ("1", "2", "3", "5", "6", "8", "65", "171")
)
FIELDS = ("intent", "category", "level", "building", "unit", "room", "on_behalf")


def _text_or_none(v: Any) -> Any:
    return str(v) if isinstance(v, int) else v


class LabelledMessage(StrictModel):
    text: str
    #: hold-out round the message was written in (None in the tuning set)
    round: int | None = None
    group: str | None = None
    intent: Literal["report", "question", "other"]
    category: Category
    level: Literal[1, 2, 3]
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    on_behalf: bool = False
    other_categories: tuple[Category, ...] = ()

    _as_text = field_validator("group", "building", "unit", "room", mode="before")(
        classmethod(lambda cls, v: _text_or_none(v))
    )


class LabelledSet(StrictModel):
    """The layout of a labelled set file (tests/data/intake_*.yaml)."""

    messages: tuple[LabelledMessage, ...]


@dataclass
class Miss:
    message: LabelledMessage
    got: Classification
    fields: tuple[str, ...]


@dataclass
class Report:
    total: int = 0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    level1_total: int = 0
    level1_found: int = 0
    level1_false_alarms: int = 0
    reports: int = 0  # messages labelled as reports: their category routes the ticket
    report_category: int = 0  # … of which the category was right
    misses: list[Miss] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        """Return the share of messages whose `name` field was right."""
        return self.correct[name] / self.total if self.total else 0.0

    @property
    def report_category_accuracy(self) -> float:
        """The share of reports whose category was right (the issue's "category on reports")."""
        return self.report_category / self.reports if self.reports else 0.0

    @property
    def level1_recall(self) -> float:
        """Return the share of level-1 messages classified as level 1."""
        return self.level1_found / self.level1_total if self.level1_total else 1.0


def evaluate(
    messages: Sequence[LabelledMessage],
    rules: IntakeRules,
    buildings: Sequence[BuildingRef] = DEMO_BUILDINGS,
) -> Report:
    """Classify every labelled message and count what was right."""
    report = Report()
    for m in messages:
        got = classify(m.text, rules, buildings, m.group)
        wrong = tuple(f for f in FIELDS if getattr(got, f) != getattr(m, f))
        report.total += 1
        for f in FIELDS:
            if f not in wrong:
                report.correct[f] += 1
        if m.intent == "report":
            report.reports += 1
            report.report_category += "category" not in wrong
        if m.level == 1:
            report.level1_total += 1
            report.level1_found += got.level == 1
        elif got.level == 1:
            report.level1_false_alarms += 1
        if wrong:
            report.misses.append(Miss(m, got, wrong))
    return report

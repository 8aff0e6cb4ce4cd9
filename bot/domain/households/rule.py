"""A consultation's rule as data, and the count of its ballots against it (pure, exact).

《民法典》第二百七十八条: owners decide together when owners holding at least two thirds of the
exclusive floor area AND at least two thirds of the owners take part (双三分之二); then the
proposal carries with more than half (一般事项) – or, for the maintenance fund, rebuilding and
changing the use of common parts, at least three quarters (重大事项) – of the area taking part
AND of the owners taking part. 以上 includes the number itself: exactly 2/3 takes part.

The first option of a consultation is the proposal (同意); the rule decides on it. Fractions
are exact: 1,534 of 2,301 households is checked as 1534·3 ≥ 2301·2, never as a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, field_serializer, field_validator


class Threshold(BaseModel):
    """A share of a whole: `at least 2/3` (strict false) or `more than 1/2` (strict true)."""

    model_config = {"extra": "forbid", "frozen": True}
    share: Fraction
    strict: bool = False

    @field_validator("share", mode="before")
    @classmethod
    def _fraction(cls, v: Any) -> Any:
        if isinstance(v, str):
            value = Fraction(v.strip())
        elif isinstance(v, int | Fraction):
            value = Fraction(v)
        else:
            raise ValueError("write a share as a fraction, e.g. 2/3")
        if not 0 <= value <= 1:
            raise ValueError("a share is between 0 and 1")
        return value

    @field_serializer("share")
    def _as_text(self, share: Fraction) -> str:
        return str(share)

    def met(self, part: Fraction | int, whole: Fraction | int) -> bool:
        """Whether `part` of `whole` reaches the share (nothing of nothing reaches none)."""
        if whole <= 0:
            return self.share == 0 and not self.strict
        ratio = Fraction(part) / Fraction(whole)
        return ratio > self.share if self.strict else ratio >= self.share


class Rule(BaseModel):
    """Participation of the electorate, then approval of those taking part: by households
    and/or by floor area (both must hold when both are asked for)."""

    model_config = {"extra": "forbid", "frozen": True}
    preset: str = ""
    participation: Threshold
    approval: Threshold
    by_households: bool = True
    by_area: bool = True


PRESETS: dict[str, Rule] = {
    # 《民法典》第278条第2款 (六)-(八): 维修资金、改建重建、改变共有部分用途或经营
    "major": Rule(
        preset="major",
        participation=Threshold(share=Fraction(2, 3)),
        approval=Threshold(share=Fraction(3, 4)),
    ),
    # 《民法典》第278条第2款 其他事项: 管理规约、业委会、物业服务企业 …
    "general": Rule(
        preset="general",
        participation=Threshold(share=Fraction(2, 3)),
        approval=Threshold(share=Fraction(1, 2), strict=True),
    ),
    # 意见征询: the committee asks; no quorum, more than half of the households answering
    "survey": Rule(
        preset="survey",
        participation=Threshold(share=Fraction(0)),
        approval=Threshold(share=Fraction(1, 2), strict=True),
        by_area=False,
    ),
}


@dataclass(frozen=True)
class Elector:
    """A household entitled to vote, with its floor area when known."""

    household_id: int
    area: Decimal | None = None


@dataclass(frozen=True)
class Ballot:
    household_id: int
    option: int
    paper: bool = False


@dataclass(frozen=True)
class Share:
    households: int = 0
    area: Fraction = Fraction(0)


@dataclass(frozen=True)
class Result:
    """The count of one consultation against its rule: every figure the result message shows."""

    electorate: Share
    voted: Share
    options: tuple[Share, ...]
    paper: int  # ballots entered from paper
    participation_met: bool
    approval_met: bool
    without_area: int  # households of the electorate whose area is not in the register
    ignored: int = 0  # ballots of households no longer entitled (left the register or scope)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.participation_met and self.approval_met


def _area(value: Decimal | None) -> Fraction:
    return Fraction(value) if value is not None else Fraction(0)


def _met(threshold: Threshold, part: Share, whole: Share, rule: Rule) -> bool:
    checks = []
    if rule.by_households:
        checks.append(threshold.met(part.households, whole.households))
    if rule.by_area:
        checks.append(threshold.met(part.area, whole.area))
    return all(checks)


def count(
    rule: Rule, options: int, electorate: Iterable[Elector], ballots: Iterable[Ballot]
) -> Result:
    """Count the last ballot of each entitled household against the rule; option 0 is the
    proposal the rule decides on."""
    entitled: Mapping[int, Elector] = {e.household_id: e for e in electorate}
    counted: dict[int, Ballot] = {}
    ignored = 0
    for ballot in ballots:
        if ballot.household_id in entitled and 0 <= ballot.option < options:
            counted[ballot.household_id] = ballot  # one per household: the last one given
        else:
            ignored += 1
    whole = Share(len(entitled), sum((_area(e.area) for e in entitled.values()), Fraction(0)))
    homes = [0] * options
    areas = [Fraction(0)] * options
    for ballot in counted.values():
        homes[ballot.option] += 1
        areas[ballot.option] += _area(entitled[ballot.household_id].area)
    per_option = tuple(Share(n, a) for n, a in zip(homes, areas, strict=True))
    voted = Share(len(counted), sum((s.area for s in per_option), Fraction(0)))
    return Result(
        electorate=whole,
        voted=voted,
        options=per_option,
        paper=sum(1 for b in counted.values() if b.paper),
        participation_met=_met(rule.participation, voted, whole, rule),
        approval_met=options > 0 and _met(rule.approval, per_option[0], voted, rule),
        without_area=sum(1 for e in entitled.values() if e.area is None),
        ignored=ignored,
    )

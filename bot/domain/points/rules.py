"""The points rules a community writes in its file: the unit, the actions, their caps.

    points:
      unit: household            # person (default) | household
      rules:
        - key: fixed
          name: 报修已解决
          points: 2
          auto: ticket_confirmed   # automatic: the reporter confirmed the repair (满意/基本满意)
          per_month: 10          # at most 10 points a month from this rule
        - key: vote
          name: 参与征询
          points: 1
          auto: ballot_cast        # automatic: a ballot cast in a consultation
        - key: volunteer
          name: 志愿服务
          points: 5              # reviewed: proposed with /award, accepted by an approver
          per_day: 10

Caps count points, per holder and rule, over the community's local day and month: an award
that would pass a cap is cut to what is left (nothing once the cap is reached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, model_validator

from bot.yamlio import StrictModel


class Trigger(StrEnum):
    TICKET_CONFIRMED = "ticket_confirmed"
    BALLOT_CAST = "ballot_cast"


def _check_key(value: str) -> str:
    if not value.isascii() or not value.replace("_", "").replace("-", "").isalnum():
        raise ValueError("use letters, digits, - or _")
    return value


RuleKey = Annotated[str, Field(min_length=1, max_length=24), AfterValidator(_check_key)]


class PointRule(StrictModel):
    key: RuleKey
    name: str = Field(min_length=1, max_length=40)
    points: int = Field(ge=1, le=1000)
    # set: awarded automatically on that event; unset: reviewed (`on` would read as true in YAML)
    auto: Trigger | None = None
    per_day: int | None = Field(default=None, ge=1)
    per_month: int | None = Field(default=None, ge=1)


class PointsSpec(StrictModel):
    unit: Literal["person", "household"] = "person"
    rules: tuple[PointRule, ...] = Field(default=(), max_length=50)

    @model_validator(mode="after")
    def _unique(self) -> PointsSpec:
        keys = [r.key for r in self.rules]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"duplicate rule key {key!r}")
        return self

    def rule(self, key: str) -> PointRule | None:
        return next((r for r in self.rules if r.key == key), None)

    def on(self, trigger: Trigger) -> list[PointRule]:
        """The automatic rules a trigger awards."""
        return [r for r in self.rules if r.auto is trigger]

    def reviewed(self) -> list[PointRule]:
        """The rules that count only once an approver accepted them."""
        return [r for r in self.rules if r.auto is None]


@dataclass(frozen=True)
class Periods:
    """The UTC starts of the local day and month an instant falls in."""

    day: datetime
    month: datetime


def periods(now: datetime, timezone: str) -> Periods:
    """Where the community's local day and month began, as UTC instants."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return Periods(day.astimezone(UTC), day.replace(day=1).astimezone(UTC))


def within_caps(rule: PointRule, earned_today: int, earned_this_month: int) -> int:
    """The points of `rule` an award may still give, after what its holder earned today and
    this month from the same rule (0: a cap is reached)."""
    left = rule.points
    if rule.per_day is not None:
        left = min(left, rule.per_day - earned_today)
    if rule.per_month is not None:
        left = min(left, rule.per_month - earned_this_month)
    return max(left, 0)

"""Rules and model together: the rules' answer stands unless the model is sure, and an
emergency is an emergency when either says so.

The thresholds are the policy (`BlendPolicy`); they were fixed before the blind round they are
measured on (see tests/data/intake_blind*.yaml for which round saw what). They were chosen by
cross-validation on rounds 14–17 (`benchmarks/intake_model_cv.py --round …14 …15 …16 …17`,
four folds, the model retrained on the other folds each time), with one rule: a step towards
fewer false alarms is taken only if it removes more than two false alarms per emergency it
loses (a missed emergency costs more). So the veto is 0.3 (0.1 → 0.3: 219 → 217 of 239
emergencies found, 55 → 23 false alarms; 0.3 → 0.4 would trade 2 emergencies for 2 false
alarms), the emergency threshold stays 0.6 (0.7: 7 emergencies for 7 false alarms), the model's
category wins from 0.2 (also on an alarm: reports 85.4% against 84.8% at 0.6), and its intent
from 0.5 (90.6% against 90.1% at 0.6).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.intake.model import Reading

REPORT, OTHER = "report", "other"
OTHER_CATEGORY = "other"


@dataclass(frozen=True)
class BlendPolicy:
    intent_sure: float = 0.5  # the model's intent replaces the rules' from this probability
    category_sure: float = 0.2  # … its category, from this one
    category_fallback: float = 0.3  # … when the rules found no category at all
    emergency: float = 0.6  # level 1 from the model's emergency probability
    veto: float = 0.3  # below this, the model overrules a rules alarm (0: it never does)
    alarm_category_sure: float = 0.2  # the model's category replaces a rules alarm's from this


@dataclass(frozen=True)
class RulesAnswer:
    intent: str
    category: str
    level: int


@dataclass(frozen=True)
class Blended:
    intent: str
    category: str
    level: int
    urgent_by: str | None = None  # "rules" (an alarm word) or "model" when level 1


def blend(
    rules: RulesAnswer,
    reading: Reading,
    usual_level: dict[str, int],
    policy: BlendPolicy = BlendPolicy(),
) -> Blended:
    """One answer from the rules' and the model's.

    A rules alarm (救命, 着火了, 电梯里有人被困) stands – a report, level 1 – unless the model is
    nearly certain there is no emergency (`veto`): the model never talks an alarm word down
    to chit-chat on a mere probability."""
    if rules.level == 1 and reading.emergency_p >= policy.veto:
        sure = reading.category_p >= policy.alarm_category_sure
        return Blended(REPORT, reading.category if sure else rules.category, 1, "rules")
    intent = reading.intent if reading.intent_p >= policy.intent_sure else rules.intent
    category = _category(intent, rules, reading, policy)
    if intent == OTHER:  # a notice about a fire, or one already out, is not a fire
        return Blended(intent, category, 2)
    if intent != REPORT:  # nor is a question about one
        return Blended(intent, category, _routine(rules, category, usual_level))
    if reading.emergency_p >= policy.emergency:
        return Blended(intent, category, 1, "model")
    return Blended(intent, category, _routine(rules, category, usual_level))


def _category(intent: str, rules: RulesAnswer, reading: Reading, policy: BlendPolicy) -> str:
    if intent == OTHER:
        return OTHER_CATEGORY
    if rules.category == OTHER_CATEGORY and reading.category_p >= policy.category_fallback:
        return reading.category
    if reading.category_p >= policy.category_sure:
        return reading.category
    return rules.category


def _routine(rules: RulesAnswer, category: str, usual_level: dict[str, int]) -> int:
    """The level when nothing is urgent: the rules' own (3 for a complex case) when they
    chose this category, else the category's usual level."""
    if category == rules.category and rules.level != 1:
        return rules.level
    return usual_level.get(category, 2)

"""Rules and model together: the rules' answer stands unless the model is sure, and an
emergency is an emergency when either says so.

The thresholds are the policy (`BlendPolicy`); they were fixed before the blind round they are
measured on (see tests/data/intake_blind*.yaml for which round saw what). The category and
veto thresholds were chosen by cross-validation on rounds 14 and 15
(`benchmarks/intake_model_cv.py --round …14 …15`): the model's category wins from 0.2 (on
reports 77.5% against 72.5% at 0.6), and a veto from 0.1 drops 5 of 34 false alarms with the
same emergencies found. The emergency threshold stays at 0.6: 0.7 would trade 5 of 104
emergencies for 6 fewer false alarms, and a missed emergency costs more.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.intake.model import Reading

REPORT, OTHER = "report", "other"
OTHER_CATEGORY = "other"


@dataclass(frozen=True)
class BlendPolicy:
    intent_sure: float = 0.6  # the model's intent replaces the rules' from this probability
    category_sure: float = 0.2  # … its category, from this one
    category_fallback: float = 0.3  # … when the rules found no category at all
    emergency: float = 0.6  # level 1 from the model's emergency probability
    veto: float = 0.1  # below this, the model overrules a rules alarm (0: it never does)
    alarm_category_sure: float = 0.6  # the model's category replaces a rules alarm's from this


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

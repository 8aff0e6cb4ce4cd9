"""Classify one resident message: intent, category, level, location, on-behalf, other problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.domain.intake.blend import BlendPolicy, RulesAnswer, blend
from bot.domain.intake.language import ENGLISH, written_in
from bot.domain.intake.location import BuildingRef, parse_location
from bot.domain.intake.model import Reading
from bot.domain.intake.reading import read_message
from bot.domain.intake.rules import OTHER_CATEGORY, IntakeRules
from bot.domain.intake.stages import (
    OTHER,
    QUESTION,
    REPORT,
    CategoryChoice,
    choose_category,
    choose_intent,
    choose_level,
    claim_categories,
    find_emergencies,
    list_evidence,
    read_cues,
)
from bot.domain.text import normalise_text

__all__ = ["OTHER", "QUESTION", "REPORT", "Classification", "classify"]

#: the model's emergency probability from which a message nobody addressed is taken as one.
#: Out of fold on the 943 training messages (unaddressed: an alarm word, or the model at least
#: this sure): at 0.7, 189 of 199 emergencies taken and 1 false alarm from the model alone
#: (0.6: 192 and 3; 0.85: 185 and 1). "我在楼下等着" reads 0.6.
UNASKED_EMERGENCY = 0.7
#: the model's intent replaces the rules' on an English message only from this probability
ENGLISH_MODEL_SURE = 0.8  # the model's English reading counts from this probability
NEVER = 2.0  # a probability threshold no reading reaches


@dataclass(frozen=True)
class Classification:
    """What intake understood from one message."""

    intent: str
    category: str
    level: int
    building: str | None
    unit: str | None
    room: str | None
    on_behalf: bool = False
    other_categories: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    building_known: bool = False
    #: at level 1: "rules" (an alarm word was found) or "model" (the learned reading alone)
    urgent_by: str | None = None
    #: the learned model's own reading, with its probabilities (None: the rules alone); the
    #: answer above is already blended – this says how sure the model was of it
    reading: Reading | None = None

    @property
    def urgent_enough_unasked(self) -> bool:
        """Is this an emergency to take from a message that addressed nobody? An alarm word,
        or the model sure enough (at a mere 0.6 it mistakes "我在楼下等着" for one)."""
        if self.level != 1:
            return False
        sure = self.reading is not None and self.reading.emergency_p >= UNASKED_EMERGENCY
        return self.urgent_by == "rules" or sure

    def as_json_dict(self) -> dict[str, str | None]:
        """Return the six main fields as strings (None stays None)."""
        return {
            "intent": self.intent,
            "category": self.category,
            "level": str(self.level),
            "building": self.building,
            "unit": self.unit,
            "room": self.room,
        }


def classify(
    text: str,
    rules: IntakeRules,
    buildings: Sequence[BuildingRef] = (),
    default_building: str | None = None,
) -> Classification:
    """Read one ordinary message into intent, category, level and location."""
    message = read_message(text, rules)
    cues = read_cues(message, rules)
    emergencies = find_emergencies(message, rules, cues)
    claims = claim_categories(message, rules, cues, emergencies.worries)
    intent = choose_intent(emergencies.alarms, claims, cues)
    choice = choose_category(intent, emergencies.alarms, claims, rules)
    level = choose_level(intent, choice.category, emergencies.alarms, cues, rules)
    answer = RulesAnswer(intent, choice.category, level)
    urgent_by = "rules" if level == 1 else None
    reading = None
    if rules.model is not None:  # the learned reading beside the rules
        usual = {c.code: c.level for c in rules.categories}
        reading = rules.model.read(text)
        policy = _policy_for(text, rules.blend)
        if answer.category not in rules.model.category.classes:
            # a category added as data (a community's heating) the model never learned: the
            # rules' choice stands
            policy = replace(policy, category_sure=NEVER, alarm_category_sure=NEVER)
        blended = blend(answer, reading, usual, policy)
        answer = RulesAnswer(blended.intent, blended.category, blended.level)
        urgent_by = blended.urgent_by
    location = parse_location(normalise_text(text), buildings, default_building)
    return Classification(
        intent=answer.intent,
        category=answer.category,
        level=answer.level,
        building=location.building,
        unit=location.unit,
        room=location.room,
        on_behalf=bool(cues.on_behalf),
        other_categories=_others(choice, answer),
        matched=list_evidence(emergencies, claims, choice, cues),
        building_known=location.building_known,
        urgent_by=urgent_by,
        reading=reading,
    )


def _others(choice: CategoryChoice, answer: RulesAnswer) -> tuple[str, ...]:
    """The other problems named, besides the main category finally chosen."""
    if answer.category == choice.category or answer.intent == OTHER:
        return choice.others if answer.intent != OTHER else ()
    return tuple(c for c in choice.named if c not in (answer.category, OTHER_CATEGORY))


def _policy_for(text: str, policy: BlendPolicy) -> BlendPolicy:
    """English: the model learned from a few dozen English messages only, so the rules' intent
    and category (their English cue lists) stand unless the model is very sure, and it never
    talks an English alarm down."""
    if written_in(text) != ENGLISH:
        return policy
    sure = ENGLISH_MODEL_SURE
    return replace(
        policy,
        intent_sure=max(policy.intent_sure, sure),
        category_sure=max(policy.category_sure, sure),
        category_fallback=max(policy.category_fallback, sure),
        alarm_category_sure=max(policy.alarm_category_sure, sure),
        veto=0.0,
    )

"""Classify one resident message: intent, category, level, location, on-behalf, other problems."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.intake.location import BuildingRef, parse_location
from bot.domain.intake.numerals import normalize_width
from bot.domain.intake.rules import IntakeRules, Matcher

REPORT = "report"
QUESTION = "question"
OTHER = "other"

_CLAUSE_SPLIT = re.compile(r"[，,。.!！?？;；、\s~～…]+")


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


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    label: str


def _normalize(text: str) -> str:
    return normalize_width(text).lower().strip()


def _clause_bounds(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.start() > pos:
            bounds.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        bounds.append((pos, len(text)))
    return bounds


def _clause_of(bounds: list[tuple[int, int]], index: int) -> tuple[int, int]:
    for start, end in bounds:
        if start <= index < end:
            return start, end
    return index, index


def _find(matchers: Sequence[Matcher], text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in matchers:
        for found in m.regex.finditer(text):
            if found.end() > found.start():
                hits.append(_Hit(found.start(), found.end(), m.label))
    return hits


class _Reader:
    """One message read against the rules; keeps the negation and clause logic in one place."""

    def __init__(self, text: str, rules: IntakeRules) -> None:
        self.text = text
        self.rules = rules
        self.clauses = _clause_bounds(text)
        self.negations = sorted(
            {m.label.lower() for m in rules.cues.get("negation", ())}, key=len, reverse=True
        )

    def negated(self, hit: _Hit) -> bool:
        before = self.text[: hit.start]
        return any(before.endswith(n) for n in self.negations)

    def cue(self, name: str) -> list[_Hit]:
        return [h for h in _find(self.rules.cues.get(name, ()), self.text) if not self.negated(h)]

    def in_clause_before(self, hits: Sequence[_Hit], target: _Hit) -> bool:
        start, _ = _clause_of(self.clauses, target.start)
        return any(start <= h.start and h.end <= target.start for h in hits)

    def resolved_clause(self, resolved: Sequence[_Hit], problems: Sequence[_Hit], at: int) -> bool:
        """Is the clause at `at` about a solved problem (修好了) with no new trouble after it?"""
        start, end = _clause_of(self.clauses, at)
        done = [h for h in resolved if start <= h.start < end]
        if not done:
            return False
        last_done = max(h.end for h in done)
        return not any(start <= p.start < end and p.start >= last_done for p in problems)


def _longest_first(hits: Sequence[tuple[_Hit, str]]) -> list[tuple[_Hit, str]]:
    """Keep the longest of overlapping cue matches; a shorter one inside it does not count."""
    ordered = sorted(hits, key=lambda c: (-(c[0].end - c[0].start), c[0].start))
    claimed: list[tuple[int, int]] = []
    kept: list[tuple[_Hit, str]] = []
    for hit, code in ordered:
        if any(hit.start < end and start < hit.end for start, end in claimed):
            continue
        claimed.append((hit.start, hit.end))
        kept.append((hit, code))
    return kept


def classify(
    text: str,
    rules: IntakeRules,
    buildings: Sequence[BuildingRef] = (),
    default_building: str | None = None,
) -> Classification:
    """Read one ordinary message into intent, category, level and location."""
    t = _normalize(text)
    reader = _Reader(t, rules)
    location = parse_location(text, buildings, default_building)
    matched: list[str] = []

    problems = reader.cue("problem")
    resolved = [h for h in _find(rules.cues.get("resolved", ()), t) if not reader.negated(h)]
    hypothetical = _find(rules.cues.get("hypothetical", ()), t)
    past = _find(rules.cues.get("past", ()), t)
    ongoing = reader.cue("ongoing")
    references = rules.cues.get("reference", ())

    def calm(hit: _Hit) -> bool:
        """Is this emergency word a worry, a past event or a topic rather than an alarm?"""
        if reader.in_clause_before(hypothetical, hit):
            return True
        if not ongoing and reader.in_clause_before(past, hit):
            return True
        return any(m.regex.match(t, hit.end) for m in references)

    def live(hit: _Hit) -> bool:
        return not reader.negated(hit) and not reader.resolved_clause(
            resolved, problems, hit.start
        )

    # level 1 triggers, unless negated (没有烟), solved, or a worry (万一着火)
    # the longer trigger wins where two overlap (电箱在冒烟 is the electrician's, not 冒烟 alone)
    emergency: dict[str, list[str]] = {}
    worried: dict[str, list[str]] = {}
    triggers = [
        (_Hit(found.start(), found.end(), matcher.label), category)
        for category, matcher in rules.emergency
        for found in matcher.regex.finditer(t)
        if found.end() > found.start()
    ]
    for hit, category in _longest_first(triggers):
        if not live(hit):
            continue
        target = worried if calm(hit) else emergency
        target.setdefault(category, []).append(t[hit.start : hit.end])

    # category cues: longest match first claims its characters (电瓶车推进电梯 is not 电梯)
    candidates: list[tuple[_Hit, str]] = []
    for cat in rules.categories:
        for hit in _find(cat.matchers, t):
            candidates.append((hit, cat.code))
    found_categories: dict[str, list[str]] = {}
    for hit, code in _longest_first(candidates):
        if not live(hit):
            continue
        found_categories.setdefault(code, []).append(t[hit.start : hit.end])
    for code, words in worried.items():
        found_categories.setdefault(code, []).extend(words)

    live_problems = [
        p for p in problems if not reader.resolved_clause(resolved, problems, p.start)
    ]
    questions = reader.cue("question")
    suspicion = reader.cue("suspicion")
    who_to_ask = reader.cue("who_to_ask")
    complex_cues = reader.cue("complex")
    on_behalf_hits = _find(rules.cues.get("on_behalf", ()), t)
    notices = reader.cue("notice")

    # intent: emergency > report > question > other
    if emergency:
        intent = REPORT
    elif notices and not live_problems and not questions:
        intent = OTHER
    elif found_categories:
        asks = bool(who_to_ask) or (bool(questions) and not live_problems and not suspicion)
        intent = QUESTION if asks else REPORT
    elif questions:
        intent = QUESTION
    elif live_problems:
        intent = REPORT
    else:
        intent = OTHER

    # a named emergency first, then named problems; a bare cry for help (救命) comes last so
    # "电梯里有人喊救命" is the lift's emergency
    ordered = sorted(
        set(found_categories) | set(emergency),
        key=lambda c: (2 if c == "other" else 0 if c in emergency else 1, rules.priority(c)),
    )
    if intent == OTHER or not ordered:
        category = "other"
        others: tuple[str, ...] = ()
    else:
        category = ordered[0]
        others = tuple(c for c in ordered[1:] if c != "other")

    if emergency and (category in emergency or "other" in emergency):
        level = 1
    elif intent == OTHER:
        level = 2
    else:
        level = rules.level_of(category)
        if complex_cues and level == 2:
            level = 3

    for code, words in emergency.items():
        matched.extend(f"emergency:{code}:{w}" for w in words)
    for code in ordered:
        matched.extend(f"{code}:{w}" for w in found_categories.get(code, ()))
    for name, hits in (
        ("question", questions),
        ("problem", live_problems),
        ("suspicion", suspicion),
        ("resolved", resolved),
        ("complex", complex_cues),
        ("on_behalf", on_behalf_hits),
    ):
        matched.extend(f"{name}:{t[h.start : h.end]}" for h in hits)

    return Classification(
        intent=intent,
        category=category,
        level=level,
        building=location.building,
        unit=location.unit,
        room=location.room,
        on_behalf=bool(on_behalf_hits),
        other_categories=others,
        matched=tuple(matched),
        building_known=location.building_known,
    )

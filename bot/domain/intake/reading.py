"""A message as intake reads it: normalised text, its clauses, and where cue words occur in it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.intake.rules import IntakeRules, Matcher
from bot.domain.text import normalise_text

# Punctuation ends a clause, and so does a space in Chinese (voice typing runs clauses together
# with spaces) – but not a space between two Latin words: an English sentence is one clause.
_CLAUSE_SPLIT = re.compile(
    r"(?:[，,。.!！?？;；、~～…]|(?<![a-z0-9'])\s|\s(?![a-z0-9']))(?:[，,。.!！?？;；、~～…\s])*"
)


@dataclass(frozen=True)
class Hit:
    """Where one cue matched in the normalised text, and the words it matched."""

    start: int
    end: int
    word: str


@dataclass(frozen=True)
class Message:
    """The normalised text of one message, its clauses and the negation words of the rules."""

    text: str
    clauses: tuple[tuple[int, int], ...]
    #: longest first, so 没有 is tried before 没
    negations: tuple[str, ...]

    def find(self, matchers: Iterable[Matcher]) -> list[Hit]:
        """Return every non-empty match of the matchers, matcher by matcher."""
        return [
            Hit(found.start(), found.end(), found.group())
            for m in matchers
            for found in m.regex.finditer(self.text)
            if found.end() > found.start()
        ]

    def find_unnegated(self, matchers: Iterable[Matcher]) -> list[Hit]:
        """Return the matches of the matchers that no negation word comes right before."""
        return [h for h in self.find(matchers) if not self.negated(h)]

    def negated(self, hit: Hit) -> bool:
        """Tell whether a negation word (没有, 不) comes right before the hit."""
        before = self.text[: hit.start]
        return any(before.endswith(n) for n in self.negations)

    def clause_of(self, index: int) -> tuple[int, int]:
        """Return the bounds of the clause holding `index` (empty at `index` between clauses)."""
        for start, end in self.clauses:
            if start <= index < end:
                return start, end
        return index, index

    def in_clause_before(self, hits: Sequence[Hit], target: Hit) -> bool:
        """Tell whether one of `hits` comes before `target` in the target's clause."""
        start, _ = self.clause_of(target.start)
        return any(start <= h.start and h.end <= target.start for h in hits)

    def resolved_clause(self, resolved: Sequence[Hit], problems: Sequence[Hit], at: int) -> bool:
        """Tell whether the clause at `at` says a problem was solved (修好了), none new after."""
        start, end = self.clause_of(at)
        done = [h for h in resolved if start <= h.start < end]
        if not done:
            return False
        last_done = max(h.end for h in done)
        return not any(start <= p.start < end and p.start >= last_done for p in problems)


def normalise(text: str) -> str:
    """Return the shared reading of the text (bot/domain/text.py), lower case, trimmed."""
    return normalise_text(text).lower().strip()


def clause_bounds(text: str) -> tuple[tuple[int, int], ...]:
    """Return the (start, end) of every clause between punctuation and spaces."""
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.start() > pos:
            bounds.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        bounds.append((pos, len(text)))
    return tuple(bounds)


def read_message(text: str, rules: IntakeRules) -> Message:
    """Normalise a message and split it into clauses, ready for the classifier's stages."""
    normal = normalise(text)
    negations = sorted(
        {m.label.lower() for m in rules.cues.get("negation", ())}, key=len, reverse=True
    )
    return Message(normal, clause_bounds(normal), tuple(negations))


def longest_first(hits: Iterable[tuple[Hit, str]]) -> list[tuple[Hit, str]]:
    """Keep the longest of overlapping matches; a shorter one inside it does not count."""
    ordered = sorted(hits, key=lambda c: (-(c[0].end - c[0].start), c[0].start))
    claimed: list[tuple[int, int]] = []
    kept: list[tuple[Hit, str]] = []
    for hit, code in ordered:
        if any(hit.start < end and start < hit.end for start, end in claimed):
            continue
        claimed.append((hit.start, hit.end))
        kept.append((hit, code))
    return kept

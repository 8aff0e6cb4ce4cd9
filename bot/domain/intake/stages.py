"""The classifier's stages: cues → emergencies → category claims → intent → category → level.

Each stage is a small function of typed values, so each can be tested on its own;
`bot.domain.intake.classify.classify` runs them in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.intake.reading import Hit, Message, longest_first
from bot.domain.intake.rules import OTHER_CATEGORY, IntakeRules, Matcher

REPORT = "report"
QUESTION = "question"
OTHER = "other"

#: category code → the words of the message that named it, in the order they were found
Words = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Cues:
    """The cue words found in one message; those right after a negation are dropped where
    a negation changes their meaning (没有问题), kept where it cannot (万一, 我妈)."""

    problem: tuple[Hit, ...]
    #: problems outside the clauses that report them solved (修好了)
    live_problem: tuple[Hit, ...]
    resolved: tuple[Hit, ...]
    hypothetical: tuple[Hit, ...]
    past: tuple[Hit, ...]
    ongoing: tuple[Hit, ...]
    question: tuple[Hit, ...]
    suspicion: tuple[Hit, ...]
    who_to_ask: tuple[Hit, ...]
    complex: tuple[Hit, ...]
    on_behalf: tuple[Hit, ...]
    notice: tuple[Hit, ...]


@dataclass(frozen=True)
class Emergencies:
    """Level-1 trigger words by category: alarms, and worries (万一着火) that only name one."""

    alarms: Words
    worries: Words


@dataclass(frozen=True)
class CategoryChoice:
    """The main category, the other problems named, and every category named (main first)."""

    category: str
    others: tuple[str, ...]
    named: tuple[str, ...]


def read_cues(message: Message, rules: IntakeRules) -> Cues:
    """Find the message's cue words (problem, resolved, question, notice, ...)."""

    def cue(name: str) -> tuple[Hit, ...]:
        return tuple(message.find_unnegated(rules.cues.get(name, ())))

    def plain(name: str) -> tuple[Hit, ...]:
        return tuple(message.find(rules.cues.get(name, ())))

    problem, resolved = cue("problem"), cue("resolved")
    return Cues(
        problem=problem,
        live_problem=tuple(
            p for p in problem if not message.resolved_clause(resolved, problem, p.start)
        ),
        resolved=resolved,
        hypothetical=plain("hypothetical"),
        past=plain("past"),
        ongoing=cue("ongoing"),
        question=cue("question"),
        suspicion=cue("suspicion"),
        who_to_ask=cue("who_to_ask"),
        complex=cue("complex"),
        on_behalf=plain("on_behalf"),
        notice=cue("notice"),
    )


def _live_claims(
    message: Message, cues: Cues, matchers: Iterable[tuple[str, Matcher]]
) -> list[tuple[Hit, str]]:
    """Category-tagged matches, the longest of overlapping ones, neither negated nor solved."""
    tagged = [(hit, code) for code, m in matchers for hit in message.find((m,))]
    return [
        (hit, code)
        for hit, code in longest_first(tagged)
        if not message.negated(hit)
        and not message.resolved_clause(cues.resolved, cues.problem, hit.start)
    ]


def _calm(message: Message, cues: Cues, references: Sequence[Matcher], hit: Hit) -> bool:
    """Tell whether an emergency word is a worry, a past event or a topic, not an alarm."""
    if message.in_clause_before(cues.hypothetical, hit):
        return True
    if not cues.ongoing and message.in_clause_before(cues.past, hit):
        return True
    return any(m.regex.match(message.text, hit.end) for m in references)


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Collect (code, word) pairs into code → words, keeping first-seen order."""
    out: dict[str, tuple[str, ...]] = {}
    for code, word in pairs:
        out[code] = (*out.get(code, ()), word)
    return out


def find_emergencies(message: Message, rules: IntakeRules, cues: Cues) -> Emergencies:
    """Sort the live level-1 trigger words into alarms and worries."""
    # the longer trigger wins where two overlap (电箱在冒烟 is the electrician's, not 冒烟 alone)
    references = rules.cues.get("reference", ())
    alarms: list[tuple[str, str]] = []
    worries: list[tuple[str, str]] = []
    for hit, code in _live_claims(message, cues, rules.emergency):
        calm = _calm(message, cues, references, hit)
        (worries if calm else alarms).append((code, hit.word))
    return Emergencies(alarms=_group(alarms), worries=_group(worries))


def claim_categories(message: Message, rules: IntakeRules, cues: Cues, worries: Words) -> Words:
    """Return the words that name each category; a worried emergency word names its category."""
    # the longest match claims its characters first (电瓶车推进电梯 is not 电梯)
    pairs = ((c.code, m) for c in rules.categories for m in c.matchers)
    claims = [(code, hit.word) for hit, code in _live_claims(message, cues, pairs)]
    return _group([*claims, *((code, w) for code, words in worries.items() for w in words)])


def choose_intent(alarms: Words, claims: Words, cues: Cues) -> str:
    """Decide report, question or other: an emergency, then a notice, a problem, a question."""
    if alarms:
        return REPORT
    if cues.notice and not cues.live_problem and not cues.question:
        return OTHER
    if claims:
        asks = bool(cues.who_to_ask) or (
            bool(cues.question) and not cues.live_problem and not cues.suspicion
        )
        return QUESTION if asks else REPORT
    if cues.question:
        return QUESTION
    return REPORT if cues.live_problem else OTHER


def choose_category(
    intent: str, alarms: Words, claims: Words, rules: IntakeRules
) -> CategoryChoice:
    """Pick the main category: a named emergency, then named problems by priority."""

    # a bare cry for help (救命) comes last, so "电梯里有人喊救命" is the lift's emergency
    def rank(code: str) -> tuple[int, int]:
        return (2 if code == OTHER_CATEGORY else 0 if code in alarms else 1, rules.priority(code))

    named = tuple(sorted(set(claims) | set(alarms), key=rank))
    if intent == OTHER or not named:
        return CategoryChoice(OTHER_CATEGORY, (), named)
    others = tuple(c for c in named[1:] if c != OTHER_CATEGORY)
    return CategoryChoice(named[0], others, named)


def choose_level(intent: str, category: str, alarms: Words, cues: Cues, rules: IntakeRules) -> int:
    """Decide the level: 1 for an alarm about the main category, else its usual level."""
    if alarms and (category in alarms or OTHER_CATEGORY in alarms):
        return 1
    if intent == OTHER:
        return 2
    level = rules.level_of(category)
    return 3 if cues.complex and level == 2 else level


def list_evidence(
    emergencies: Emergencies, claims: Words, choice: CategoryChoice, cues: Cues
) -> tuple[str, ...]:
    """List what was matched, for staff and tuning: emergency:gas:漏气, water_leak:漏水, ..."""
    found = [f"emergency:{code}:{w}" for code, words in emergencies.alarms.items() for w in words]
    found += [f"{code}:{w}" for code in choice.named for w in claims.get(code, ())]
    for name, hits in (
        ("question", cues.question),
        ("problem", cues.live_problem),
        ("suspicion", cues.suspicion),
        ("resolved", cues.resolved),
        ("complex", cues.complex),
        ("on_behalf", cues.on_behalf),
    ):
        found += [f"{name}:{h.word}" for h in hits]
    return tuple(found)

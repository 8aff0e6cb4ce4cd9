"""Normalise resident text: width, case, punctuation, traditional characters, synonyms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field

from bot.domain.text import normalise_text
from bot.resources import builtin_file
from bot.yamlio import StrictModel, load_model

SYNONYMS = builtin_file("faq", "synonyms.yaml")

# Anything that is not a letter, digit or CJK ideograph separates words.
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


def clean(text: str) -> str:
    """The shared reading (bot/domain/text.py: width, simplified characters, emoji, slips),
    lower case, punctuation → single spaces."""
    return _NON_WORD.sub(" ", normalise_text(text).lower()).strip()


class SynonymFile(StrictModel):
    """faq/synonyms.yaml: canonical word → variants, plus words ignored for matching."""

    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    stopwords: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Lexicon:
    """Synonym rewriting and stopwords, compiled once."""

    canonical: Mapping[str, str]
    stopwords: frozenset[str]
    pattern: re.Pattern[str] | None

    @classmethod
    def build(cls, synonyms: Mapping[str, Sequence[str]], stopwords: Sequence[str]) -> Lexicon:
        """Compile a lexicon from canonical → variants and a stopword list."""
        canonical: dict[str, str] = {}
        for word, variants in synonyms.items():
            for variant in (word, *variants):
                key = clean(variant).replace(" ", "")
                if key:
                    canonical.setdefault(key, clean(word).replace(" ", ""))
        # Longest variant first so "坏掉了" wins over "坏掉"; one pass, so no re-rewriting.
        keys = sorted(canonical, key=lambda k: (-len(k), k))
        pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
        stops = frozenset(clean(w).replace(" ", "") for w in stopwords)
        return cls(canonical=canonical, stopwords=stops, pattern=pattern)

    def rewrite(self, text: str) -> str:
        """Replace every variant in cleaned text with its canonical word."""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.canonical[m.group(0)], text)

    @property
    def canonical_words(self) -> frozenset[str]:
        """Return every canonical word (the segmenter keeps them whole)."""
        return frozenset(self.canonical.values())


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Load a synonym file (faq/synonyms.yaml by default)."""
    data = load_model(SYNONYMS if path is None else path, SynonymFile)
    return Lexicon.build(data.synonyms, data.stopwords)


@cache
def default_lexicon() -> Lexicon:
    """Return the built-in lexicon, loaded once."""
    return load_lexicon()


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Clean text and rewrite synonyms; the result keeps spaces only where punctuation was."""
    lex = lexicon if lexicon is not None else default_lexicon()
    return lex.rewrite(clean(text))


def question_key(text: str, lexicon: Lexicon | None = None, limit: int = 191) -> str:
    """Return a compact key under which rewordings of the same question are counted together."""
    return normalize(text, lexicon).replace(" ", "")[:limit]

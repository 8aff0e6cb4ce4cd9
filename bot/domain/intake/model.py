"""The learned reading beside the rules: character n-grams weighed by a linear model.

Trained offline (`loudao train`, scikit-learn: TF-IDF over character 1–3-grams and logistic
regression) on the labelled sets; what runs here is plain Python over the exported weights
(bot/domain/intake/model.json), so no new runtime dependency and well under a millisecond a
message. Three heads: intent, category and emergency (level 1 or not).
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.text import normalise_text

_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")
_MENTION = re.compile(r"@[0-9a-z_]+")


def model_text(text: str) -> str:
    """The text the model reads: the shared reading, lower case, without @mentions (whom a
    resident addresses says nothing of what happened), numbers as one '0'."""
    read = _MENTION.sub(" ", normalise_text(text).lower())
    return _SPACES.sub(" ", _DIGITS.sub("0", read)).strip()


def ngrams(text: str, low: int, high: int) -> Counter[str]:
    """Count the character n-grams of `text` (as scikit-learn's analyzer="char" does)."""
    counts: Counter[str] = Counter()
    for n in range(low, high + 1):
        for i in range(len(text) - n + 1):
            counts[text[i : i + n]] += 1
    return counts


@dataclass(frozen=True)
class Head:
    """One linear classifier: a weight per feature and class (a flat array, 4 bytes each)."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: array[float]  # feature i's weights at [i * width, (i + 1) * width)

    @property
    def width(self) -> int:
        return len(self.bias)

    def probabilities(self, features: Mapping[int, float]) -> dict[str, float]:
        scores = list(self.bias)
        width = self.width
        for index, value in features.items():
            start = index * width
            for k in range(width):
                scores[k] += self.weights[start + k] * value
        if len(self.classes) == 2 and len(scores) == 1:  # binary: one score for classes[1]
            p = 1.0 / (1.0 + math.exp(-scores[0]))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}


@dataclass(frozen=True)
class Reading:
    """What the model reads in a message, with how sure it is of each answer."""

    intent: str
    intent_p: float
    category: str
    category_p: float
    emergency_p: float


@dataclass(frozen=True)
class TextModel:
    """The exported model: vocabulary with IDF, n-gram range, and the three heads."""

    version: str
    low: int
    high: int
    vocabulary: Mapping[str, int]
    idf: Sequence[float]
    intent: Head
    category: Head
    emergency: Head

    def features(self, text: str) -> dict[int, float]:
        """Sub-linear TF × IDF of the known n-grams, L2-normalised."""
        values: dict[int, float] = {}
        for gram, count in ngrams(model_text(text), self.low, self.high).items():
            index = self.vocabulary.get(gram)
            if index is not None:
                values[index] = (1.0 + math.log(count)) * self.idf[index]
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {i: v / norm for i, v in values.items()}

    def read(self, text: str) -> Reading:
        features = self.features(text)
        intent = self.intent.probabilities(features)
        category = self.category.probabilities(features)
        emergency = self.emergency.probabilities(features)
        best_intent = max(intent, key=intent.__getitem__)
        best_category = max(category, key=category.__getitem__)
        return Reading(
            intent=best_intent,
            intent_p=intent[best_intent],
            category=best_category,
            category_p=category[best_category],
            emergency_p=emergency.get("1", 0.0),
        )


def head_from_json(data: Mapping[str, object], features: int) -> Head:
    """A head from its export: weights as integers (× scale), feature-major."""
    scale = float(data["scale"])  # type: ignore[arg-type]
    bias = tuple(float(b) for b in data["bias"])  # type: ignore[attr-defined]
    flat = data["weights"]
    assert isinstance(flat, list) and len(flat) == features * len(bias)
    return Head(
        classes=tuple(data["classes"]),  # type: ignore[arg-type]
        bias=bias,
        weights=array("f", (w / scale for w in flat)),
    )


def model_from_json(data: Mapping[str, object]) -> TextModel:
    """Build the model from its exported JSON (see bot/training/intake_model.py)."""
    vocabulary = data["vocabulary"]
    assert isinstance(vocabulary, list)
    heads = data["heads"]
    assert isinstance(heads, dict)
    return TextModel(
        version=str(data["version"]),
        low=int(data["low"]),  # type: ignore[call-overload]
        high=int(data["high"]),  # type: ignore[call-overload]
        vocabulary={gram: i for i, gram in enumerate(vocabulary)},
        idf=tuple(float(v) for v in data["idf"]),  # type: ignore[attr-defined]
        intent=head_from_json(heads["intent"], len(vocabulary)),
        category=head_from_json(heads["category"], len(vocabulary)),
        emergency=head_from_json(heads["emergency"], len(vocabulary)),
    )

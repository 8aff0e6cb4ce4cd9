"""Train the intake model (`loudao train`): TF-IDF over character 1–3-grams and logistic
regression, for intent, category and emergency; exported as JSON for bot/domain/intake/model.py.

scikit-learn is needed here only (it is in the `test` and `dev` extras, never at run time).
Training is reproducible: the same files give the same model file, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.intake.evaluation import LabelledMessage
from bot.domain.intake.model import model_text

VERSION = "1"
NGRAMS = (1, 3)
MIN_DF = 2
MAX_FEATURES = 12000
C = 8.0  # inverse regularisation strength, the same for every head
SCALE = 1000  # weights are stored as integers: weight × SCALE


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    intents: list[str]
    categories: list[str]
    emergencies: list[str]  # "1" for level 1, else "0"


def training_set(messages: Sequence[LabelledMessage]) -> TrainingSet:
    return TrainingSet(
        texts=[m.text for m in messages],
        intents=[m.intent for m in messages],
        categories=[str(m.category) for m in messages],
        emergencies=["1" if m.level == 1 else "0" for m in messages],
    )


def train(messages: Sequence[LabelledMessage]) -> dict[str, Any]:
    """Fit the vectoriser and the three heads; return the model as a JSON-ready dict."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    data = training_set(messages)
    vectoriser = TfidfVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        preprocessor=model_text,
        lowercase=False,
        sublinear_tf=True,
        min_df=MIN_DF,
        max_features=MAX_FEATURES,
        dtype=numpy.float64,
    )
    matrix = vectoriser.fit_transform(data.texts)
    vocabulary = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.__getitem__)
    heads = {}
    for name, labels in (
        ("intent", data.intents),
        ("category", data.categories),
        ("emergency", data.emergencies),
    ):
        model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
        model.fit(matrix, labels)
        heads[name] = _export_head(model)
    return {
        "version": VERSION,
        "trained_on": len(messages),
        "low": NGRAMS[0],
        "high": NGRAMS[1],
        "vocabulary": vocabulary,
        "idf": [round(float(v), 5) for v in vectoriser.idf_],
        "heads": heads,
    }


def _export_head(model: Any) -> dict[str, Any]:
    coef = model.coef_  # (classes, features), or (1, features) for two classes
    flat = [round(float(w) * SCALE) for w in coef.T.reshape(-1)]
    return {
        "classes": [str(c) for c in model.classes_],
        "bias": [round(float(b), 5) for b in model.intercept_],
        "scale": SCALE,
        "weights": flat,
    }


def write_model(model: dict[str, Any], path: Path) -> None:
    """Write the model compactly and deterministically."""
    text = json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")

"""Is a new report the same problem as an open ticket? ("5号楼楼道灯也不亮" – "me too")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_LOCATION_RE = re.compile(
    r"[0-9零〇一二两三四五六七八九十百A-Za-z]+\s*(号楼|栋楼|幢楼|号院|号|栋|幢|座|#|单元|室|楼|层)"
)
_NOISE_RE = re.compile(r"[\s，,。.!！?？;；、~～…@_A-Za-z0-9]+")
_ME_TOO = (
    "也是",
    "也一样",
    "同样",
    "我家也",
    "我们也",
    "我这也",
    "这边也",
    "也有",
    "也坏",
    "也不",
    "也没",
    "也漏",
    "也停",
    "+1",
    "同问",
    "一样的",
)


@dataclass(frozen=True)
class DuplicatePolicy:
    """When a report joins an open ticket instead of opening a new one."""

    window: timedelta = timedelta(hours=72)
    min_similarity: float = 0.25


def _core(text: str) -> str:
    return _NOISE_RE.sub("", _LOCATION_RE.sub("", text))


def _bigrams(text: str) -> set[str]:
    core = _core(text)
    if len(core) < 2:
        return {core} if core else set()
    return {core[i : i + 2] for i in range(len(core) - 1)}


def _dice(x: set[str], y: set[str]) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def similarity(a: str, b: str) -> float:
    """Mean Dice similarity of characters and character bigrams, ignoring places and punctuation.

    Short Chinese messages share few bigrams ("楼道好脏" / "楼道也很脏"), so single characters
    count half; building and category must already match before this is asked.
    """
    return (_dice(set(_core(a)), set(_core(b))) + _dice(_bigrams(a), _bigrams(b))) / 2


def says_me_too(text: str) -> bool:
    """Does the message read like "me too" / "here as well"?"""
    return any(cue in text for cue in _ME_TOO)


def looks_like_duplicate(
    policy: DuplicatePolicy,
    *,
    new_text: str,
    new_building: str | None,
    new_unit: str | None,
    new_category: str,
    now: datetime,
    old_text: str,
    old_building: str | None,
    old_unit: str | None,
    old_category: str,
    old_created_at: datetime,
) -> bool:
    """Same building (and unit when both know it), same category, recent, and similar words."""
    if new_building is None or new_building != old_building or new_category != old_category:
        return False
    if new_unit and old_unit and new_unit != old_unit:
        return False
    if now - old_created_at > policy.window:
        return False
    return says_me_too(new_text) or similarity(new_text, old_text) >= policy.min_similarity

"""One reading of what residents type, shared by intake, location parsing and the FAQ.

Full-width letters, digits and punctuation become half-width (NFKC); traditional characters
become simplified with OpenCC's Taiwan-standard table (`tw2s` – it also turns 著火 into 着火,
which the plain `t2s` table leaves, and keeps 显著); zero-width characters go and an emoji
becomes a space (it often stands between words: 🔥着火了); a few common typing slips that
change the meaning of a report are corrected. Case is kept: callers lower-case as they need.

Measured (benchmarks/normalise.py): OpenCC `tw2s` 1 µs a sentence, 46 ms and +6.7 MiB on
first use, 26 of 26 test phrases right; zhconv 7–10 µs, 99 ms and +19 MiB, 26 of 26; OpenCC
`t2s` 23 of 26; the character table the FAQ had used 21 of 26.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Protocol

_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff"
    "\ufe0e\ufe0f\u20e3\U000e0000-\U000e007f]+"
)

#: Typing slips (pinyin input picks the wrong character) that hide what a report is about.
#: Kept short and certain: each left side is never right in what residents write.
SLIPS: dict[str, str] = {
    "电悌": "电梯",
    "燃汽": "燃气",
    "煤汽": "煤气",
    "天燃气": "天然气",
    "跳匝": "跳闸",
    "电平车": "电瓶车",
    "电品车": "电瓶车",
    "下水到": "下水道",
    "水笼头": "水龙头",
    "防盗们": "防盗门",
    "楼到灯": "楼道灯",
    "水管暴了": "水管爆了",
    "暴管": "爆管",
    # 著 is simplified too (显著), so a lone 著火 is not converted as traditional text
    "著火": "着火",
    "著急": "着急",
}
_SLIP = re.compile("|".join(sorted(map(re.escape, SLIPS), key=len, reverse=True)))


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _opencc() -> _Converter:
    import opencc  # loaded on first use: its dictionaries cost 6.7 MiB

    converter: _Converter = opencc.OpenCC("tw2s")
    return converter


@cache
def _traditional_only() -> frozenset[str]:
    """Characters that exist only in traditional writing (a quick test before converting)."""
    from bot.domain.text_t2s import TRADITIONAL

    return TRADITIONAL


def to_simplified(text: str) -> str:
    """Traditional → simplified; text already simplified is returned as it is, quickly."""
    if not any(ch in _traditional_only() for ch in text):
        return text
    return _opencc().convert(text)


def normalise_text(text: str) -> str:
    """Return the text as every reader in Loudao reads it."""
    text = _ZERO_WIDTH.sub("", text)
    text = _EMOJI.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return _SLIP.sub(lambda m: SLIPS[m.group(0)], text)

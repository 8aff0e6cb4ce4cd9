"""Which language a resident wrote in, so the answer to their message is in it too.

Only the two catalogues Loudao has are told apart: Chinese characters anywhere make a message
Chinese (a building code or "WiFi" inside Chinese words does not make it English); words in
Latin letters and no Chinese make it English. Numbers, emoji, @names, commands and links say
nothing, so a message of only those keeps the community's language.
"""

from __future__ import annotations

import re

CHINESE, ENGLISH = "zh_CN", "en"

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
_NOT_WORDS = re.compile(r"@\w+|/\w+(@\w+)?|https?://\S+|\bt\.me/\S+")
#: two letters or more: "A-0042" or "3A" name a ticket or a flat, not a language
_WORD = re.compile(r"[A-Za-z]{2,}")


def written_in(text: str) -> str | None:
    """Return "zh_CN" or "en" for what the words are written in, None when there are none."""
    words = _NOT_WORDS.sub(" ", text)
    if _HAN.search(words):
        return CHINESE
    return ENGLISH if _WORD.search(words) else None


def reply_locale(text: str, default: str) -> str:
    """The catalogue to answer this message in: its own language, else `default`."""
    return written_in(text) or default

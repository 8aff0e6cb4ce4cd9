"""Blank what a log line must never carry: the bot token, secrets, phones, rooms, people's words.

Pure text functions; bot/logs.py applies them to every record on every handler. The patterns
are deliberately wider than intake's reading (a log line loses a digit sooner than it leaks a
room): a room is hidden wherever it stands after a building or unit, or carries 室/房.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HIDDEN = "[redacted]"

# any Bot API token (123456789:AA… – 35 characters after the colon), and a token in a Bot API
# path (/bot<token>/getUpdates, /file/bot<token>/…) whatever it looks like
_TOKEN_RE = re.compile(r"(?<![0-9])[0-9]{5,16}:[A-Za-z0-9_-]{30,}")
_BOT_PATH_RE = re.compile(r"(/bot)[^/\s'\"]+(?=/|$|[\s'\"])")
# mainland mobiles (optionally +86, split 3-4-4) and landlines with an area code
_PHONE_RE = re.compile(
    r"(?<![0-9])(?:\+?86[\s-]?)?(?:1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}"
    r"|0[0-9]{2,3}[\s-]?[0-9]{7,8})(?![0-9])"
)
_NUM = r"(?:[0-9]{1,4}|[零〇一二两三四五六七八九十百幺]{1,4}|[A-Za-z])"
_ROOM_DIGITS = r"(?:[0-9]{3,4}|[零〇一二三四五六七八九幺]{3,4})"
# 3号楼2单元401室 · 5栋402 · 2单元 1202 · 171号401: the room after a building or a unit
_ROOM_AFTER_PLACE_RE = re.compile(
    rf"((?:{_NUM}\s*(?:号楼|栋楼|幢楼|号院|号|栋|幢|座|#)|{_NUM}\s*单元)[\s,，、\-—]*)"
    rf"{_ROOM_DIGITS}(?![0-9])"
)
# 401室 · 五零二房 · 1202房间 · 3-2-401 · room 1202 / flat 402
_ROOM_RE = re.compile(
    rf"(?<![0-9]){_ROOM_DIGITS}\s*(?:室|号房|房间|房)"
    r"|(?<![0-9])[0-9]{1,3}\s*-\s*[0-9]{1,2}\s*-\s*[0-9]{3,4}(?![0-9])"
    r"|\b(?:room|rm\.?|flat|apt\.?|apartment)\s*(?:no\.?\s*|#\s*)?[0-9]{3,4}\b",
    re.IGNORECASE,
)
# what people wrote or are called, as libraries print objects, dicts and JSON:
# text='…', 'text': '…', "text": "…", "first_name":"…"
_FIELDS = (
    "text|caption|first_name|last_name|username|title|name|phone_number|phone|room|question"
    "|query|quote|description|reporter_name|bio|address|vcard"
)
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\\\"(?:[^\\]|\\[^\"])*\\\""
_FIELD_RE = re.compile(rf"""((?<![A-Za-z_])['"]?(?:{_FIELDS})['"]?\s*[:=]\s*)({_QUOTED})""")
# PostgreSQL puts the values of a failed statement in DETAIL (Key (phone)=(138…), Failing row
# contains (…)); asyncpg prints it in the traceback although SQLAlchemy hides the parameters
_DETAIL_RE = re.compile(r"(DETAIL:\s*)[^\n]*")


class Redactor:
    """Blanks the given secrets and every pattern of personal data in a text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # longest first, so a secret that contains another is blanked whole
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Return `text` with secrets, tokens, phones, rooms and people's words blanked."""
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        text = _TOKEN_RE.sub(HIDDEN, text)
        text = _BOT_PATH_RE.sub(rf"\1{HIDDEN}", text)
        text = _DETAIL_RE.sub(rf"\1{HIDDEN}", text)
        text = _FIELD_RE.sub(rf"\1'{HIDDEN}'", text)
        text = _PHONE_RE.sub(HIDDEN, text)
        text = _ROOM_AFTER_PLACE_RE.sub(rf"\1{HIDDEN}", text)
        return _ROOM_RE.sub(HIDDEN, text)


def hide_personal(text: str, mark: str = "***") -> str:
    """Replace the phones and rooms in `text` with `mark` (what may be kept of a question)."""
    text = _PHONE_RE.sub(mark, text)
    text = _ROOM_AFTER_PLACE_RE.sub(rf"\g<1>{mark}", text)
    return _ROOM_RE.sub(mark, text)

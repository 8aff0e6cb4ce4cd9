"""Read Chinese and full-width numerals as residents write them: 三, 两, 十七, ４０１."""

from __future__ import annotations

import re

_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "幺": 1, "壹": 1, "二": 2, "两": 2, "贰": 2,
    "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_TENS: dict[str, int] = {"廿": 20, "卅": 30}  # 廿三 = 23
_MYRIAD = "万"
_ZH_DIGITS = "零一二三四五六七八九"

#: Characters that can make up a Chinese number (for building regular expressions).
CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS) + "".join(_TENS) + _MYRIAD
#: One number as residents write it: ASCII digits or a run of Chinese numeral characters.
NUMBER_PATTERN = rf"(?:[0-9]+|[{CHINESE_NUMERAL_CHARS}]+)"

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space


def normalize_width(text: str) -> str:
    """Turn full-width digits, letters and ASCII punctuation into their half-width forms."""
    return text.translate(_FULL_WIDTH)


def chinese_to_int(text: str) -> int | None:
    """Return the value of a numeral: "3", "３", "三", "两", "十七", "一百七十一", "四零一",
    "五零二" and "幺零三" (digit by digit), "三百五" (350), "一万二" (12000), "廿三" (23).

    Returns None when the text is not a number.
    """
    s = normalize_width(text.strip())
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if any(
        ch not in _DIGITS and ch not in _UNITS and ch not in _TENS and ch != _MYRIAD for ch in s
    ):
        return None
    if all(ch in _DIGITS for ch in s):
        # digit by digit, as in 四零一 (room 401), 幺零三 or 一七一
        return int("".join(str(_DIGITS[ch]) for ch in s))
    return _positional(s)


class _Reading:
    """The state of reading a positional numeral from left to right."""

    def __init__(self) -> None:
        self.total = 0  # whole myriads (万) read so far
        self.section = 0  # below the last 万
        self.pending: int | None = None  # a digit waiting for its unit
        self.last_unit = 0
        self.zero = False  # a 零 since the last unit: 一百零五 is 105, not 150

    def digit(self, value: int) -> bool:
        if self.pending is not None and value != 0:
            return False  # two digits in a row inside a positional number, e.g. 一二十
        if value == 0:
            self.zero = True
        else:
            self.pending = value
        return True

    def unit(self, value: int) -> bool:
        if self.pending is None and self.section == 0 and self.total == 0 and value != 10:
            return False  # 百 alone is not a number residents write
        self.section += (1 if self.pending is None else self.pending) * value
        self.pending, self.last_unit, self.zero = None, value, False
        return True

    def myriad(self) -> bool:
        self.total += ((self.section + (self.pending or 0)) or 1) * 10000
        self.section, self.pending, self.last_unit, self.zero = 0, None, 10000, False
        return True

    def tens(self, value: int) -> bool:
        if self.pending is not None:
            return False
        self.section += value
        self.last_unit, self.zero = 10, False
        return True

    def value(self) -> int:
        last = self.pending or 0
        if last and self.last_unit >= 100 and not self.zero:
            last *= self.last_unit // 10  # 三百五 is 350, 一万二 is 12000
        return self.total + self.section + last


def _positional(s: str) -> int | None:
    reading = _Reading()
    for ch in s:
        if ch in _DIGITS:
            ok = reading.digit(_DIGITS[ch])
        elif ch in _UNITS:
            ok = reading.unit(_UNITS[ch])
        elif ch in _TENS:
            ok = reading.tens(_TENS[ch])
        else:
            ok = reading.myriad()
        if not ok:
            return None
    return reading.value()


def int_to_chinese(n: int) -> str:
    """Write 0–9999 the usual way: 3 → 三, 12 → 十二, 65 → 六十五, 171 → 一百七十一."""
    if n < 0 or n > 9999:
        raise ValueError(f"out of range: {n}")
    if n < 10:
        return _ZH_DIGITS[n]
    if n < 20:
        return "十" + (_ZH_DIGITS[n - 10] if n % 10 else "")
    out = ""
    zero_gap = False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = (n // value) % 10
        if d:
            if zero_gap and out:
                out += "零"
            out += _ZH_DIGITS[d] + name
            zero_gap = False
        elif out:
            zero_gap = True
    return out


_NUMBER_RE = re.compile(NUMBER_PATTERN)


def number_text(text: str) -> str | None:
    """Return the canonical text of a number token ("０３" → "3", "十七" → "17"), or None."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = chinese_to_int(text)
    return None if value is None else str(value)

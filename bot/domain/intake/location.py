"""Find the building, unit and room a message names: 171号401室, 3号楼2单元, 三号楼, 5#."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.intake.numerals import (
    CHINESE_NUMERAL_CHARS,
    NUMBER_PATTERN,
    chinese_to_int,
    int_to_chinese,
    normalize_width,
    number_text,
)
from bot.domain.registry import NUMBER_CHARS


@dataclass(frozen=True)
class BuildingRef:
    """A building of the registry as intake needs it: its number, extra aliases and units."""

    number: str
    aliases: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Location:
    """Where a message says the problem is; building falls back to the group's building."""

    building: str | None = None
    unit: str | None = None
    room: str | None = None
    #: the building is one of the registry's buildings (False for "99号楼" or no building)
    building_known: bool = False
    #: the building was named in the text rather than taken from the group's default
    building_from_text: bool = False


_NUM_SUFFIXES = ("号楼", "号", "栋", "幢", "座", "#", "栋楼", "幢楼", "号院")
_ZH_SUFFIXES = ("号楼", "号", "栋", "幢", "座")
_LETTER_SUFFIXES = ("座", "栋", "幢", "号楼")

N = NUMBER_PATTERN
_ZH = CHINESE_NUMERAL_CHARS
# building: number + 号楼/号/栋/幢/座/#; 楼 alone is a floor (3楼), never a building
_BUILDING_RE = re.compile(
    rf"(?<![0-9A-Za-z])(?P<num>{N})\s*(?P<suf>号楼|栋楼|幢楼|号院|号|栋|幢|座(?!椅)|#)"
    rf"|(?<![0-9A-Za-z])(?P<letter>[A-Za-z])\s*(?P<lsuf>座(?!椅)|栋|幢|号楼)"
)
# "3号" is a date or a gate rather than a building in these surroundings
_DATE_BEFORE = re.compile(r"(月|日|天|周|星期|礼拜|第|今|明|昨|后|前)\s*$")
_NOT_BUILDING_AFTER = re.compile(
    r"^(线|门(?![口禁])|机|车位|车|窗口|上午|下午|晚上|早上|中午|凌晨|之前|以前|以后|开始|左右|当天|那天"
    r"|到|至|前|后|停|放假|发|通知|交|截止|为止|出|位|电梯|梯|床|窗口)"
)
_UNIT_RE = re.compile(rf"(?P<num>{N})\s*单元")
# English: "building 3", "Bldg. 5", "block 2", "Building A"; "unit 2"; "room 1202", "flat 402"
_EN_NO = r"\s*(?:no\.?\s*|#\s*)?"
_EN_BUILDING_RE = re.compile(
    rf"\b(?:building|bldg\.?|block|blk\.?|tower){_EN_NO}(?:(?P<num>[0-9]{{1,4}})|(?-i:(?P<letter>[A-Z])))\b",
    re.IGNORECASE,
)
_EN_UNIT_RE = re.compile(rf"\b(?:unit|entrance){_EN_NO}(?P<num>[0-9]{{1,2}})\b", re.IGNORECASE)
_EN_ROOM_RE = re.compile(
    rf"\b(?:room|rm\.?|flat|apt\.?|apartment){_EN_NO}(?P<num>[0-9]{{3,4}})\b", re.IGNORECASE
)
_ROOM_DIGITS = "零〇一二三四五六七八九幺"  # a room read digit by digit: 五零二, 幺零三
_ROOM_RE = re.compile(
    rf"(?<![0-9])(?P<num>[0-9]{{3,4}}|[{_ROOM_DIGITS}]{{3,4}})\s*(?:室|号房|房间|房)"
)
_TRIPLE_RE = re.compile(r"(?<![0-9])([0-9]{1,3})\s*-\s*([0-9]{1,2})\s*-\s*([0-9]{3,4})(?![0-9])")
# a bare 3–4 digit number right after the building or unit is the room: 171号401, 5栋402
_ROOM_AFTER_RE = re.compile(
    rf"^[\s,，、\-—(（]*(?P<num>[0-9]{{3,4}}(?![0-9])|[{_ROOM_DIGITS}]{{3,4}}(?![{_ZH}]))"
    r"(?!\s*(?:元|块|米|斤|个|天|年|次|户|人|度|平|号楼|栋|幢|单元|多|%|号(?!房)))"
)


def default_aliases(number: str) -> list[str]:
    """Return the names residents use for a building: "3" → 3号楼, 3号, 3栋, 3幢, 3#, 三号楼, …"""
    number = normalize_width(number).strip()
    if len(number) == 1 and number.isascii() and number.isalpha():
        return [number.upper() + s for s in _LETTER_SUFFIXES]
    out = [number + s for s in _NUM_SUFFIXES]
    value = chinese_to_int(number) if number.isdigit() else None
    if value is not None and value <= 9999:
        zh = int_to_chinese(value)
        out += [zh + s for s in _ZH_SUFFIXES]
    return out


def _canonical_building(raw: str) -> str:
    text = number_text(raw)
    return text if text is not None else raw.upper()


def _registry_number(found: str, buildings: Sequence[BuildingRef]) -> str | None:
    for b in buildings:
        if _canonical_building(normalize_width(b.number)) == found:
            return b.number
    return None


# "这一栋楼", "每栋", "两栋楼之间" count buildings rather than name one
_COUNTING_BEFORE = re.compile(r"(这|那|每|哪|同|整|隔)\s*$")


def _is_date_or_gate(text: str, start: int, end: int, suffix: str, num: str) -> bool:
    if num.startswith("两") or (num in ("一",) and _COUNTING_BEFORE.search(text[:start])):
        return True
    if suffix != "号":
        return False
    return bool(_DATE_BEFORE.search(text[:start]) or _NOT_BUILDING_AFTER.match(text[end:]))


def _alias_hits(text: str, buildings: Sequence[BuildingRef]) -> list[tuple[int, int, str]]:
    """Find a registry's own aliases (老三栋, 东区3号) in the text, longest first."""
    hits: list[tuple[int, int, str]] = []
    for b in buildings:
        for alias in b.aliases:
            a = normalize_width(alias).strip()
            if not a:
                continue
            for m in re.finditer(re.escape(a), text, flags=re.IGNORECASE):
                before = text[m.start() - 1] if m.start() else ""
                after = text[m.end()] if m.end() < len(text) else ""
                if a[0].isdigit() and before.isdigit():
                    continue
                if a[0] in _ZH and before and before in _ZH:
                    continue
                if a[-1].isdigit() and after.isdigit():
                    continue
                hits.append((m.start(), m.end(), b.number))
    return hits


def _find_building(text: str, buildings: Sequence[BuildingRef]) -> tuple[str, int, int] | None:
    candidates: list[tuple[int, int, str]] = []
    for m in _BUILDING_RE.finditer(text):
        if m.group("letter"):
            candidates.append((m.start(), m.end(), m.group("letter").upper()))
            continue
        suffix = m.group("suf")
        if _is_date_or_gate(text, m.start(), m.end(), suffix, m.group("num")):
            continue
        value = number_text(m.group("num"))
        if value is None:
            continue
        candidates.append((m.start(), m.end(), value))
    for m in _EN_BUILDING_RE.finditer(text):
        value = m.group("letter") or number_text(m.group("num"))
        if value is not None:
            candidates.append((m.start(), m.end(), value))
    for start, end, number in _alias_hits(text, buildings):
        candidates.append((start, end, _canonical_building(normalize_width(number))))
    if not candidates:
        return None
    # earliest mention wins; at the same place the longer match (alias 老三栋 over 三栋)
    start, end, value = min(candidates, key=lambda c: (c[0], -(c[1] - c[0])))
    return value, start, end


def parse_location(
    text: str, buildings: Sequence[BuildingRef], default_building: str | None = None
) -> Location:
    """Read building, unit and room from a message; the group's building is the default."""
    t = normalize_width(text)
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    after_positions: list[int] = []

    triple = _TRIPLE_RE.search(t)
    if triple:
        building = str(int(triple.group(1)))
        unit = str(int(triple.group(2)))
        room = triple.group(3)

    found = _find_building(t, buildings)
    if found is not None and building is None:
        building = found[0]
        after_positions.append(found[2])

    unit_m = _UNIT_RE.search(t) or _EN_UNIT_RE.search(t)
    if unit_m and unit is None:
        unit = number_text(unit_m.group("num"))
        after_positions.append(unit_m.end())

    room_m = _ROOM_RE.search(t) or _EN_ROOM_RE.search(t)
    if room_m and room is None:
        room = number_text(room_m.group("num"))
        if room is not None and room_m.group("num").isdigit():
            room = room_m.group("num")
    if room is None:
        for pos in sorted(after_positions, reverse=True):
            m = _ROOM_AFTER_RE.match(t[pos:])
            if m:
                room = m.group("num") if m.group("num").isdigit() else number_text(m.group("num"))
                break

    # a run of digits longer than any building number or unit is not one ("12345678…单元")
    building = building if building is None or len(building) <= NUMBER_CHARS else None
    unit = unit if unit is None or len(unit) <= NUMBER_CHARS else None
    from_text = building is not None
    if building is None and default_building is not None:
        building = default_building
    if building is not None:
        registered = _registry_number(_canonical_building(normalize_width(building)), buildings)
        if registered is not None:
            building = registered
    known = building is not None and _registry_number(building, buildings) is not None
    return Location(building, unit, room, known, from_text)


_COMMAND_RE = re.compile(r"^/\w+(@\w+)?\s*")
_TRIM = " \t\r\n,，。.!！?？:：;；\"'“”‘’()（）"


def resolve_building(name: str, buildings: Sequence[BuildingRef]) -> str | None:
    """Return the registry number a name refers to ("/bind 三号楼" → "3"), or None."""
    text = _COMMAND_RE.sub("", normalize_width(name).strip()).strip(_TRIM)
    if not text:
        return None
    folded = text.upper()
    for b in buildings:
        names = {
            normalize_width(a).strip().upper() for a in (*b.aliases, *default_aliases(b.number))
        }
        if folded in names or folded == normalize_width(b.number).upper():
            return b.number
    bare = number_text(text)
    if bare is not None:
        return _registry_number(bare, buildings)
    loc = parse_location(text, buildings)
    return loc.building if loc.building_known else None

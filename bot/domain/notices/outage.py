"""Parse the staff quick form `/outage 停水 65号楼 今晚23:00-次日02:00 主管道抢修`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput

__all__ = [
    "OUTAGE_KINDS",
    "REMINDER_BEFORE",
    "OutageKind",
    "OutageRequest",
    "format_local",
    "is_outage_done",
    "outage_variables",
    "parse_outage",
]

OutageKind = Literal["water", "power", "gas", "lift"]

# kind: (words staff type, template key, zh cut word, zh service, en cut, en service)
OUTAGE_KINDS: dict[OutageKind, tuple[tuple[str, ...], str, str, str, str, str]] = {
    "water": (("停水",), "water_cut", "停水", "供水", "the water cut", "water supply"),
    "power": (("停电",), "power_cut", "停电", "供电", "the power cut", "power supply"),
    "gas": (("停气", "停燃气"), "gas_cut", "停气", "供气", "the gas cut", "gas supply"),
    "lift": (
        ("电梯停运", "电梯维保", "电梯检修", "停电梯"),
        "lift_maintenance",
        "电梯停运",
        "电梯运行",
        "the lift stoppage",
        "the lift",
    ),
}
REMINDER_BEFORE = timedelta(minutes=30)
_MAX_LENGTH = timedelta(days=7)

_COMMAND = re.compile(r"^/outage(?:@\w+)?(?:\s+|$)", re.IGNORECASE)
_WHOLE = ("全小区", "全体", "全部", "所有楼栋", "所有楼", "全部楼栋", "整个小区")
_DAY = r"今天|今日|今晚|今早|明天|明日|明晚|明早|后天|次日|第二天|隔天|\d{1,2}月\d{1,2}[日号]"
_CLOCK = r"\d{1,2}(?:[:：]\d{2}|点(?:半|\d{1,2}分?)?)"
_RANGE = re.compile(
    rf"(?P<d1>{_DAY})?\s*(?P<t1>{_CLOCK})\s*(?:-|－|–|—|~|～|至|到)\s*"
    rf"(?P<d2>{_DAY})?\s*(?P<t2>{_CLOCK})"
)
_SEPARATORS = re.compile(r"[、,，;；/\s]+|和|及")
_SUFFIX = re.compile(
    r"^(?P<num>[0-9一二三四五六七八九十百零两]+)(?P<suffix>号楼|号|栋|幢|#|＃|楼)?$"
)


@dataclass(frozen=True)
class OutageRequest:
    """A parsed outage: what, where (None = the whole community), when (aware UTC), why."""

    kind: OutageKind
    buildings: tuple[str, ...] | None
    start: datetime
    end: datetime
    reason: str

    @property
    def template_key(self) -> str:
        """Return the template used for the announcement."""
        return OUTAGE_KINDS[self.kind][1]

    @property
    def reminder_at(self) -> datetime:
        """Return when the reminder goes out (30 minutes before the start)."""
        return self.start - REMINDER_BEFORE


def is_outage_done(text: str) -> bool:
    """Tell whether the message is `/outage done` (the service is restored)."""
    rest = _COMMAND.sub("", text.strip(), count=1).strip().lower()
    return rest in {"done", "恢复", "已恢复", "结束"}


def _clock(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{1,2})(?:[:：](\d{2})|点(?:(半)|(\d{1,2})分?)?)", text)
    if m is None:
        raise InvalidInput("outage.bad_time", time=text)
    hour = int(m.group(1))
    minute = 30 if m.group(3) else int(m.group(2) or m.group(4) or 0)
    if hour == 24 and minute == 0:
        return 24, 0
    if hour > 23 or minute > 59:
        raise InvalidInput("outage.bad_time", time=text)
    return hour, minute


def _day(word: str | None, today: date, base: date, text: str) -> date:
    """Resolve a day word; `base` is the start day (for 次日 in the end part)."""
    if word is None:
        return base
    if word in ("今天", "今日", "今晚", "今早"):
        return today
    if word in ("明天", "明日", "明晚", "明早"):
        return today + timedelta(days=1)
    if word == "后天":
        return today + timedelta(days=2)
    if word in ("次日", "第二天", "隔天"):
        return base + timedelta(days=1)
    m = re.fullmatch(r"(\d{1,2})月(\d{1,2})[日号]", word)
    assert m is not None
    month, day = int(m.group(1)), int(m.group(2))
    try:
        found = date(today.year, month, day)
        if found < today - timedelta(days=1):  # "1月3日" written in December means next year
            found = date(today.year + 1, month, day)
    except ValueError:
        raise InvalidInput("outage.bad_date", date=word) from None
    return found


def _moment(day: date, clock: tuple[int, int], evening: bool, tz: ZoneInfo) -> datetime:
    hour, minute = clock
    if evening and hour < 12:
        hour += 12  # 今晚8点 is 20:00
    local = datetime.combine(day, time.min) + timedelta(hours=hour, minutes=minute)
    return local.replace(tzinfo=tz).astimezone(UTC)


def _buildings(
    segment: str, resolve_building: Callable[[str], str | None]
) -> tuple[str, ...] | None:
    segment = segment.strip()
    if not segment:
        raise InvalidInput("outage.no_buildings")
    if any(word in segment for word in _WHOLE):
        return None
    tokens = [t for t in _SEPARATORS.split(segment) if t]
    # "65,66号楼": the suffix written once belongs to every number before it.
    names: list[str] = []
    pending: list[str] = []
    for token in tokens:
        m = _SUFFIX.match(token)
        if m is None:
            names.extend(pending)
            pending = []
            names.append(token)
        elif m.group("suffix"):
            names.extend(n + m.group("suffix") for n in pending)
            pending = []
            names.append(token)
        else:
            pending.append(token)
    names.extend(n + "号楼" for n in pending)
    codes: list[str] = []
    for name in names:
        code = resolve_building(name)
        if code is None:
            raise InvalidInput("outage.unknown_building", building=name)
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def parse_outage(
    text: str,
    now: datetime,
    tz: ZoneInfo,
    resolve_building: Callable[[str], str | None],
) -> OutageRequest:
    """Parse `[/outage] <kind> <buildings> <time range> <reason>`; InvalidInput if it can't."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    body = _COMMAND.sub("", text.strip(), count=1).strip()
    if not body:
        raise InvalidInput("outage.empty")

    found: tuple[OutageKind, str] | None = None
    for kind, (words, *_rest) in OUTAGE_KINDS.items():
        for word in words:
            if body.startswith(word) and (found is None or len(word) > len(found[1])):
                found = (kind, word)
    if found is None:
        raise InvalidInput("outage.unknown_kind", text=body.split()[0])
    kind, word = found
    body = body[len(word) :].strip()

    m = _RANGE.search(body)
    if m is None:
        raise InvalidInput("outage.no_time")
    building_part = body[: m.start()]
    reason = body[m.end() :].strip(" \t，,。:：")
    if not reason:
        raise InvalidInput("outage.no_reason")
    buildings = _buildings(building_part, resolve_building)

    today = now.astimezone(tz).date()
    d1 = m.group("d1")
    if d1 in ("次日", "第二天", "隔天"):
        raise InvalidInput("outage.bad_time", time=m.group(0))
    start_day = _day(d1, today, today, text)
    start = _moment(start_day, _clock(m.group("t1")), d1 in ("今晚", "明晚"), tz)
    d2 = m.group("d2")
    end_day = _day(d2, today, start_day, text)
    evening_end = d2 in ("今晚", "明晚") or (d2 is None and d1 in ("今晚", "明晚"))
    end = _moment(end_day, _clock(m.group("t2")), evening_end, tz)
    if d2 is None and end <= start:
        # "23:00-02:00" crosses midnight; "今晚8点-11点" already handled by the evening rule.
        end = _moment(end_day + timedelta(days=1), _clock(m.group("t2")), False, tz)
    if end <= start:
        raise InvalidInput("outage.end_before_start")
    if end - start > _MAX_LENGTH:
        raise InvalidInput("outage.too_long")
    if end <= now:
        raise InvalidInput("outage.in_past")
    return OutageRequest(kind, buildings, start, end, reason)


def format_local(moment: datetime, tz: ZoneInfo, now: datetime, locale: str = "zh") -> str:
    """Write a time the way residents say it, with its date: 今天（12月1日）23:00,
    明天（12月2日）02:00, 12月3日 08:00."""
    local = moment.astimezone(tz)
    today = now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    english = locale.lower().startswith("en")
    offset = (local.date() - today).days
    # 今天/明天 alone is ambiguous to someone who reads the notice the next morning: give the date
    if offset == 0:
        return (
            f"today ({local.strftime('%b')} {local.day}) {clock}"
            if english
            else (f"今天（{local.month}月{local.day}日）{clock}")
        )
    if offset == 1:
        return (
            f"tomorrow ({local.strftime('%b')} {local.day}) {clock}"
            if english
            else (f"明天（{local.month}月{local.day}日）{clock}")
        )
    if english:
        return f"{local.strftime('%b')} {local.day} {clock}"
    return f"{local.month}月{local.day}日 {clock}"


def _end_words(request: OutageRequest, tz: ZoneInfo, now: datetime, locale: str) -> str:
    """The end as a clock time when it falls on the start's day (今天（12月1日）10:00 至 12:00)."""
    start, end = request.start.astimezone(tz), request.end.astimezone(tz)
    if start.date() == end.date():
        return end.strftime("%H:%M")
    return format_local(request.end, tz, now, locale)


def outage_variables(
    request: OutageRequest,
    tz: ZoneInfo,
    now: datetime,
    contact: str,
    building_names: Callable[[str], str] | None = None,
    locale: str = "zh",
) -> dict[str, str]:
    """Build the template variables for an outage, its reminder and its "restored" notice."""
    english = locale.lower().startswith("en")
    _words, _key, cut_zh, service_zh, cut_en, service_en = OUTAGE_KINDS[request.kind]
    if request.buildings is None:
        where = "the whole community" if english else "全小区"
    else:
        if building_names is not None:
            names = [building_names(code) for code in request.buildings]
        elif english:
            names = [f"Building {code}" for code in request.buildings]
        else:
            names = [f"{code}号楼" for code in request.buildings]
        where = ", ".join(names) if english else "、".join(names)
    return {
        "buildings": where,
        "start": format_local(request.start, tz, now, locale),
        "end": _end_words(request, tz, now, locale),
        "reason": request.reason,
        "contact": contact,
        "what": cut_en if english else cut_zh,
        "service": service_en if english else service_zh,
    }

"""What an admin writes after /consult, read into a consultation to hold (pure).

    /consult 一般事项 | 是否同意更换3号楼电梯？ | 截止 2026-12-20 18:00 | 楼 3,5 | 业主 | 不记名

The first field names the rule (a preset), the second is the question; the others may come in
any order and be left out: the deadline (截止 + a date and time, or 7天; required), the
buildings (楼 3,5; default the whole community), who votes (业主 = owners, the default, or
全体住户 = every household), the ballot (记名 / 不记名, default 不记名) and the options
(选项 同意/反对/弃权, the default; the first is the proposal the rule decides on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInput

#: what admins call each preset (their words, in both languages)
PRESET_WORDS = {
    "major": ("重大事项", "重大", "major"),
    "general": ("一般事项", "一般", "general"),
    "survey": ("意见征询", "征询", "survey"),
}
DEFAULT_OPTIONS = {"zh_CN": ("同意", "反对", "弃权"), "en": ("Agree", "Disagree", "Abstain")}
_DATE = re.compile(
    r"^(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s*(?P<H>\d{1,2})[:：点](?P<M>\d{2})?分?)?$"
)
_DAYS = re.compile(r"^(?P<n>\d{1,2})\s*(?:天|日|days?)$")
_SPLIT = re.compile(r"[,，、\s]+")
_DEFAULT_HOUR = time(20, 0)  # a deadline on a day, without an hour: that evening
LONGEST = timedelta(days=92)


@dataclass(frozen=True)
class ConsultDraft:
    preset: str
    question: str
    options: tuple[str, ...]
    buildings: tuple[str, ...]
    voters: str  # owners | all
    secret: bool
    deadline: datetime


def _preset(word: str) -> str:
    for preset, words in PRESET_WORDS.items():
        if word.strip().lower() in words:
            return preset
    raise InvalidInput("households.consult.bad_preset", word=word.strip())


def parse_deadline(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A deadline after now, at most three months ahead: 2026-12-20 18:00, 12-20, 7天."""
    word = text.strip()
    days = _DAYS.match(word)
    if days:
        at = now + timedelta(days=int(days["n"]))
    else:
        match = _DATE.match(word)
        if match is None:
            raise InvalidInput("households.consult.bad_deadline", word=word)
        local_now = now.astimezone(tz)
        hour = time(int(match["H"]), int(match["M"] or 0)) if match["H"] else _DEFAULT_HOUR
        try:
            day = local_now.date().replace(
                year=int(match["y"] or local_now.year), month=int(match["m"]), day=int(match["d"])
            )
            at = datetime.combine(day, hour, tzinfo=tz)
        except ValueError as exc:
            raise InvalidInput("households.consult.bad_deadline", word=word) from exc
    if not now < at <= now + LONGEST:
        raise InvalidInput("households.consult.deadline_range", word=word)
    return at


def _field(draft: dict[str, object], field: str, now: datetime, tz: ZoneInfo) -> None:
    word = field.strip()
    head, _, rest = word.partition(" ")
    if word in ("业主", "owners"):
        draft["voters"] = "owners"
    elif word in ("全体住户", "所有住户", "住户", "all"):
        draft["voters"] = "all"
    elif word in ("记名", "named"):
        draft["secret"] = False
    elif word in ("不记名", "secret"):
        draft["secret"] = True
    elif word in ("全小区", "全部", "whole"):
        draft["buildings"] = ()
    elif head in ("截止", "deadline"):
        draft["deadline"] = parse_deadline(rest, now, tz)
    elif head in ("楼", "buildings"):
        draft["buildings"] = tuple(b for b in _SPLIT.split(rest) if b)
    elif head in ("选项", "options"):
        options = tuple(o.strip() for o in re.split(r"[/／]", rest) if o.strip())
        if not 2 <= len(options) <= 6 or any(len(o) > 20 for o in options):
            raise InvalidInput("households.consult.bad_options")
        draft["options"] = options
    else:
        raise InvalidInput("households.consult.bad_field", word=word)


def parse_consult(text: str, now: datetime, tz: ZoneInfo, locale: str) -> ConsultDraft:
    """Read the words after /consult; InvalidInput names what is wrong."""
    fields = [f for f in re.split(r"[|｜\n]", text) if f.strip()]
    if len(fields) < 2:
        raise InvalidInput("households.consult.how")
    question = fields[1].strip()
    if len(question) > 500:
        raise InvalidInput("households.consult.too_long")
    draft: dict[str, object] = {
        "options": DEFAULT_OPTIONS.get(locale, DEFAULT_OPTIONS["zh_CN"]),
        "buildings": (),
        "voters": "owners",
        "secret": True,
    }
    preset = _preset(fields[0])
    for field in fields[2:]:
        _field(draft, field, now, tz)
    if "deadline" not in draft:
        raise InvalidInput("households.consult.no_deadline")
    return ConsultDraft(preset=preset, question=question, **draft)  # type: ignore[arg-type]

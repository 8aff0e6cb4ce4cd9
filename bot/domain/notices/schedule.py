"""Schedule arithmetic for notices: when they fall due, in the community's own timezone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from croniter import croniter
from pydantic import Discriminator, Tag, field_validator, model_validator

from bot.domain.errors import InvalidInput
from bot.yamlio import StrictModel

__all__ = [
    "DueDecision",
    "Once",
    "QuietHours",
    "Recurring",
    "Schedule",
    "ScheduleField",
    "SeasonWindow",
    "apply_quiet_hours",
    "due_occurrences",
    "next_occurrence",
    "occurrences_between",
    "parse_friendly_rule",
]

# A scan gives up after this many candidate times (a cron that never falls in its season).
_MAX_STEPS = 5000
# At most this many missed occurrences are listed one by one after a long outage.
MAX_LISTED_MISSED = 500

# ---------------------------------------------------------------------------------------------
# friendly Chinese rules
# ---------------------------------------------------------------------------------------------

_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 0, "天": 0, "七": 0}

_TIME = r"(?P<hour>\d{1,2})(?:[:：](?P<minute>\d{2})|点(?:(?P<half>半)|(?P<minute2>\d{1,2})分?)?)"
_RULE_DAILY = re.compile(rf"^(?:每天|每日|天天)\s*(?:的)?\s*{_TIME}$")
_RULE_WORKDAY = re.compile(rf"^(?:每个?)?工作日\s*{_TIME}$")
_RULE_WEEKLY = re.compile(
    rf"^(?:每周|每星期|每个星期|每礼拜)(?P<days>[一二三四五六日天七、,，和及]+)\s*{_TIME}$"
)
_RULE_MONTHLY = re.compile(rf"^每(?:个)?月(?P<days>[\d、,，和及日号]+)[日号]\s*{_TIME}$")
_RULE_YEARLY = re.compile(rf"^每年(?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})[日号]\s*{_TIME}$")


def _clock(match: re.Match[str], rule: str) -> tuple[int, int]:
    hour = int(match.group("hour"))
    if match.group("minute") is not None:
        minute = int(match.group("minute"))
    elif match.group("minute2") is not None:
        minute = int(match.group("minute2"))
    elif match.group("half"):
        minute = 30
    else:
        minute = 0
    if hour > 23 or minute > 59:
        raise InvalidInput("notice.bad_rule_time", rule=rule)
    return hour, minute


def _split_list(text: str) -> list[str]:
    return [part for part in re.split(r"[、,，和及]", text) if part]


def parse_friendly_rule(rule: str) -> str:
    """Turn a friendly Chinese rule such as "每周一 09:00" into a five-field cron expression."""
    text = re.sub(r"\s+", " ", rule.strip().replace("\u3000", " "))
    if m := _RULE_DAILY.match(text):
        hour, minute = _clock(m, rule)
        return f"{minute} {hour} * * *"
    if m := _RULE_WORKDAY.match(text):
        # Monday to Friday; State Council make-up working weekends are not modelled here.
        hour, minute = _clock(m, rule)
        return f"{minute} {hour} * * 1-5"
    if m := _RULE_WEEKLY.match(text):
        hour, minute = _clock(m, rule)
        raw_days = m.group("days")
        parts = _split_list(raw_days)
        if len(parts) == 1 and len(parts[0]) > 1:
            parts = list(parts[0])  # "每周一三五"
        days = sorted({_WEEKDAYS[p] for p in parts if p in _WEEKDAYS})
        if not days or len(days) != len(set(parts)):
            raise InvalidInput("notice.bad_rule", rule=rule)
        return f"{minute} {hour} * * {','.join(str(d) for d in days)}"
    if m := _RULE_MONTHLY.match(text):
        hour, minute = _clock(m, rule)
        parts = _split_list(m.group("days").replace("日", "").replace("号", ""))
        mdays = sorted({int(p) for p in parts})
        if not mdays or mdays[0] < 1 or mdays[-1] > 31:
            raise InvalidInput("notice.bad_rule_day", rule=rule)
        # A day a month lacks (每月31日) is simply skipped that month, as cron does.
        return f"{minute} {hour} {','.join(str(d) for d in mdays)} * *"
    if m := _RULE_YEARLY.match(text):
        hour, minute = _clock(m, rule)
        month, day = int(m.group("month")), int(m.group("day"))
        if not _valid_month_day(month, day):
            raise InvalidInput("notice.bad_rule_day", rule=rule)
        return f"{minute} {hour} {day} {month} *"
    raise InvalidInput("notice.bad_rule", rule=rule)


def _valid_month_day(month: int, day: int) -> bool:
    if not 1 <= month <= 12:
        return False
    try:
        date(2024, month, day)  # a leap year, so 2月29日 is allowed
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?\s*$")


class SeasonWindow(StrictModel):
    """A yearly window such as flood season 6月1日–9月30日; it may wrap the year (11月–3月)."""

    start: str
    end: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        if isinstance(value, date):
            return f"{value.month:02d}-{value.day:02d}"
        if not isinstance(value, str):
            return value
        m = _MONTH_DAY.match(value)
        if m is None or not _valid_month_day(int(m.group(1)), int(m.group(2))):
            raise ValueError("use a month and day like 06-01 or 6月1日 / 请写成 6月1日 这样的月日")
        return f"{int(m.group(1)):02d}-{int(m.group(2)):02d}"

    @property
    def start_md(self) -> tuple[int, int]:
        month, day = self.start.split("-")
        return int(month), int(day)

    @property
    def end_md(self) -> tuple[int, int]:
        month, day = self.end.split("-")
        return int(month), int(day)

    def contains(self, day: date) -> bool:
        """Tell whether a local calendar day lies in the window (both ends included)."""
        md = (day.month, day.day)
        if self.start_md <= self.end_md:
            return self.start_md <= md <= self.end_md
        return md >= self.start_md or md <= self.end_md

    def next_start(self, day: date) -> date:
        """Return the first day of the window strictly after `day`."""
        return _next_month_day(day, self.start_md)

    def previous_end(self, day: date) -> date:
        """Return the last day of the window strictly before `day`."""
        return _previous_month_day(day, self.end_md)


def _month_day_in(year: int, md: tuple[int, int]) -> date:
    month, day = md
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def _next_month_day(day: date, md: tuple[int, int]) -> date:
    candidate = _month_day_in(day.year, md)
    return candidate if candidate > day else _month_day_in(day.year + 1, md)


def _previous_month_day(day: date, md: tuple[int, int]) -> date:
    candidate = _month_day_in(day.year, md)
    return candidate if candidate < day else _month_day_in(day.year - 1, md)


class Once(StrictModel):
    """A notice sent one time; a naive `at` is community-local time."""

    at: datetime

    def local_at(self, tz: ZoneInfo) -> datetime:
        """Return `at` as a naive local wall-clock time."""
        if self.at.tzinfo is None:
            return self.at
        return self.at.astimezone(tz).replace(tzinfo=None)


class Recurring(StrictModel):
    """A repeating notice: cron or a friendly rule, optionally in a season, until an end date."""

    cron: str | None = None
    rule: str | None = None
    season: SeasonWindow | None = None
    end_date: date | None = None

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if len(value.split(" ")) != 5 or not croniter.is_valid(value):
            raise ValueError(
                "not a five-field cron expression (minute hour day month weekday)"
                " / cron 表达式不正确"
            )
        return value

    @field_validator("rule")
    @classmethod
    def _check_rule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parse_friendly_rule(value)
        except InvalidInput as exc:
            raise ValueError(
                f"unknown rule {value!r}; write e.g. 每周一 09:00, 每月1日 10:00, 每天 08:00, "
                f"工作日 09:00 / 无法理解的规则 ({exc.key})"
            ) from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Recurring:
        if (self.cron is None) == (self.rule is None):
            raise ValueError("give exactly one of cron or rule / cron 与 rule 只能填一个")
        return self

    @property
    def cron_expression(self) -> str:
        """Return the cron expression this schedule runs on."""
        if self.cron is not None:
            return self.cron
        assert self.rule is not None
        return parse_friendly_rule(self.rule)


Schedule = Once | Recurring


def _schedule_tag(value: Any) -> str:
    if isinstance(value, Once):
        return "once"
    if isinstance(value, Recurring):
        return "recurring"
    if isinstance(value, dict) and "at" in value:
        return "once"
    return "recurring"


# Use this in pydantic models so a wrong schedule gives one clear error, not one per branch.
ScheduleField = Annotated[
    Annotated[Once, Tag("once")] | Annotated[Recurring, Tag("recurring")],
    Discriminator(_schedule_tag),
]


class QuietHours(StrictModel):
    """Hours when non-urgent notices wait; the window may cross midnight (default 21:00–07:30)."""

    start: time = time(21, 0)
    end: time = time(7, 30)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _yaml_clock(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320 (22 * 60 + 0).
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return time(value // 60, value % 60)
        return value

    def contains(self, moment: time) -> bool:
        """Tell whether a local wall-clock time is inside the quiet window (end excluded)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


# ---------------------------------------------------------------------------------------------
# arithmetic
# ---------------------------------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def _to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _in_range(schedule: Recurring, local: datetime) -> bool:
    return schedule.season is None or schedule.season.contains(local.date())


def _iter_forward(schedule: Schedule, after_local: datetime) -> Iterator[datetime]:
    """Yield naive local occurrence times strictly after `after_local`, in order."""
    if isinstance(schedule, Once):
        return
    it = croniter(schedule.cron_expression, after_local)
    steps = 0
    while steps < _MAX_STEPS:
        steps += 1
        try:
            candidate: datetime = it.get_next(datetime)
        except ValueError:  # CroniterBadDateError: the expression can never match
            return
        if schedule.end_date is not None and candidate.date() > schedule.end_date:
            return
        if _in_range(schedule, candidate):
            steps = 0
            yield candidate
            continue
        assert schedule.season is not None
        # Jump to just before the next season starts instead of walking through the off season.
        restart = datetime.combine(schedule.season.next_start(candidate.date()), time.min)
        it = croniter(schedule.cron_expression, restart - timedelta(seconds=1))


def _iter_backward(schedule: Schedule, before_local: datetime) -> Iterator[datetime]:
    """Yield naive local occurrence times strictly before `before_local`, latest first."""
    if isinstance(schedule, Once):
        return
    if schedule.end_date is not None:
        limit = datetime.combine(schedule.end_date + timedelta(days=1), time.min)
        before_local = min(before_local, limit)
    it = croniter(schedule.cron_expression, before_local)
    steps = 0
    while steps < _MAX_STEPS:
        steps += 1
        try:
            candidate: datetime = it.get_prev(datetime)
        except ValueError:
            return
        if _in_range(schedule, candidate):
            steps = 0
            yield candidate
            continue
        assert schedule.season is not None
        end_day = schedule.season.previous_end(candidate.date())
        it = croniter(
            schedule.cron_expression, datetime.combine(end_day + timedelta(days=1), time.min)
        )


def _first_after(schedule: Schedule, after: datetime, tz: ZoneInfo) -> datetime | None:
    return next(_walk(schedule, after, tz), None)


def next_occurrence(schedule: Schedule, after: datetime, tz: ZoneInfo) -> datetime | None:
    """Return the first occurrence strictly after `after` (aware UTC), or None if none is left."""
    _require_aware(after, "after")
    return _first_after(schedule, after, tz)


def _walk(schedule: Schedule, start: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """Yield aware UTC occurrences strictly after `start`, in order."""
    if isinstance(schedule, Once):
        at = _to_utc(schedule.local_at(tz), tz)
        if at > start:
            yield at
        return
    for local in _iter_forward(schedule, _to_local(start, tz)):
        moment = _to_utc(local, tz)
        if moment > start:
            yield moment


def occurrences_between(
    schedule: Schedule, start: datetime, end: datetime, tz: ZoneInfo, limit: int = 1000
) -> list[datetime]:
    """List occurrences in (start, end] as aware UTC, at most `limit` of them (earliest first)."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    out: list[datetime] = []
    for moment in _walk(schedule, start, tz):
        if moment > end or len(out) >= limit:
            break
        out.append(moment)
    return out


def _latest_at_or_before(schedule: Schedule, moment: datetime, tz: ZoneInfo) -> datetime | None:
    if isinstance(schedule, Once):
        at = _to_utc(schedule.local_at(tz), tz)
        return at if at <= moment else None
    for local in _iter_backward(schedule, _to_local(moment, tz) + timedelta(microseconds=1)):
        found = _to_utc(local, tz)
        if found <= moment:
            return found
    return None


def apply_quiet_hours(
    when: datetime, quiet: QuietHours | None, tz: ZoneInfo, urgent: bool
) -> datetime:
    """Move a non-urgent send time out of quiet hours to the moment they end (aware UTC)."""
    _require_aware(when, "when")
    if urgent or quiet is None:
        return when.astimezone(UTC)
    local = _to_local(when, tz)
    if not quiet.contains(local.time()):
        return when.astimezone(UTC)
    end_today = datetime.combine(local.date(), quiet.end)
    shifted = end_today if local < end_today else end_today + timedelta(days=1)
    return _to_utc(shifted, tz)


@dataclass(frozen=True)
class DueDecision:
    """What to do with a notice now.

    `send_at` is the scheduled time of the one occurrence to send now (several missed ones are
    collapsed into the latest); `skipped` lists the scheduled times not sent (collapsed, or later
    than the maximum lateness) so admins can be told; `next_at` is when to look again (the next
    occurrence, already moved out of quiet hours). Store `handled_through` as the new `last_done`.
    """

    send_at: datetime | None
    skipped: list[datetime] = field(default_factory=list)
    next_at: datetime | None = None
    handled_through: datetime | None = None
    skipped_total: int = 0


def due_occurrences(
    schedule: Schedule,
    last_done: datetime | None,
    now: datetime,
    tz: ZoneInfo,
    max_lateness: timedelta | None,
    *,
    quiet: QuietHours | None = None,
    urgent: bool = False,
) -> DueDecision:
    """Decide which occurrence to send now, which to skip, and when to look again.

    `last_done` is the scheduled time of the last occurrence already handled (sent or skipped).
    For a recurring notice that never ran, pass the time it was created or enabled: with None,
    nothing before `now` is considered (a new weekly notice must not fire for last week).
    A one-time notice with `last_done=None` is due once its time has come.
    Lateness is measured from the time the occurrence was allowed out (after quiet hours).
    """
    _require_aware(now, "now")
    if last_done is not None:
        _require_aware(last_done, "last_done")

    def effective(moment: datetime) -> datetime:
        return apply_quiet_hours(moment, quiet, tz, urgent)

    if last_done is None and isinstance(schedule, Recurring):
        upcoming = _first_after(schedule, now, tz)
        return DueDecision(None, [], effective(upcoming) if upcoming else None)

    lower = last_done if last_done is not None else datetime.min.replace(tzinfo=UTC)
    latest = _latest_at_or_before(schedule, now, tz)
    if latest is None or latest <= lower:
        upcoming = _first_after(schedule, max(lower, now), tz)
        return DueDecision(None, [], effective(upcoming) if upcoming else None)

    # Occurrences whose quiet-hours-shifted time is still ahead are not due yet; the shift keeps
    # order, so the due ones are those up to the latest occurrence whose effective time has come.
    pending: datetime | None = None
    while latest is not None and latest > lower and effective(latest) > now:
        pending = latest
        latest = _latest_at_or_before(schedule, latest - timedelta(microseconds=1), tz)
    if latest is None or latest <= lower:
        assert pending is not None
        return DueDecision(None, [], effective(pending))

    missed = occurrences_between(schedule, lower, latest, tz, limit=MAX_LISTED_MISSED)
    total = len(missed)
    if not missed or missed[-1] != latest:  # more than we list: count the rest, keep the latest
        total += _count_between(schedule, missed[-1] if missed else lower, latest, tz) + 1
        missed.append(latest)

    if pending is not None:
        next_at: datetime | None = effective(pending)
    else:
        upcoming = _first_after(schedule, now, tz)
        next_at = effective(upcoming) if upcoming else None

    earlier = missed[:-1]
    if max_lateness is None or now - effective(latest) <= max_lateness:
        return DueDecision(latest, earlier, next_at, latest, total - 1)
    return DueDecision(None, missed, next_at, latest, total)


def _count_between(schedule: Schedule, start: datetime, end: datetime, tz: ZoneInfo) -> int:
    """Count occurrences in (start, end) without keeping them."""
    count = 0
    for moment in _walk(schedule, start, tz):
        if moment >= end:
            break
        count += 1
    return count

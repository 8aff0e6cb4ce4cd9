"""The roster as iCal: `/ical` gives a staff member their secret link (`/ical new` a fresh one,
which ends the old), and the feed behind a link: their shifts from a week ago to four weeks
ahead, with covers and swaps as 代班 and leave as all-day 请假 – read from the same roster as
/duty and /roster (the community file plus what was entered in chat)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import date, timedelta

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.duty.roster import PersonShift
from bot.domain.duty.roster_spec import DutySpec
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.ical import CalendarLink, link_token, token_digest, token_matches
from bot.domain.ical.feed import CalendarEntry, render_calendar
from bot.domain.records import AuditRecord, CommunityInfo, PersonInfo
from bot.services.duty.setup import DutySetup, load_setup
from bot.services.ports import CalendarUnitOfWork, CalendarUnitOfWorkFactory
from bot.services.tickets.cards import STAFF_ROLES, Looks

PAST = timedelta(days=7)
AHEAD = timedelta(days=28)
RENEW_WORDS = frozenset({"new", "renew", "reset", "新", "换", "重置"})
SECRET_NAME = "ical"
_CJK = re.compile(r"[\u4e00-\u9fff]")


class CalendarDesk:
    """Staff calendar links and the feeds behind them."""

    def __init__(
        self,
        uow: CalendarUnitOfWorkFactory,
        clock: Clock,
        base_url: str,
        secret: str | None = None,
        looks: Looks | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self._secret = secret  # LOUDAO_SECRET; else generated once and kept in the database
        self.looks = looks or Looks()

    async def _signing_secret(self, tx: CalendarUnitOfWork) -> str:
        if self._secret is None:
            fresh = secrets.token_urlsafe(32)
            self._secret = await tx.calendars.secret(SECRET_NAME, fresh, self.clock.now())
        return self._secret

    def url(self, token: str) -> str:
        return f"{self.base_url}/ical/roster/{token}.ics"

    async def link(self, user_id: int, args: Sequence[str], update_id: int) -> str:
        """/ical: the staff member's link; /ical new: a new one (the old stops working)."""
        if len(args) > 1 or (args and args[0].lower() not in RENEW_WORDS):
            raise InvalidInput("ical.usage")
        renew = bool(args)
        now = self.clock.now()
        async with self.uow() as tx:
            person, community = await _staff_member(tx, user_id)
            stored = await tx.calendars.link(community.id, person.key)
            version = 1 if stored is None else stored.version + (1 if renew else 0)
            link = CalendarLink(community.id, person.key, version)
            token = link_token(await self._signing_secret(tx), link)
            await tx.calendars.save_link(
                community.id, person.key, version, token_digest(token), now
            )
            if stored is None or renew:
                await tx.audit.record(
                    AuditRecord(
                        action="ical.renewed" if stored is not None else "ical.created",
                        subject=f"person:{person.key}",
                        actor_telegram_id=user_id,
                        community_id=community.id,
                        update_id=update_id,
                        details={"version": version},
                    ),
                    now,
                )
            await tx.commit()
        key = "ical.renewed" if renew and stored is not None else "ical.link"
        return i18n.t(community.locale, key, url=self.url(token))

    async def feed(self, token: str) -> bytes | None:
        """Return the calendar behind a token, or None for a token that is not a live link."""
        now = self.clock.now()
        async with self.uow() as tx:
            link = await tx.calendars.by_digest(token_digest(token))
            if link is None or not token_matches(await self._signing_secret(tx), link, token):
                return None
            community = await tx.registry.community(link.community_id)
            if community is None:
                return None
            setup = await load_setup(tx, community, now)
        person = setup.person_by_key(link.person_key)
        if person is None or not person.has_role(*STAFF_ROLES):
            return None
        today = now.astimezone(setup.tz).date()
        first, last = today - PAST, today + AHEAD
        entries = [
            self._shift(setup, person, s) for s in setup.roster.shifts_of(person.key, first, last)
        ]
        for begins, ends in setup.roster.leave_of(person.key, first, last):
            entries.append(self._leave(community, person, max(begins, first), min(ends, last)))
        name = i18n.plain(community.locale, "ical.calendar_name", community=community.name)
        return render_calendar(name, entries, now)

    def _shift(self, setup: DutySetup, person: PersonInfo, shift: PersonShift) -> CalendarEntry:
        community, locale = setup.community, setup.community.locale
        what = _duty_label(locale, shift.duty)
        if shift.covers_for is not None:
            summary = i18n.plain(locale, "ical.cover", what=what)
        elif shift.duty.role == "backup":
            summary = i18n.plain(locale, "ical.backup", what=what)
        else:
            summary = i18n.plain(locale, "ical.shift", what=what)
        lines = []
        if shift.covers_for is not None:
            other = setup.person_by_key(shift.covers_for)
            name = other.name if other is not None else shift.covers_for
            lines.append(i18n.plain(locale, "ical.cover_for", name=name))
        skills = shift.duty.skills or sorted(person.skills)
        if skills:
            named = "、".join(self.looks.category(locale, s) for s in skills)
            lines.append(i18n.plain(locale, "ical.skills", skills=named))
        note = _day_note(setup, shift.start.date())
        if note:
            lines.append(i18n.plain(locale, note))
        day = shift.start.strftime("%Y%m%d")
        return CalendarEntry(
            uid=f"shift-{community.code}-{shift.duty_index}-{day}-{person.key}@loudao",
            summary=summary,
            description="\n".join(lines),
            start=shift.start,
            end=shift.end,
        )

    @staticmethod
    def _leave(
        community: CommunityInfo, person: PersonInfo, first: date, last: date
    ) -> CalendarEntry:
        span = f"{first:%Y%m%d}-{last:%Y%m%d}"
        return CalendarEntry(
            uid=f"leave-{community.code}-{person.key}-{span}@loudao",
            summary=i18n.plain(community.locale, "ical.leave"),
            description="",
            start=first,
            end=last + timedelta(days=1),  # iCal's all-day end is the day after
        )


async def _staff_member(tx: CalendarUnitOfWork, user_id: int) -> tuple[PersonInfo, CommunityInfo]:
    for person in await tx.people.by_telegram_id(user_id):
        if not person.has_role(*STAFF_ROLES):
            continue
        community = await tx.registry.community(person.community_id)
        if community is not None:
            return person, community
    raise NotAllowed("ical.staff_only")


def _duty_label(locale: str, duty: DutySpec) -> str:
    """The duty's name as the roster gives it ("白班水工 day plumber" → 白班水工), with its
    buildings or grids."""
    words = duty.name.split()
    what = words[0] if words and _CJK.search(words[0]) and locale == "zh_CN" else duty.name
    if duty.buildings:
        where = i18n.plain(locale, "ical.buildings", list="、".join(duty.buildings))
    elif duty.grids:
        where = "、".join(duty.grids)
    else:
        return what
    return i18n.plain(locale, "ical.where", what=what, where=where)


def _day_note(setup: DutySetup, day: date) -> str | None:
    """A weekend that is a make-up working day, or a weekday that is a public holiday."""
    weekend, working = day.weekday() >= 5, setup.calendar.is_workday(day)
    if weekend and working:
        return "ical.makeup_day"
    if not weekend and not working:
        return "ical.holiday"
    return None

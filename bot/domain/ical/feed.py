"""One calendar (RFC 5545) from entries already worded: shifts with their time zone, leave as
all-day events. Each entry's UID is stable, so a phone updates an event instead of adding one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar, Event


@dataclass(frozen=True)
class CalendarEntry:
    """One event: a shift (aware datetimes in the community's zone) or whole days (dates, the
    end excluded as iCal counts it)."""

    uid: str
    summary: str
    description: str
    start: datetime | date
    end: datetime | date


def render_calendar(name: str, entries: list[CalendarEntry], now: datetime) -> bytes:
    """Return the calendar as iCalendar bytes, with the VTIMEZONE of every zone it uses."""
    calendar = Calendar()
    calendar.add("prodid", "-//Loudao//roster//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", now)
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        if isinstance(entry.start, datetime):
            event.add("transp", "OPAQUE")
        else:
            event.add("transp", "TRANSPARENT")  # a day of leave does not block the calendar
        calendar.add_component(event)
    calendar.add_missing_timezones()
    body: bytes = calendar.to_ical()
    return body

"""A resident's reply about a ticket: a note for it or a problem of its own, and when a note
goes on to whoever handles the ticket (chatty replies are gathered, not sent one by one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.intake import Classification
from bot.domain.intake.classify import REPORT
from bot.domain.tickets.model import Ticket
from bot.domain.tickets.states import OPEN_STATES, Status

#: after a note went to the assignee, later ones wait this long and then go together
FORWARD_QUIET = timedelta(minutes=10)
LISTENING = OPEN_STATES | {Status.RESOLVED}
# words that say "this is another problem": 另外…, 还有…, 顺便…, …也坏了
_ANOTHER = re.compile(r"另外|还有|顺便|另一|再报|也(?:坏|不|没|漏|堵|停|响|有)")


@dataclass(frozen=True)
class ResidentNote:
    """What a resident said about a ticket by replying to the bot, as stored."""

    id: int
    ticket_id: int
    author_id: int | None
    text: str
    photo_file_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class NewResidentNote:
    """A note to store: whose words on which ticket, from which update, due to staff when."""

    ticket_id: int
    author_id: int
    text: str
    photo_file_id: str | None
    update_id: int
    forward_at: datetime


def takes_notes(ticket: Ticket) -> bool:
    """Is someone still working on it, or waiting for the resident's verdict?"""
    return ticket.status in LISTENING


def is_new_problem(text: str, reading: Classification, ticket: Ticket) -> bool:
    """Under a ticket's card a reply is about that ticket ("when will they come", "still
    broken", thanks, a photo of the reader) unless it plainly tells of something else: an
    emergency on an everyday ticket, another building, another kind of problem said to be
    another one ("另外3楼的灯也坏了"), or a report of a known kind on a finished ticket."""
    if reading.intent != REPORT:
        return False
    if not takes_notes(ticket):  # closed, cancelled or referred: it broke again, or another
        return reading.category != "other" or bool(reading.matched and reading.level == 1)
    if reading.level == 1 and ticket.level != 1 and reading.matched:
        return True  # an emergency the rules see (the learned reading alone is not enough)
    if reading.building_known and ticket.building and reading.building != ticket.building:
        return True
    other_kind = reading.category not in (ticket.category, "other")
    return other_kind and _ANOTHER.search(text) is not None


def forward_at(
    now: datetime, last_forwarded: datetime | None, staff_answered: datetime | None = None
) -> datetime:
    """When a new note goes to the assignee: now, unless one went in the last FORWARD_QUIET
    and staff have not answered since; then when that quiet time is over, together with the
    others written meanwhile. A conversation (staff answered) is never held up."""
    if last_forwarded is None or now - last_forwarded >= FORWARD_QUIET:
        return now
    if staff_answered is not None and staff_answered >= last_forwarded:
        return now
    return last_forwarded + FORWARD_QUIET

"""What the figures are counted from: one plain record per ticket, read from storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.tickets.states import OPEN_STATES, Status


@dataclass(frozen=True)
class TicketFacts:
    """A ticket as the figures see it: where, what, and when each thing happened.

    Holds no personal data: no room, phone, name or text.
    """

    id: int
    number: str  # A-0042: not personal, shown to staff in the overdue list
    building: str | None
    grid: str | None
    category: str
    level: int
    status: Status
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime | None = None  # when a withdrawn or merged ticket ended
    accepted_at: datetime | None = None
    controlled_at: datetime | None = None
    planned_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    closure: str | None = None  # confirmed|unconfirmed
    verdict: str | None = None  # satisfied|mostly|not_solved: the resident's latest
    referred_to: str | None = None
    merged_into_id: int | None = None
    reopen_count: int = 0
    # every deadline it was given, by name (acknowledge_by …); follow_up_by from its call
    promised: dict[str, datetime] = field(default_factory=dict)
    follow_up_done_at: datetime | None = None
    me_too: int = 0  # residents who joined it as followers ("我也是"), merges aside

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def withdrawn(self) -> bool:
        """Cancelled by the reporter or staff (a merge is counted apart)."""
        return self.status is Status.CANCELLED and not self.merged


@dataclass(frozen=True)
class Slice:
    """Which tickets a figure is about: the whole community, or one grid, building, category,
    level or staff member (the one holding the ticket)."""

    grid: str | None = None
    building: str | None = None
    category: str | None = None
    level: int | None = None
    assignee_id: int | None = None

    def holds(self, facts: TicketFacts) -> bool:
        return (
            (self.grid is None or facts.grid == self.grid)
            and (self.building is None or facts.building == self.building)
            and (self.category is None or facts.category == self.category)
            and (self.level is None or facts.level == self.level)
            and (self.assignee_id is None or facts.assignee_id == self.assignee_id)
        )

    @property
    def everything(self) -> bool:
        return self == EVERYTHING


#: the whole community
EVERYTHING = Slice()


@dataclass(frozen=True)
class FaqTally:
    """Questions the FAQ met in a period, by what became of them."""

    direct: int = 0  # a question put to the bot, answered at once
    menu: int = 0  # offered a short menu of likely answers
    chosen: int = 0  # an answer picked from such a menu
    unanswered: int = 0  # a question put to the bot that got no answer
    unasked: int = 0  # answered in a group without being asked (a confident match)


@dataclass(frozen=True)
class GapCount:
    """A question nobody could answer, as admins see it (phones and rooms hidden)."""

    text: str
    count: int


@dataclass(frozen=True)
class NoticeTally:
    """Notices whose scheduled time fell in the period, and their deliveries to groups."""

    occurrences: int = 0
    deliveries: int = 0
    sent: int = 0
    failed: int = 0

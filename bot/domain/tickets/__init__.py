"""Tickets: the life cycle of one reported problem, its number and what a group may see of it."""

from bot.domain.tickets.card import (
    CardView,
    Promise,
    PromiseKind,
    PublicCard,
    promise_of,
    public_card,
)
from bot.domain.tickets.changes import KEEP, NO_CHANGE, TicketChange
from bot.domain.tickets.duplicates import DuplicatePolicy, looks_like_duplicate, similarity
from bot.domain.tickets.model import (
    Closure,
    Draft,
    Follower,
    NewTicket,
    Prompt,
    Ticket,
    Verdict,
)
from bot.domain.tickets.numbering import TicketNumber, format_number, parse_number
from bot.domain.tickets.privacy import find_phones, scrub
from bot.domain.tickets.states import (
    CLOSED_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
    transition,
)

__all__ = [
    "CLOSED_STATES",
    "KEEP",
    "NO_CHANGE",
    "OPEN_STATES",
    "TRANSITIONS",
    "Action",
    "CardView",
    "Closure",
    "Draft",
    "DuplicatePolicy",
    "Follower",
    "NewTicket",
    "Promise",
    "PromiseKind",
    "Prompt",
    "PublicCard",
    "Status",
    "Ticket",
    "TicketChange",
    "TicketNumber",
    "Verdict",
    "allowed_actions",
    "find_phones",
    "format_number",
    "looks_like_duplicate",
    "parse_number",
    "promise_of",
    "public_card",
    "scrub",
    "similarity",
    "transition",
]

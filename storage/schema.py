"""Every table of the application, for Alembic: import each feature's models here."""

from storage import (
    models,  # noqa: F401  foundation tables
    models_calendars,  # noqa: F401  open data: calendar links, server secrets
    models_desk,  # noqa: F401  the web desk: sign-in links and sessions
    models_duty,  # noqa: F401  duty: escalations, overrides, follow-ups
    models_faq,  # noqa: F401  FAQ: entries, cool-downs, gaps
    models_households,  # noqa: F401  households: register, consultations, ballots
    models_notices,  # noqa: F401  notices feature
    models_offers,  # noqa: F401  offers of a ticket for plain group messages
    models_points,  # noqa: F401  points: the append-only ledger, proposed awards
    models_tickets,  # noqa: F401  tickets: tickets, followers, notes, prompts
)
from storage.models import Base

metadata = Base.metadata

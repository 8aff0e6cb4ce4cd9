"""Plain records about a stored knowledge base (what imports changed, unanswered questions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ImportReport:
    """What an import changed in one community's knowledge base."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass(frozen=True)
class GapInfo:
    """A question nobody could answer yet: its latest wording and how often it was asked."""

    key: str
    text: str
    count: int
    first_at: datetime
    last_at: datetime

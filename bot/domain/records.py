"""Plain records the storage layer hands to services (no ORM objects cross the boundary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BuildingInfo:
    number: str
    aliases: tuple[str, ...]
    units: tuple[str, ...]
    grid: str | None


@dataclass(frozen=True)
class CommunityInfo:
    id: int
    code: str
    name: str
    timezone: str
    locale: str
    buildings: tuple[BuildingInfo, ...]
    grids: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def building(self, number: str) -> BuildingInfo | None:
        return next((b for b in self.buildings if b.number == number), None)


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    community_id: int | None
    title: str
    coverage_kind: str | None  # community|grid|building|unit
    coverage_ref: str | None
    coverage_unit: str | None
    status: str  # bound|pending|dead|left|migrated
    notice_thread_id: int | None = None  # a forum's topic for notices; None: General

    @property
    def is_bound(self) -> bool:
        return self.status == "bound" and self.coverage_kind is not None

    @property
    def default_building(self) -> str | None:
        """The building a message here is about when it names none."""
        return self.coverage_ref if self.coverage_kind in ("building", "unit") else None


# Whether the bot can write to a person in private (people.private_states)
PRIVATE_OPEN = "open"  # they wrote to the bot in private
PRIVATE_CLOSED = "closed"  # Telegram refused a private message to them (no Start, or blocked)


@dataclass(frozen=True)
class ChatMove:
    """A group followed to the supergroup it became: what moved to the new id."""

    old_chat_id: int
    new_chat_id: int
    first: bool  # False: an earlier signal had moved it already (this one found the rest)
    community_id: int | None
    moved: dict[str, int] = field(default_factory=dict)  # rows re-keyed, per kind


@dataclass(frozen=True)
class PersonInfo:
    id: int
    community_id: int
    key: str
    name: str
    telegram_id: int | None
    roles: frozenset[str]
    skills: frozenset[str]
    buildings: frozenset[str]
    grids: frozenset[str]
    active: bool = True

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class OutboundMessage:
    """A message to deliver; `payload` holds Bot API parameters plus outbox references."""

    chat_id: int
    method: str
    payload: dict[str, Any]
    purpose: str = ""
    dedup_key: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    attempts: int
    # reclaimed after a process stopped or died while sending it: it may have reached Telegram
    in_doubt: bool = False


@dataclass(frozen=True)
class AuditRecord:
    action: str
    subject: str = ""
    actor_telegram_id: int | None = None
    community_id: int | None = None
    update_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """One stored audit event: when, and what was recorded."""

    at: datetime
    event: AuditRecord


@dataclass(frozen=True)
class ButtonSpec:
    """What pressing a button does and who may press it (empty lists = anyone)."""

    kind: str
    subject: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    allowed_user_ids: tuple[int, ...] = ()
    allowed_roles: tuple[str, ...] = ()
    community_id: int | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class LoadReport:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deactivated

"""The ledger's rows as plain records: every award, correction and redemption is one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    AWARD = "award"
    CORRECTION = "correction"
    REDEMPTION = "redemption"


@dataclass(frozen=True)
class Holder:
    """Whose points these are: a person (Telegram id) or a household (its register id)."""

    kind: str  # person | household
    id: int
    building: str | None = None  # for the reports and leaderboards by building


@dataclass(frozen=True)
class NewEntry:
    community_id: int
    holder: Holder
    kind: EntryKind
    points: int  # signed: a redemption or a negative correction is below zero
    rule: str  # the rule's key ("" for a redemption)
    event: str  # what it is for: ticket:42, consultation:7:household:3, award:<update id>
    reason: str  # the rule's name, or the words the proposer gave
    actor: int | None  # who proposed or caused it
    approved_by: int | None  # who accepted a reviewed award (None: automatic)


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    kind: EntryKind
    points: int
    rule: str
    event: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Proposal:
    """An award proposed for review, and what the approver decided (None: not yet)."""

    id: int
    community_id: int
    holder: Holder
    rule: str
    points: int
    reason: str
    proposed_by: int
    accepted: bool | None


@dataclass(frozen=True)
class ShopItem:
    id: int
    community_id: int
    name: str
    cost: int
    stock: int


@dataclass(frozen=True)
class Redemption:
    code: str
    community_id: int
    item_id: int
    holder: Holder
    redeemed_at: datetime
    handed_out_at: datetime | None


@dataclass(frozen=True)
class Activity:
    id: int
    community_id: int
    title: str
    starts_at: datetime
    places: int
    points: int
    building: str | None
    organiser: int


@dataclass(frozen=True)
class Signup:
    telegram_id: int
    attended: bool

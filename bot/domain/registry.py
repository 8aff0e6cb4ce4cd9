"""The community registry an admin writes in YAML: grids, buildings, group chats and staff."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.domain.categories import check_known
from bot.domain.clock import TimezoneName
from bot.domain.duty.roster_spec import RosterSpec
from bot.domain.kpi.digest import ReportsSpec
from bot.domain.points.rules import PointsSpec
from bot.domain.sla.deadlines import SlaPolicy
from bot.yamlio import StrictModel


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    GRID_WORKER = "grid_worker"
    BUILDING_LEADER = "building_leader"


STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.STAFF, Role.GRID_WORKER})
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")  # Telegram: a-z 0-9 _, 4+ (collectible)

# The longest text each field may hold (the database columns are at least this wide).
NUMBER_CHARS = 16  # a building number or a unit: "3", "A", "171", "12"
NAME_CHARS = 128  # the name of a community, grid or building
ALIAS_CHARS = 64  # another name residents use for a building: 老三栋
TITLE_CHARS = 128  # a group chat's title (Telegram allows 1-128 characters)
PERSON_NAME_CHARS = 64
PHONE_CHARS = 32

Number = Annotated[str, Field(min_length=1, max_length=NUMBER_CHARS)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_CHARS)]
ContactText = Annotated[str, Field(min_length=1, max_length=80)]  # a public office and its number
Alias = Annotated[str, Field(min_length=1, max_length=ALIAS_CHARS)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def _check_code(value: str) -> str:
    if not _CODE.match(value):
        raise ValueError("use 1-16 letters, digits, - or _")
    return value


Code = Annotated[str, AfterValidator(_check_code)]


class GridSpec(StrictModel):
    code: Code
    name: Name


class BuildingSpec(StrictModel):
    number: Number
    name: Name | None = None
    aliases: tuple[Alias, ...] = ()
    units: tuple[Number, ...] = ()
    grid: str | None = None
    # [latitude, longitude] (WGS84) of the building, for open data (Open311); optional
    location: tuple[Latitude, Longitude] | None = None

    @field_validator("number", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @field_validator("units", mode="before")
    @classmethod
    def _units_as_text(cls, v: Any) -> Any:
        return [str(u) for u in v] if isinstance(v, list) else v


class Coverage(StrictModel):
    """What a group chat covers: exactly one of community, grid, building, or building + unit."""

    community: bool = False
    grid: str | None = None
    building: Number | None = None
    unit: Number | None = None

    @field_validator("building", "unit", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _exactly_one(self) -> Coverage:
        chosen = [self.community, self.grid is not None, self.building is not None]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of community: true, grid: CODE or building: NUMBER")
        if self.unit is not None and self.building is None:
            raise ValueError("unit needs building")
        return self

    @property
    def kind(self) -> Literal["community", "grid", "building", "unit"]:
        if self.community:
            return "community"
        if self.grid is not None:
            return "grid"
        return "unit" if self.unit is not None else "building"


class ChatSpec(StrictModel):
    chat_id: int
    title: str = Field(min_length=1, max_length=TITLE_CHARS)
    covers: Coverage
    # a forum group's topic for notices (its message_thread_id); unset: the General topic
    notice_topic: int | None = None

    @field_validator("chat_id")
    @classmethod
    def _group_id(cls, v: int) -> int:
        if v >= 0:
            raise ValueError("group chat ids are negative (e.g. -1001234567890)")
        return v

    @field_validator("notice_topic")
    @classmethod
    def _topic_id(cls, v: int | None) -> int | None:
        if v is not None and v < 2:
            raise ValueError(
                "a topic's id is the number after the group's in its link (t.me/c/…/42 → 42); "
                "leave notice_topic out to send notices to the General topic"
            )
        return v


class StaffSpec(StrictModel):
    key: Code
    name: str = Field(min_length=1, max_length=PERSON_NAME_CHARS)
    telegram_id: int | None = None
    join_code: str | None = Field(default=None, min_length=6, max_length=32)
    roles: tuple[Role, ...] = Field(min_length=1)
    skills: tuple[str, ...] = ()
    buildings: tuple[str, ...] = ()
    grids: tuple[str, ...] = ()
    phone: str | None = Field(default=None, max_length=PHONE_CHARS)
    # their Telegram @username, so "@zhang9003" finds them before they ever wrote to the bot
    username: str | None = None

    @field_validator("username")
    @classmethod
    def _telegram_username(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if v.startswith("@"):
            raise ValueError(f"write the username without the @: {v[1:]}")
        if not _USERNAME.fullmatch(v):
            raise ValueError(
                "a Telegram username has 4 to 32 letters a-z, digits and _, starting with a "
                "letter (as shown in the person's Telegram profile)"
            )
        return v.lower()  # Telegram's usernames are case-insensitive

    @field_validator("buildings", mode="before")
    @classmethod
    def _buildings_as_text(cls, v: Any) -> Any:
        return [str(b) for b in v] if isinstance(v, list) else v

    @field_validator("skills")
    @classmethod
    def _known_skills(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # the ticket categories come from the intake rules file; read_registry passes them
        check_known(v, info)
        return v

    @model_validator(mode="after")
    def _identity(self) -> StaffSpec:
        if self.telegram_id is None and self.join_code is None:
            raise ValueError("give telegram_id or join_code (a one-time code for /join)")
        return self


def _switch_as_text(value: object) -> object:
    # YAML reads an unquoted off / on as false / true
    return {False: "off", True: "offer"}.get(value, value) if isinstance(value, bool) else value


class CommunitySpec(StrictModel):
    code: Code
    name: Name
    timezone: TimezoneName = "Asia/Shanghai"
    locale: Literal["zh_CN", "en"] = "zh_CN"
    grids: tuple[GridSpec, ...] = ()
    buildings: tuple[BuildingSpec, ...] = Field(min_length=1)
    chats: tuple[ChatSpec, ...] = ()
    staff: tuple[StaffSpec, ...] = ()
    roster: RosterSpec | None = None
    sla: SlaPolicy | None = None
    # A group message that does not mention the bot but reads as a repair report with high
    # confidence: off – nothing; offer – one quiet "需要我帮您登记报修吗？" (default); open – the
    # ticket is opened at once. Emergencies are always taken at once.
    unaddressed_reports: Annotated[
        Literal["off", "offer", "open"], BeforeValidator(_switch_as_text)
    ] = "offer"
    # Whom residents call about a notice (an outage): the office's public name and number,
    # e.g. "物业服务中心 0571-88886666" – shown in group notices, so never a private number.
    contact: ContactText | None = None
    # The committee's weekly digest (bot/domain/kpi/digest.py): Monday 09:00 by default.
    reports: ReportsSpec = ReportsSpec()
    # Volunteer points (积分制): the unit, the rules and their caps (bot/domain/points/rules.py)
    points: PointsSpec | None = None
    # Files owned by later features; validated by their own loaders.
    intake_rules: str | None = None
    faq_file: str | None = None
    notices_file: str | None = None


class RegistryFile(StrictModel):
    """The whole registry file: one or more communities."""

    communities: tuple[CommunitySpec, ...] = Field(min_length=1)


Loc = tuple[int | str, ...]


def reference_errors(registry: RegistryFile) -> list[tuple[Loc, str]]:
    """Return (location, message) for every broken reference or duplicate in the registry."""
    errors: list[tuple[Loc, str]] = []
    errors += _duplicates(
        [("communities", i, "code") for i in range(len(registry.communities))],
        [c.code for c in registry.communities],
        "community code",
    )
    chat_locs = [
        ("communities", i, "chats", j, "chat_id")
        for i, c in enumerate(registry.communities)
        for j in range(len(c.chats))
    ]
    chat_ids = [ch.chat_id for c in registry.communities for ch in c.chats]
    errors += _duplicates(chat_locs, chat_ids, "chat_id")
    for i, community in enumerate(registry.communities):
        errors += _community_errors(("communities", i), community)
    return errors


def _community_errors(at: Loc, c: CommunitySpec) -> list[tuple[Loc, str]]:
    """Duplicates and broken references inside one community."""
    errors = _duplicate_errors(at, c)
    grids = {g.code for g in c.grids}
    for i, b in enumerate(c.buildings):
        if b.grid is not None and b.grid not in grids:
            errors.append(((*at, "buildings", i, "grid"), f"unknown grid {b.grid!r}"))
    units_of = {b.number: b.units for b in c.buildings}
    for i, ch in enumerate(c.chats):
        errors += _coverage_errors((*at, "chats", i, "covers"), ch.covers, grids, units_of)
    for i, s in enumerate(c.staff):
        errors += _staff_errors((*at, "staff", i), s, grids, set(units_of))
    if c.staff and not any(Role.ADMIN in s.roles for s in c.staff):
        errors.append(((*at, "staff"), "name at least one staff member with role admin"))
    if c.roster is not None:
        errors += _roster_errors((*at, "roster"), c.roster, {s.key for s in c.staff})
    return errors


def _roster_errors(at: Loc, roster: RosterSpec, staff: set[str]) -> list[tuple[Loc, str]]:
    """Every staff key the roster names must be a staff member of the file (a typo would
    otherwise fail every report the roster routes)."""
    known = ", ".join(sorted(staff)) or "none defined"
    return [
        ((*at, *_loc(where)), f"unknown staff {key!r} (staff keys: {known})")
        for where, key in roster.staff_keys_used()
        if key not in staff
    ]


def _loc(where: str) -> Loc:
    """'duties[0].rotation.staff' → ('duties', 0, 'rotation', 'staff')."""
    parts: list[int | str] = []
    for piece in where.split("."):
        name, _, index = piece.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return tuple(parts)


def _duplicate_errors(at: Loc, c: CommunitySpec) -> list[tuple[Loc, str]]:
    """Building numbers, grid codes, staff keys and Telegram ids must each be unique."""
    with_id = [(i, s) for i, s in enumerate(c.staff) if s.telegram_id is not None]
    with_name = [(i, s) for i, s in enumerate(c.staff) if s.username is not None]
    checks: list[tuple[list[Loc], list[object], str]] = [
        (
            [(*at, "buildings", i, "number") for i in range(len(c.buildings))],
            [b.number for b in c.buildings],
            "building number",
        ),
        (
            [(*at, "grids", i, "code") for i in range(len(c.grids))],
            [g.code for g in c.grids],
            "grid code",
        ),
        (
            [(*at, "staff", i, "key") for i in range(len(c.staff))],
            [s.key for s in c.staff],
            "staff key",
        ),
        (
            [(*at, "staff", i, "telegram_id") for i, _ in with_id],
            [s.telegram_id for _, s in with_id],
            "telegram_id",
        ),
        (
            [(*at, "staff", i, "username") for i, _ in with_name],
            [s.username for _, s in with_name],
            "username",
        ),
    ]
    return [error for locs, values, what in checks for error in _duplicates(locs, values, what)]


def _staff_errors(
    at: Loc, s: StaffSpec, grids: set[str], buildings: set[str]
) -> list[tuple[Loc, str]]:
    """A staff member's buildings and grids must be ones the file defines."""
    errors = [
        ((*at, "buildings", j), f"unknown building {number!r}")
        for j, number in enumerate(s.buildings)
        if number not in buildings
    ]
    errors += [
        ((*at, "grids", j), f"unknown grid {g!r}") for j, g in enumerate(s.grids) if g not in grids
    ]
    return errors


def _coverage_errors(
    at: Loc, cov: Coverage, grids: set[str], units_of: dict[str, tuple[str, ...]]
) -> list[tuple[Loc, str]]:
    """A group's coverage must name a grid, building and unit the file defines."""
    if cov.grid is not None and cov.grid not in grids:
        return [((*at, "grid"), f"unknown grid {cov.grid!r}")]
    if cov.building is None:
        return []
    if cov.building not in units_of:
        return [((*at, "building"), f"unknown building {cov.building!r}")]
    units = units_of[cov.building]
    if cov.unit is not None and units and cov.unit not in units:
        known = ", ".join(units)
        return [((*at, "unit"), f"building {cov.building} has no unit {cov.unit!r} ({known})")]
    return []


def _duplicates(locs: Sequence[Loc], values: Sequence[object], what: str) -> list[tuple[Loc, str]]:
    seen: set[object] = set()
    errors: list[tuple[Loc, str]] = []
    for loc, value in zip(locs, values, strict=True):
        if value in seen:
            errors.append((loc, f"duplicate {what} {value!r}"))
        seen.add(value)
    return errors

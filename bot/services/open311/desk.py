"""Open311 GeoReport v2, read-only: services (the ticket categories), requests and one request.

What a response holds is public by construction: the repository reads no personal column, and
the description is made from the category and the building, never from what a resident wrote.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.open311 import BadQuery, PublicTicket, RequestQuery, read_query, w3c
from bot.domain.records import CommunityInfo
from bot.domain.tickets.states import Status
from bot.services.ports import Open311UnitOfWorkFactory

Json = dict[str, object]


@dataclass(frozen=True)
class ServiceKind:
    """A ticket category as a service: its code, usual level and a few cue words."""

    code: str
    level: int
    keywords: tuple[str, ...] = ()


class Open311Error(Exception):
    """An answer in the spec's error format: [{"code": 404, "description": "..."}]."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def as_json(self) -> list[Json]:
        return [{"code": self.code, "description": self.description}]


class Open311Desk:
    """Answers GeoReport v2 reads for one community (its code is the jurisdiction_id)."""

    def __init__(
        self,
        uow: Open311UnitOfWorkFactory,
        clock: Clock,
        kinds: Sequence[ServiceKind],
        api_keys: Sequence[str] = (),
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.kinds = tuple(kinds)
        self.api_keys = tuple(k for k in api_keys if k)

    def check_key(self, given: str | None) -> None:
        """Refuse (403) a missing or wrong api_key when keys are configured."""
        if not self.api_keys:
            return
        offered = (given or "").encode()
        if not any(hmac.compare_digest(offered, key.encode()) for key in self.api_keys):
            raise Open311Error(403, i18n.plain("zh_CN", "open311.error.api_key"))

    async def _community(self, code: str | None) -> CommunityInfo:
        if not code:
            raise Open311Error(400, i18n.plain("zh_CN", "open311.error.no_jurisdiction"))
        async with self.uow() as tx:
            community = await tx.registry.community_by_code(code)
        if community is None:
            raise Open311Error(
                404, i18n.plain("zh_CN", "open311.error.unknown_jurisdiction", code=code[:16])
            )
        return community

    async def services(self, jurisdiction: str | None) -> list[Json]:
        """GET services: one service per ticket category."""
        community = await self._community(jurisdiction)
        locale = community.locale
        out: list[Json] = []
        for kind in self.kinds:
            name = i18n.plain(locale, f"categories.{kind.code}")
            out.append(
                {
                    "service_code": kind.code,
                    "service_name": name,
                    "description": i18n.plain(locale, "open311.service_description", name=name),
                    "metadata": False,
                    "type": "realtime",
                    "keywords": ", ".join(kind.keywords),
                    "group": i18n.plain(locale, f"open311.group.{kind.level}"),
                }
            )
        return out

    async def requests(self, jurisdiction: str | None, params: Mapping[str, str]) -> list[Json]:
        """GET requests: the spec's filters, newest first, at most 1000."""
        community = await self._community(jurisdiction)
        try:
            query = read_query(params, self.clock.now())
        except BadQuery as exc:
            raise Open311Error(400, str(exc)) from exc
        return await self._read(community, query)

    async def request(self, jurisdiction: str | None, number: str) -> list[Json]:
        """GET a request: a list of one, or 404 in the spec's error format."""
        community = await self._community(jurisdiction)
        found = await self._read(community, RequestQuery(numbers=(number.upper(),), limit=1))
        if not found:
            raise Open311Error(
                404, i18n.plain("zh_CN", "open311.error.unknown_request", number=number[:24])
            )
        return found

    async def _read(self, community: CommunityInfo, query: RequestQuery) -> list[Json]:
        async with self.uow() as tx:
            tickets = await tx.open311.requests(community.id, query)
        return [self._request_json(community, ticket) for ticket in tickets]

    def _request_json(self, community: CommunityInfo, ticket: PublicTicket) -> Json:
        locale, tz = community.locale, ZoneInfo(community.timezone)
        category = i18n.plain(locale, f"categories.{ticket.category}")
        if ticket.building:
            place = i18n.plain(locale, "tickets.place.building", building=ticket.building)
        else:
            place = community.name
        closed = ticket.public_status == "closed"
        updated = ticket.closed_at if closed and ticket.closed_at else ticket.updated_at
        out: Json = {
            "service_request_id": ticket.number,
            "status": ticket.public_status,
            "status_notes": _status_note(locale, ticket),
            "service_name": category,
            "service_code": ticket.category,
            "description": i18n.plain(
                locale, "open311.description", place=place, category=category
            ),
            "agency_responsible": i18n.plain(locale, "open311.agency", community=community.name),
            "service_notice": None,
            "requested_datetime": w3c(ticket.created_at, tz),
            "updated_datetime": w3c(updated, tz),
            "expected_datetime": None if ticket.due_at is None else w3c(ticket.due_at, tz),
            "address": _address(locale, community, ticket.building),
        }
        point = _coordinates(community, ticket.building)
        if point is not None:
            out["lat"], out["long"] = point
        return out


def _status_note(locale: str, ticket: PublicTicket) -> str:
    if ticket.status is Status.CLOSED and ticket.closure:
        return i18n.plain(locale, f"tickets.status.closed_{ticket.closure}")
    return i18n.plain(locale, f"tickets.status.{ticket.status.value}")


def _address(locale: str, community: CommunityInfo, building: str | None) -> str:
    if not building:
        return community.name
    return i18n.plain(locale, "open311.address", community=community.name, building=building)


def _coordinates(community: CommunityInfo, building: str | None) -> tuple[float, float] | None:
    """The building's (lat, long) when the community file gives them, else None."""
    if not building:
        return None
    point = community.extra.get("coordinates", {}).get(building)
    if not isinstance(point, list) or len(point) != 2:
        return None
    return float(point[0]), float(point[1])

"""Open311 GeoReport v2 (read-only): a ticket as a public service request, and the query a
street office sends for them. Pure: no personal field of a ticket ever reaches this module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.tickets.states import Status

#: the spec's default and widest window of requested_datetime, and its default page size
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000

#: GeoReport has two states; a resolved ticket waits for the resident's verdict: still open
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED, Status.REFERRED})
OPEN_STATUSES = frozenset(Status) - CLOSED_STATUSES


@dataclass(frozen=True)
class PublicTicket:
    """The columns of a ticket that are not personal: what Open311 may show."""

    number: str
    status: Status
    closure: str | None  # confirmed|unconfirmed, for the closed status text
    category: str
    building: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    closed_at: datetime | None

    @property
    def public_status(self) -> str:
        """Return "open" or "closed", GeoReport's two states."""
        return "closed" if self.status in CLOSED_STATUSES else "open"


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: either some numbers (which override every other filter) or a window."""

    numbers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: frozenset[Status] = frozenset(Status)
    start: datetime | None = None
    end: datetime | None = None
    limit: int = MAX_REQUESTS


class BadQuery(ValueError):
    """A filter the spec does not allow; the message is the error's description."""


def read_query(params: Mapping[str, str], now: datetime) -> RequestQuery:
    """Read GET requests' arguments: service_request_id (comma-separated, overrides the rest),
    service_code, status (open, closed), start_date and end_date (W3C, at most 90 days apart;
    the last 90 days when neither is given)."""
    numbers = _listed(params.get("service_request_id"))
    if numbers:
        return RequestQuery(numbers=tuple(n.upper() for n in numbers[:MAX_REQUESTS]))
    statuses: set[Status] = set()
    for word in _listed(params.get("status")) or ["open", "closed"]:
        if word == "open":
            statuses |= OPEN_STATUSES
        elif word == "closed":
            statuses |= CLOSED_STATUSES
        else:
            raise BadQuery("status must be open or closed")
    start = _moment(params, "start_date")
    end = _moment(params, "end_date")
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise BadQuery("end_date is before start_date")
    if end - start > WINDOW:
        raise BadQuery("start_date and end_date may not span more than 90 days")
    return RequestQuery(
        categories=tuple(_listed(params.get("service_code"))),
        statuses=frozenset(statuses),
        start=start,
        end=end,
    )


def _listed(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(
            f"{name} must be a W3C date and time, e.g. 2026-12-01T08:00:00+08:00"
        ) from None
    if moment.tzinfo is None:
        raise BadQuery(f"{name} needs a timezone (Z or +08:00)")
    return moment


def w3c(moment: datetime, tz: ZoneInfo) -> str:
    """Return a moment in the W3C subset of ISO 8601, in the community's time with its offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")

"""Which tickets the desk's list shows: filters read from a query string, and one page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.domain.tickets.states import Status

PAGE_SIZE = 25
_YES = ("1", "yes", "on", "true")


@dataclass(frozen=True)
class TicketFilter:
    """The list's filters; None is "any". `before` is the keyset: tickets with a smaller id."""

    status: Status | None = None
    level: int | None = None
    building: str | None = None
    category: str | None = None
    assignee_id: int | None = None
    overdue: bool = False
    before: int | None = None

    def query(self, **changes: object) -> dict[str, str]:
        """The filter as query parameters (for links: the next page, a cleared filter)."""
        f = replace(self, **changes)  # type: ignore[arg-type]
        out = {
            "status": f.status.value if f.status else "",
            "level": "" if f.level is None else str(f.level),
            "building": f.building or "",
            "category": f.category or "",
            "assignee": "" if f.assignee_id is None else str(f.assignee_id),
            "overdue": "1" if f.overdue else "",
            "before": "" if f.before is None else str(f.before),
        }
        return {k: v for k, v in out.items() if v}


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 19 else None


def read_filter(params: Mapping[str, str]) -> TicketFilter:
    """The filter a query string asks for; what cannot be read is ignored (shown as "any")."""
    status_text = (params.get("status") or "").strip()
    status = Status(status_text) if status_text in {s.value for s in Status} else None
    return TicketFilter(
        status=status,
        level=_int(params.get("level")),
        building=(params.get("building") or "").strip()[:16] or None,
        category=(params.get("category") or "").strip()[:32] or None,
        assignee_id=_int(params.get("assignee")),
        overdue=(params.get("overdue") or "").lower() in _YES,
        before=_int(params.get("before")),
    )

"""Is a resident's message about an announced outage, and is that outage on now or just over?

An outage notice (`/outage 停水 65号楼 今晚23:00-次日02:00 …`) stores what, where and when.
While it is on – from a little before its start (cuts often begin early) until its announced
end or "restored", whichever comes first – "没水了" is the outage, not a repair. For a while
after, "还是没有水啊" is a repair linked to the outage (the restore notice invites exactly it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.domain.notices.outage import REMINDER_BEFORE, OutageKind

#: after its end (or "restored") a report of the outage is linked to it for this long
FOLLOW_UP = timedelta(hours=24)
#: the ticket category a report of each kind of outage gets
KIND_CATEGORY: dict[str, str] = {
    "water": "water_supply",
    "power": "power",
    "gas": "gas",
    "lift": "elevator",
}
# what people say when the service is missing (not "来水了", "有电了": that is good news)
_MISSING: dict[str, re.Pattern[str]] = {
    "water": re.compile(
        r"没(?:有)?水|停水|断水|不来水|不出水|没来水|水(?:还|怎么)?(?:没|不)来|水压|水(?:很|太|特别)小"
    ),
    "power": re.compile(r"没(?:有)?电|停电|断电|没来电|电(?:还|怎么)?(?:没|不)来|跳闸"),
    "gas": re.compile(r"没(?:有)?(?:燃|煤|天然)?气|停气|断气|打不着|点不着|没火"),
    "lift": re.compile(
        r"电梯[^，,。]{0,8}(?:停|坏|不动|不能|用不了|没法|不运行|不走|没反应)|停电梯|没电梯"
    ),
}

Phase = Literal["on", "over"]


@dataclass(frozen=True)
class Outage:
    """An announced outage as its notice stored it (times aware, UTC)."""

    notice_id: int
    kind: OutageKind
    start: datetime
    end: datetime
    restored_at: datetime | None = None

    @property
    def over_at(self) -> datetime:
        """When it ended: the announced end, or "restored" if that came first."""
        if self.restored_at is not None and self.restored_at < self.end:
            return self.restored_at
        return self.end

    def phase(self, now: datetime) -> Phase | None:
        """ "on" while it is on, "over" for FOLLOW_UP after, None before or long after."""
        if self.start - REMINDER_BEFORE <= now < self.over_at:
            return "on"
        if self.over_at <= now < self.over_at + FOLLOW_UP:
            return "over"
        return None


def outage_of(notice_id: int, extra: dict[str, Any]) -> Outage | None:
    """Read the outage an announcement notice stored in its `extra` (None for other notices)."""
    info = extra.get("outage")
    if not isinstance(info, dict) or info.get("kind") not in KIND_CATEGORY:
        return None
    restored = info.get("restored_at")
    return Outage(
        notice_id,
        info["kind"],
        datetime.fromisoformat(info["start"]),
        datetime.fromisoformat(info["end"]),
        datetime.fromisoformat(restored) if restored else None,
    )


def reports_missing(text: str, kind: str) -> bool:
    """Does the message say the outage's service is missing ("没水了", "电梯怎么又停了")?"""
    pattern = _MISSING.get(kind)
    return pattern is not None and pattern.search(text) is not None

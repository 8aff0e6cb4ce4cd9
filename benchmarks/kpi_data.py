"""A year of tickets for benchmarks/kpi.py: what the committee's figures are counted from.

`fill_year` writes, in bulk (COPY on PostgreSQL through asyncpg, multi-row INSERTs on SQLite),
`tickets` tickets spread evenly over the year before `now` and over the communities loaded from
the district's community file (benchmarks/district_data.py), with a realistic mix:

- level 1 (10 %), 2 (70 %), 3 (20 %); six categories, a few buildings much busier than others;
- every milestone the figures read (accepted, first progress note, plan, fix, close), each
  ticket's `promised` deadlines as its level's standard gives them (some kept, some missed);
- the last few days mostly still open, an old ticket left open now and then (overdue now);
  withdrawn, referred (12345) and merged duplicates; reopened ones; confirmed and unconfirmed
  closures; residents' verdicts on most closed tickets;
- "me too" followers on one ticket in eight, the follow-up call of level-1 tickets, and the
  FAQ's outcomes (a few questions a day per community);
- (`fill_notices`) a weekly notice per community to 40 of its groups for the year, each
  delivery sent or (one in fifty) failed, and 30 unanswered questions per community.

It is resumable: tickets go in by id range, one transaction per range (with their followers
and follow-up calls), and a second run goes on after the last range stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.district_data import CATEGORIES, _Sink, chat_id, code, resident_id, staff_id
from storage.models import Community
from storage.models_duty import FollowUpRow
from storage.models_faq import FaqGap, FaqOutcomeRow
from storage.models_notices import Notice, NoticeDelivery, NoticeOccurrence
from storage.models_tickets import TicketCounter, TicketFollower, TicketRow

#: tickets per transaction (a resumed build goes on from the last range stored)
RANGE = 50_000
YEAR = timedelta(days=365)
FAQ_OUTCOMES = ("direct", "direct", "direct", "menu", "chosen", "unanswered", "unasked")


def mix(i: int, salt: int) -> int:
    """A fixed pseudo-random number in [0, 1000) for ticket i (the same on every run)."""
    x = (i * 2_654_435_761 + salt * 40_503) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 2_246_822_519) & 0xFFFFFFFF
    x ^= x >> 13
    return x % 1000


@dataclass(frozen=True)
class YearPlan:
    """How many tickets, in how many communities, ending at `now`."""

    now: datetime
    tickets: int
    communities: int
    buildings: int

    @property
    def start(self) -> datetime:
        return self.now - YEAR

    def created(self, i: int) -> datetime:
        return self.start + YEAR * (i / (self.tickets + 1))


def _level(i: int) -> int:
    r = mix(i, 1)
    return 1 if r < 100 else 2 if r < 800 else 3


def _building(i: int, buildings: int) -> int:
    r = mix(i, 2)
    if r < 300:  # the old blocks with the old pipes: a third of the reports
        return 1 + r % min(8, buildings)
    return 1 + r % buildings


_CATEGORY_WEIGHTS = (250, 150, 250, 150, 100, 100)  # lighting … noise, per mille


def _category(i: int) -> str:
    r = mix(i, 3)
    for name, weight in zip(CATEGORIES, _CATEGORY_WEIGHTS, strict=True):
        if r < weight:
            return name
        r -= weight
    return CATEGORIES[-1]


# (acknowledge, main step, resolve) minutes: typical and slow, per level
_TAKES = {1: (12, 90, 360), 2: (100, 600, 3 * 1440), 3: (600, 3 * 1440, 12 * 1440)}
_PROMISES: dict[int, dict[str, timedelta]] = {
    1: {"acknowledge_by": timedelta(minutes=5), "respond_by": timedelta(minutes=30),
        "control_by": timedelta(hours=2)},
    2: {"acknowledge_by": timedelta(hours=2), "resolve_by": timedelta(days=7)},
    3: {"acknowledge_by": timedelta(days=1), "plan_by": timedelta(days=14)},
}  # fmt: skip


def _status(i: int, age: timedelta) -> str:
    r = mix(i, 4)
    if age < timedelta(days=3):  # recent: most still being handled
        return ("new", "assigned", "accepted", "in_progress", "resolved", "closed")[r % 6]
    if r < 8:
        return ("assigned", "in_progress", "reopened")[r % 3]  # stuck: overdue now
    if r < 40:
        return "cancelled"
    if r < 60:
        return "referred"
    if r < 80:
        return "merged"
    if age < timedelta(days=7) and r < 130:
        return "resolved"
    return "closed"


def ticket(plan: YearPlan, community_ids: list[int], i: int) -> dict[str, Any]:
    """Ticket i (1-based, oldest first) as the columns of its row."""
    c = (i - 1) % plan.communities
    seq = (i - 1) // plan.communities + 1
    created = plan.created(i)
    level = _level(i)
    status = _status(i, plan.now - created)
    ack, step, fix = _takes(i, level)
    merged = status == "merged"
    reached = status in ("accepted", "in_progress", "resolved", "closed", "reopened")
    fixed = status in ("resolved", "closed")
    accepted = created + timedelta(minutes=ack) if reached or status == "referred" else None
    resolved = created + timedelta(minutes=fix) if fixed else None
    closed = resolved + timedelta(days=1) if status == "closed" and resolved else None
    if closed is not None and closed > plan.now:
        closed = None
        status = "resolved"
    building = _building(i, plan.buildings)
    r = mix(i, 5)
    promised = {name: (created + d).isoformat() for name, d in _PROMISES[level].items()}
    return {
        "id": i, "community_id": community_ids[c], "seq": seq,
        "number": f"{code(c)}-{seq:04d}", "source_key": f"kpi:{i}", "source": "mention",
        "status": "cancelled" if merged else status, "category": _category(i), "level": level,
        "building": str(building), "unit": "1", "room": None, "phone": None,
        "text": "楼道灯不亮了", "chat_id": chat_id(c, building), "message_id": i,
        "reporter_id": resident_id(i), "reporter_name": "",
        "assignee_id": None if status == "new" else staff_id(c, 9 + r % 25),
        "assignee_name": None if status == "new" else "维修", "card_version": 1,
        "created_at": created, "updated_at": closed or resolved or accepted or created,
        "accepted_at": accepted,
        "controlled_at": accepted + timedelta(minutes=step) if accepted and level == 1 else None,
        "planned_at": accepted + timedelta(minutes=step) if accepted and level == 3 else None,
        "resolved_at": resolved, "closed_at": closed,
        "closure": None if closed is None else ("confirmed" if r < 750 else "unconfirmed"),
        "verdict": _verdict(r) if closed is not None and r < 750 else None,
        "referred_to": "12345" if status == "referred" else None,
        "merged_into_id": i - plan.communities if merged and i > plan.communities else None,
        "reopen_count": 1 if (fixed and mix(i, 6) < 40) or status == "reopened" else 0,
        "promised": promised,
    }  # fmt: skip


def _takes(i: int, level: int) -> tuple[int, int, int]:
    """Minutes to acceptance, to the level's main step, to the fix: most on time, some late."""
    base = _TAKES[level]
    r = mix(i, 7)
    slow = 1 + (3 if r > 900 else 1 if r > 700 else 0)  # one in ten three times as slow
    spread = 0.3 + (mix(i, 8) / 1000)
    return tuple(max(1, int(m * spread * slow)) for m in base)  # type: ignore[return-value]


def _verdict(r: int) -> str:
    return "satisfied" if r < 520 else "mostly" if r < 690 else "not_solved"


TICKET_COLUMNS = tuple(ticket(YearPlan(datetime(2026, 1, 1), 2, 1, 1), [1], 1))


async def fill_year(engine: AsyncEngine, plan: YearPlan, progress: bool = True) -> float:
    """Load the year of tickets (going on after what is stored); return the seconds taken."""
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"
    async with engine.connect() as conn:
        ids = (await conn.execute(select(Community.id).order_by(Community.id))).scalars().all()
        done = int(await conn.scalar(select(func.max(TicketRow.id))) or 0)
    assert len(ids) == plan.communities, (len(ids), plan.communities)
    first = done + 1
    while first <= plan.tickets:
        last = min(plan.tickets, first + RANGE - 1)
        async with engine.begin() as conn:
            sink = _Sink(conn, postgres)
            await sink.write(TicketRow.__table__, TICKET_COLUMNS, _rows(plan, ids, first, last))  # type: ignore[arg-type]
            await sink.write(
                TicketFollower.__table__,  # type: ignore[arg-type]
                ("ticket_id", "telegram_id", "via_ticket_id", "created_at"),
                _followers(plan, first, last),
            )
            await sink.write(
                FollowUpRow.__table__,  # type: ignore[arg-type]
                ("ticket_id", "community_id", "assignee_id", "due_at", "done_at", "created_at"),
                _follow_ups(plan, ids, first, last),
            )
            await sink.write(
                FaqOutcomeRow.__table__,  # type: ignore[arg-type]
                ("community_id", "at", "outcome", "update_id"),
                _faq(plan, ids, first, last),
            )
        if progress:
            took = time.perf_counter() - started
            print(f"  tickets {first:,}–{last:,} stored ({took:.0f} s)", flush=True)
        first = last + 1
    async with engine.begin() as conn:
        await _counters(conn, plan, ids)
        if postgres:
            await conn.execute(
                text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                     "(SELECT max(id) FROM tickets))")
            )  # fmt: skip
    if postgres:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _rows(plan: YearPlan, ids: list[int], first: int, last: int) -> Iterator[tuple[Any, ...]]:
    for i in range(first, last + 1):
        yield tuple(ticket(plan, ids, i).values())


def _followers(plan: YearPlan, first: int, last: int) -> Iterator[tuple[Any, ...]]:
    """Me too on one ticket in eight (one to three neighbours); a merged duplicate's reporter
    follows the ticket it was merged into."""
    for i in range(first, last + 1):
        created = plan.created(i) + timedelta(minutes=30)
        if mix(i, 9) < 125:
            for k in range(1 + mix(i, 10) % 3):
                yield i, resident_id(i * 3 + k + 1), None, created
        if _status(i, plan.now - plan.created(i)) == "merged" and i > plan.communities:
            yield i - plan.communities, resident_id(i), i, created


def _follow_ups(
    plan: YearPlan, ids: list[int], first: int, last: int
) -> Iterator[tuple[Any, ...]]:
    """The follow-up call of each fixed level-1 ticket: one day after the fix, most done."""
    for i in range(first, last + 1):
        t = ticket(plan, ids, i)
        if t["level"] != 1 or t["resolved_at"] is None:
            continue
        due = t["resolved_at"] + timedelta(days=1)
        done = t["resolved_at"] + timedelta(hours=4 + mix(i, 11) % 40)
        yield (
            i,
            t["community_id"],
            t["assignee_id"] or 0,
            due,
            done if done < plan.now else None,
            t["resolved_at"],
        )


def _faq(plan: YearPlan, ids: list[int], first: int, last: int) -> Iterator[tuple[Any, ...]]:
    """A question for every third ticket, in the same community and hour."""
    for i in range(first, last + 1, 3):
        outcome = FAQ_OUTCOMES[mix(i, 12) % len(FAQ_OUTCOMES)]
        yield ids[(i - 1) % plan.communities], plan.created(i), outcome, 800_000_000 + i


async def _counters(conn: Any, plan: YearPlan, ids: list[int]) -> None:
    """The next ticket of a community gets the number after the year's."""
    last = plan.tickets // plan.communities + 1
    await conn.execute(TicketCounter.__table__.delete())
    await conn.execute(
        TicketCounter.__table__.insert(), [{"community_id": c, "last_seq": last} for c in ids]
    )


NOTICE_GROUPS = 40
GAPS = 30


async def fill_notices(engine: AsyncEngine, plan: YearPlan) -> bool:
    """The notices' year and the FAQ's gaps, unless stored already; True when written now."""
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        if await conn.scalar(select(func.count()).select_from(NoticeDelivery)):
            return False
        ids = (await conn.execute(select(Community.id).order_by(Community.id))).scalars().all()
        first = int(await conn.scalar(select(func.max(Notice.id))) or 0) + 1
        weeks = [plan.start + timedelta(days=7 * w, hours=1) for w in range(52)]
        sink = _Sink(conn, postgres)
        await sink.write(
            Notice.__table__,  # type: ignore[arg-type]
            ("id", "community_id", "key", "source", "text", "variables", "target", "schedule",
             "pin", "urgent", "status", "extra", "created_at", "updated_at"),
            ((first + n, c, f"bench:{n}", "file", "每周一打扫楼道", {}, {"kind": "community"},
              {"weekly": "monday"}, False, False, "active", {}, plan.start, plan.start)
             for n, c in enumerate(ids)),
        )  # fmt: skip
        await sink.write(
            NoticeOccurrence.__table__,  # type: ignore[arg-type]
            ("notice_id", "occurrence", "total", "sent", "failed", "created_at", "settled_at"),
            ((first + n, at, NOTICE_GROUPS, NOTICE_GROUPS - 1, 1, at, at)
             for n in range(len(ids)) for at in weeks),
        )  # fmt: skip
        await sink.write(
            NoticeDelivery.__table__,  # type: ignore[arg-type]
            ("notice_id", "occurrence", "chat_id", "status", "created_at", "settled_at"),
            ((first + n, at, chat_id(n, b), "failed" if b == (w % NOTICE_GROUPS) + 1 and w % 50
              == 0 else "sent", at, at)
             for n in range(len(ids)) for w, at in enumerate(weeks)
             for b in range(1, NOTICE_GROUPS + 1)),
        )  # fmt: skip
        await sink.write(
            FaqGap.__table__,  # type: ignore[arg-type]
            ("community_id", "key", "text", "count", "first_at", "last_at"),
            ((c, f"gap:{g}", f"问题{g}", 1 + mix(g, 13) % 20, plan.start,
              plan.start + YEAR * (mix(g * 101 + c, 14) / 1000))
             for c in ids for g in range(GAPS)),
        )  # fmt: skip
        if postgres:
            for table in ("notices", "notice_occurrences", "notice_deliveries", "faq_gaps"):
                await conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
                )  # fmt: skip
    if postgres:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    return True

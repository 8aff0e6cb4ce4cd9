"""The district for benchmarks/district.py: a community file and a million tickets of history.

`write_community_file` writes 100 communities × 160 building groups (the demo community's
roster and deadlines in each, its staff plus 25 more per community); `fill_history` loads the
history in bulk – COPY on PostgreSQL (asyncpg's copy_records_to_table), multi-row INSERTs on
SQLite – into a database the community file was loaded into:

- tickets, one a minute over the last ~two years: 1 % still open, the rest closed or cancelled;
  the ones that ended more than 187 days ago already erased (retention ran until a week ago);
- per ticket: its group card and private card (outbox), the card's prompt, two escalation steps
  (fired, or pending for the open ones), two audit rows and the update it came in; every tenth
  has a follower;
- the inbox: the updates of the last ~29 days plus a week's backlog older than the keeping
  period, so the first retention run has about a week of work (tickets, updates, messages).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import AuditEvent, Community, InboxUpdate, OutboxMessage
from storage.models_duty import EscalationRow
from storage.models_tickets import TicketCounter, TicketFollower, TicketPrompt, TicketRow

DEMO = Path(__file__).resolve().parents[1] / "bot" / "demo" / "community.yaml"
BUILDINGS = 160
EXTRA_STAFF = 25
CATEGORIES = ("lighting", "elevator", "water_leak", "sanitation", "power", "noise")
RESIDENTS = 200_000
FIRST_RESIDENT = 500_000_000
CHUNK = 20_000


def staff_id(community: int, index: int) -> int:
    """The Telegram id of staff member `index` of community `community` (0-based)."""
    return 10_000_000 + community * 100 + index


def chat_id(community: int, building: int) -> int:
    """The group of building `building` (1-based) of community `community` (0-based)."""
    return -100_000_000_000 - community * 1000 - building


def resident_id(n: int) -> int:
    return FIRST_RESIDENT + (n * 7919) % RESIDENTS


def code(community: int) -> str:
    return f"D{community + 1:03d}"


def write_community_file(path: Path, communities: int, buildings: int = BUILDINGS) -> int:
    """Write the district's community file; return how many groups it has."""
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["communities"][0]
    out = []
    for c in range(communities):
        spec = {k: v for k, v in demo.items() if k not in ("notices_file", "faq_file")}
        spec.update(code=code(c), name=f"第{c + 1}社区")
        spec["buildings"] = [
            {"number": str(b), "grid": "G1" if b <= buildings // 2 else "G2", "units": ["1", "2"]}
            for b in range(1, buildings + 1)
        ]
        spec["chats"] = [
            {"chat_id": chat_id(c, b), "title": f"{b}号楼邻里群", "covers": {"building": str(b)}}
            for b in range(1, buildings + 1)
        ]
        staff = []
        for i, person in enumerate(demo["staff"]):
            person = dict(person)
            if "telegram_id" in person:
                person["telegram_id"] = staff_id(c, i)
            if "join_code" in person:
                person["join_code"] = f"{person['join_code']}-{c}"
            person["username"] = f"{person['key']}{staff_id(c, i)}"
            staff.append(person)
        for j in range(EXTRA_STAFF):
            i = len(demo["staff"]) + j
            staff.append(
                {
                    "key": f"s{j:02d}",
                    "name": f"维修{j}号",
                    "telegram_id": staff_id(c, i),
                    "roles": ["staff"],
                    "skills": [CATEGORIES[j % len(CATEGORIES)]],
                    "grids": ["G1", "G2"],
                }
            )
        spec["staff"] = staff
        out.append(spec)
    path.write_text(
        yaml.safe_dump({"communities": out}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return communities * buildings


@dataclass(frozen=True)
class Plan:
    """How much history, ending at `now`."""

    now: datetime
    tickets: int
    backlog: int  # tickets (and updates, private messages) a week of retention left behind
    buildings: int = BUILDINGS
    every: timedelta = timedelta(minutes=1)  # between two tickets

    @property
    def start(self) -> datetime:
        return self.now - self.every * self.tickets


@dataclass
class _Community:
    id: int
    index: int
    code: str


class _Sink:
    """Writes rows in bulk: COPY on PostgreSQL, multi-row INSERTs on SQLite."""

    def __init__(self, conn: AsyncConnection, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres
        self.rows = 0

    async def write(self, table: Table, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]):
        as_json = [isinstance(table.c[c].type, JSON) for c in columns]
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                await self._flush(table, columns, as_json, chunk)
                chunk = []
        if chunk:
            await self._flush(table, columns, as_json, chunk)

    async def _flush(
        self,
        table: Table,
        columns: Sequence[str],
        as_json: list[bool],
        chunk: list[tuple[Any, ...]],
    ) -> None:
        self.rows += len(chunk)
        if self.postgres:
            records = [
                tuple(
                    json.dumps(v) if j and v is not None else v
                    for v, j in zip(r, as_json, strict=True)
                )
                for r in chunk
            ]
            raw = await self.conn.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table.name, records=records, columns=list(columns)
            )
        else:
            await self.conn.execute(
                table.insert(), [dict(zip(columns, r, strict=True)) for r in chunk]
            )


async def fill_history(engine: AsyncEngine, plan: Plan) -> tuple[int, float]:
    """Load the district's history in bulk; return how many rows and the seconds it took."""
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        rows = await conn.execute(select(Community.id, Community.code).order_by(Community.id))
        communities = [_Community(cid, i, c) for i, (cid, c) in enumerate(rows.all())]
        for model in (TicketRow, OutboxMessage):  # the history's ids are 1, 2, …
            assert not await conn.scalar(select(func.count()).select_from(model))
        sink = _Sink(conn, postgres)
        await _tickets(sink, plan, communities)
        await _outbox(sink, plan, communities)
        await _escalations(sink, plan, communities)
        await _audit(sink, plan, communities)
        await _inbox(sink, plan)
        await _counters(conn, plan, communities)
        if postgres:
            for table in ("tickets", "outbox"):  # their ids were given: the sequences follow
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    if postgres:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    return sink.rows, time.perf_counter() - started


def _ticket_facts(plan: Plan, communities: list[_Community], i: int) -> dict[str, Any]:
    """What ticket i (1-based, oldest first) is: where, whose, when, in which state."""
    c = communities[i % len(communities)]
    seq = i // len(communities) + 1
    building = 1 + (i // len(communities)) % plan.buildings
    created = plan.start + plan.every * i
    open_ = i % 100 == 0
    ended = None if open_ else created + timedelta(days=1)
    erase_before = plan.now - timedelta(days=187)
    backlog_from = erase_before - timedelta(minutes=plan.backlog)
    # ended more than 187 days ago and not in the backlog: erased when retention last ran
    erased = ended is not None and ended < backlog_from
    staff = staff_id(c.index, 9 + i % EXTRA_STAFF)
    return {
        "c": c,
        "seq": seq,
        "building": building,
        "created": created,
        "open": open_,
        "ended": ended,
        "erased": erased,
        "staff": staff,
        "category": CATEGORIES[i % len(CATEGORIES)],
    }


async def _tickets(sink: _Sink, plan: Plan, communities: list[_Community]) -> None:
    columns = (
        "id", "community_id", "seq", "number", "source_key", "source", "status", "category",
        "level", "building", "unit", "room", "phone", "text", "chat_id", "message_id",
        "reporter_id", "reporter_name", "on_behalf_by", "assignee_id", "assignee_name",
        "card_outbox_id", "card_version", "created_at", "updated_at", "resolved_at",
        "closed_at", "closure", "erased_at",
    )  # fmt: skip

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, plan.tickets + 1):
            f = _ticket_facts(plan, communities, i)
            status = "assigned" if f["open"] else ("cancelled" if i % 20 == 1 else "closed")
            erased = f["erased"]
            yield (
                i, f["c"].id, f["seq"], f"{f['c'].code}-{f['seq']:04d}", f"hist:{i}", "group",
                status, f["category"], 3, str(f["building"]), "1",
                None if erased else "1201", None if erased else "13800000000",
                f"{f['building']}号楼 1单元 楼道灯不亮了", chat_id(f["c"].index, f["building"]),
                i, resident_id(i), "" if erased else "业主", resident_id(i + 1) if i % 50 == 7
                else None, f["staff"], "维修", 2 * i - 1, 1, f["created"], f["ended"] or
                f["created"], f["ended"], f["ended"] if status == "closed" else None,
                "confirmed" if status == "closed" else None,
                plan.now - timedelta(days=7) if erased else None,
            )  # fmt: skip

    await sink.write(TicketRow.__table__, columns, rows())  # type: ignore[arg-type]

    def followers() -> Iterator[tuple[Any, ...]]:
        for i in range(10, plan.tickets + 1, 10):
            yield i, resident_id(i + 3), plan.start + plan.every * i

    await sink.write(
        TicketFollower.__table__,  # type: ignore[arg-type]
        ("ticket_id", "telegram_id", "created_at"),
        followers(),
    )


async def _outbox(sink: _Sink, plan: Plan, communities: list[_Community]) -> None:
    columns = (
        "id", "dedup_key", "chat_id", "method", "payload", "purpose", "status", "attempts",
        "next_attempt_at", "sent_message_id", "created_at", "sent_at", "erased_at",
    )  # fmt: skip
    keep_from = plan.now - timedelta(days=30) - timedelta(minutes=plan.backlog)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, plan.tickets + 1):
            f = _ticket_facts(plan, communities, i)
            at, group = f["created"], chat_id(f["c"].index, f["building"])
            yield (2 * i - 1, f"tk:{i}:card", group, "send_message",
                   {"text": f"工单 {f['c'].code}-{f['seq']:04d}"}, "ticket.card", "sent", 1, at,
                   1_000_000 + i, at, at, None)  # fmt: skip
            erased = at < keep_from
            payload = {"erased": True} if erased else {"text": "1201 13800000000 楼道灯不亮了"}
            yield (2 * i, f"tk:{i}:private", f["staff"], "send_message", payload,
                   "ticket.private_card", "sent", 1, at, 2_000_000 + i, at, at,
                   plan.now - timedelta(days=7) if erased else None)  # fmt: skip

    await sink.write(OutboxMessage.__table__, columns, rows())  # type: ignore[arg-type]

    def prompts() -> Iterator[tuple[Any, ...]]:
        for i in range(1, plan.tickets + 1):
            f = _ticket_facts(plan, communities, i)
            yield 2 * i, i, "card", f["staff"], f["staff"], not f["open"], f["created"]

    await sink.write(
        TicketPrompt.__table__,  # type: ignore[arg-type]
        ("outbox_id", "ticket_id", "kind", "telegram_id", "chat_id", "answered", "created_at"),
        prompts(),
    )


async def _escalations(sink: _Sink, plan: Plan, communities: list[_Community]) -> None:
    columns = (
        "ticket_id", "community_id", "step_no", "kind", "target_key", "target_id",
        "target_name", "reason", "due_at", "fired_at", "cancelled_at", "outcome", "attempts",
        "created_at",
    )  # fmt: skip

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, plan.tickets + 1):
            f = _ticket_facts(plan, communities, i)
            at = f["created"]
            for step in (1, 2):
                due = at + timedelta(minutes=30 * step)
                if f["open"]:  # still to fire, but not due for a while
                    due = plan.now + timedelta(days=1, minutes=i % 600)
                    fired = cancelled = outcome = None
                elif step == 1:
                    fired, cancelled, outcome = due, None, "sent"
                else:
                    fired, cancelled, outcome = None, at + timedelta(minutes=20), None
                yield (i, f["c"].id, step, "remind" if step == 1 else "page",
                       "li", staff_id(f["c"].index, 1), "李经理", "accept", due, fired,
                       cancelled, outcome, 0, at)  # fmt: skip

    await sink.write(EscalationRow.__table__, columns, rows())  # type: ignore[arg-type]


async def _audit(sink: _Sink, plan: Plan, communities: list[_Community]) -> None:
    columns = (
        "at", "community_id", "actor_telegram_id", "action", "subject", "update_id",
        "details",
    )  # fmt: skip

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, plan.tickets + 1):
            f = _ticket_facts(plan, communities, i)
            subject = f"ticket:{f['c'].code}-{f['seq']:04d}"
            yield (f["created"], f["c"].id, resident_id(i), "ticket.opened",
                   subject, i, {"category": f["category"]})  # fmt: skip
            yield (
                f["ended"] or f["created"],
                f["c"].id,
                f["staff"],
                "ticket.closed" if f["ended"] else "ticket.assigned",
                subject,
                None,
                {},
            )

    await sink.write(AuditEvent.__table__, columns, rows())  # type: ignore[arg-type]


async def _inbox(sink: _Sink, plan: Plan) -> None:
    """The updates of the last 29 days (one every ~2.5 s) and a week's backlog before them."""
    columns = ("update_id", "payload", "received_at", "status", "handled_at", "attempts")
    recent = plan.tickets
    old = plan.backlog
    span = timedelta(days=29)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, old + recent + 1):
            if i <= old:
                at = plan.now - timedelta(days=31) - timedelta(minutes=old - i)
            else:
                at = plan.now - span + span * ((i - old) / (recent + 1))
            yield (i, {"update_id": i, "message": {"text": "楼道灯不亮了"}}, at, "done", at, 1)

    await sink.write(InboxUpdate.__table__, columns, rows())  # type: ignore[arg-type]


async def _counters(conn: AsyncConnection, plan: Plan, communities: list[_Community]) -> None:
    """Hand out numbers after the history's: the next ticket of a community is its next seq."""
    last = plan.tickets // len(communities) + 1
    for c in communities:
        await conn.execute(
            TicketCounter.__table__.delete().where(TicketCounter.community_id == c.id)
        )
        await conn.execute(
            TicketCounter.__table__.insert().values(community_id=c.id, last_seq=last)
        )
    assert await conn.scalar(select(func.count()).select_from(TicketCounter)) == len(communities)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)

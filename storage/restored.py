"""A restored database made ready to run: ticket numbers past those already shown, no leases.

A backup is older than the numbers groups have seen, so the restored database would hand some
out again. The database being replaced knows how far each community's numbering had got; the
restored one is moved on to there, and the gap is said. Leases in a backup name processes of
the time it was taken: none holds them now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.engine import Connection

from bot.domain.tickets.numbering import format_number
from storage.db import make_engine
from storage.models import Community, Lease
from storage.models_tickets import TicketCounter


@dataclass(frozen=True)
class NumbersAhead:
    """Numbers `first`…`last` of a community were shown after the backup and are not in it."""

    code: str
    first: int
    last: int

    def describe(self) -> str:
        first, last = format_number(self.code, self.first), format_number(self.code, self.last)
        after = format_number(self.code, self.last + 1)
        return (
            f"warning: tickets #{first} to #{last} were numbered after this backup was taken "
            f"and are not in it (residents may have seen them); numbering goes on at #{after}, "
            "so no number is given twice"
        )


def _numbers(conn: Connection) -> dict[str, int]:
    if not {"communities", "ticket_counters"} <= set(inspect(conn).get_table_names()):
        return {}
    rows = conn.execute(
        select(Community.code, TicketCounter.last_seq).join(
            TicketCounter, TicketCounter.community_id == Community.id
        )
    )
    return {str(code): int(seq) for code, seq in rows}


async def last_numbers(url: str) -> dict[str, int]:
    """The last ticket number each community handed out, by community code ({}: none)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_numbers)
    finally:
        await engine.dispose()


async def after_restore(url: str, shown: dict[str, int]) -> list[NumbersAhead]:
    """Move the restored database's numbering past what was `shown` and drop its leases;
    return the gaps."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            if "leases" in await conn.run_sync(lambda c: inspect(c).get_table_names()):
                await conn.execute(delete(Lease))
            restored = await conn.run_sync(_numbers)
            ahead = [
                NumbersAhead(code, restored[code] + 1, last)
                for code, last in sorted(shown.items())
                if code in restored and last > restored[code]
            ]
            for gap in ahead:
                community = select(Community.id).where(Community.code == gap.code)
                await conn.execute(
                    update(TicketCounter)
                    .where(TicketCounter.community_id == community.scalar_subquery())
                    .values(last_seq=gap.last)
                )
        return ahead
    finally:
        await engine.dispose()

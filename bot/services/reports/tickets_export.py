"""The tickets export: one row per ticket of a community and period, streamed in batches.

`TicketExport.start` checks the request (personal data only for an admin of the community,
then recorded in the audit log) and counts the rows; `TicketExportRun.rows` yields them from
keyset-paginated batches, each read in its own short transaction, so no more than one batch is
ever held. The command line writes them to CSV or XLSX; a chat /export can do the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.records import AuditRecord, CommunityInfo
from bot.domain.registry import Role
from bot.domain.reports.tickets import ExportedTicket
from bot.domain.tickets import Status
from bot.domain.tickets.promises import PROMISES
from bot.services.ports import ReportUnitOfWork, ReportUnitOfWorkFactory
from bot.services.tickets.cards import Looks

Cell = str | int | datetime | None  # datetimes are naive, in the community's timezone
BATCH = 2_000
EXPORTED = "export.tickets"  # the audit action of an export with personal data

_TIMES = ("created_at", "accepted_at", "controlled_at", "planned_at", "resolved_at", "closed_at")
COLUMNS = (
    "number",
    *_TIMES,
    "status",
    "closure",
    "category",
    "level",
    "building",
    "grid",
    *(f"{p}{suffix}" for p in PROMISES for suffix in ("", "_kept")),
    "verdict",
    "reopen_count",
    "referred_to",
    "merged_into",
)
PERSONAL_COLUMNS = ("room", "phone", "reporter_name", "text")


@dataclass(frozen=True)
class ExportRequest:
    """Which tickets: a community, the days they were opened (inclusive, in its timezone)."""

    community: str
    first_day: date | None = None
    last_day: date | None = None
    personal: bool = False  # room, phone, reporter's name, text: admins only, audited
    actor: int | None = None  # the Telegram id of who asks (required for personal data)
    file_format: str = ""  # what the audit row says was written (csv, xlsx)


class TicketExport:
    """Start exports of tickets; `batch_size` tickets are read per transaction."""

    def __init__(
        self,
        uow: ReportUnitOfWorkFactory,
        clock: Clock,
        looks: Looks | None = None,
        batch_size: int = BATCH,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.looks = looks or Looks()
        self.batch_size = batch_size

    async def start(self, request: ExportRequest) -> TicketExportRun:
        """Check the request, count its tickets and, with personal data, audit the export
        (committed before the first row is read: whatever happens to the file later)."""
        now = self.clock.now()
        async with self.uow() as tx:
            community = await tx.registry.community_by_code(request.community.upper())
            if community is None:
                raise NotFound("audit.no_such_community", code=request.community)
            if request.personal:
                await _require_admin(tx, request.actor, community)
            start, end = period(community, request.first_day, request.last_day, now)
            total = await tx.exports.count(community.id, start, end)
            if request.personal:
                await tx.audit.record(_audit_row(request, community, total), now)
                await tx.commit()
        return TicketExportRun(self, community, start, end, now, total, request.personal)


async def _require_admin(
    tx: ReportUnitOfWork, actor: int | None, community: CommunityInfo
) -> None:
    if actor is None:
        raise InvalidInput("export.actor_needed")
    people = await tx.people.by_telegram_id(actor)
    if not any(p.community_id == community.id and p.has_role(Role.ADMIN) for p in people):
        raise NotAllowed("export.admins_only")


def _audit_row(request: ExportRequest, community: CommunityInfo, total: int) -> AuditRecord:
    """Who exported personal data of which community, which days, how many rows – no data."""
    return AuditRecord(
        action=EXPORTED,
        subject=f"community:{community.code}",
        actor_telegram_id=request.actor,
        community_id=community.id,
        details={
            "rows": total,
            "personal": True,
            "from": request.first_day.isoformat() if request.first_day else None,
            "to": request.last_day.isoformat() if request.last_day else None,
            "format": request.file_format,
        },
    )


def period(
    community: CommunityInfo, first: date | None, last: date | None, now: datetime
) -> tuple[datetime | None, datetime]:
    """[start, end) in UTC for the days `first`..`last` in the community's timezone; the end is
    never after `now`, so the rows counted are the rows written."""
    if first is not None and last is not None and last < first:
        raise InvalidInput("export.bad_period")
    tz = ZoneInfo(community.timezone)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tz).astimezone(UTC)

    start = midnight(first) if first is not None else None
    end = midnight(last + timedelta(days=1)) if last is not None else now
    return start, min(end, now)


class TicketExportRun:
    """One export under way: its header, its number of rows, and the rows."""

    def __init__(
        self,
        export: TicketExport,
        community: CommunityInfo,
        start: datetime | None,
        end: datetime,
        now: datetime,
        total: int,
        personal: bool,
    ) -> None:
        self.export = export
        self.community = community
        self.start = start
        self.end = end
        self.now = now
        self.total = total
        self.personal = personal
        self.tz = ZoneInfo(community.timezone)

    @property
    def header(self) -> list[str]:
        """The column titles in the community's language."""
        names = (*COLUMNS, *PERSONAL_COLUMNS) if self.personal else COLUMNS
        return [i18n.t(self.community.locale, f"export.column.{name}") for name in names]

    async def rows(self) -> AsyncIterator[list[Cell]]:
        """Every row, oldest ticket first, read `batch_size` tickets per transaction."""
        after: tuple[datetime, int] | None = None
        size = self.export.batch_size
        while True:
            async with self.export.uow() as tx:
                batch = await tx.exports.batch(
                    self.community.id, self.start, self.end, after, size, personal=self.personal
                )
            for facts in batch:
                yield self.row(facts)
            if len(batch) < size:
                return
            after = (batch[-1].created_at, batch[-1].id)

    def row(self, t: ExportedTicket) -> list[Cell]:
        """One ticket's cells, in the order of the header."""
        locale, looks = self.community.locale, self.export.looks
        building = self.community.building(t.building) if t.building else None
        cells: list[Cell] = [t.number, *(self._local(getattr(t, name)) for name in _TIMES)]
        cells += [
            looks.status(locale, Status(t.status)),
            self._word("closure", t.closure),
            looks.category(locale, t.category),
            t.level,
            t.building,
            building.grid if building else None,
        ]
        for due, kept in t.promises(self.now):
            cells += [self._local(due), self._word("kept", kept)]
        cells += [self._word("verdict", t.verdict), t.reopen_count, t.referred_to, t.merged_into]
        if self.personal and t.personal is not None:
            p = t.personal
            cells += [p.room, p.phone, p.reporter_name, p.text]
        return cells

    def _local(self, at: datetime | None) -> datetime | None:
        return None if at is None else at.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def _word(self, kind: str, code: str | None) -> str | None:
        if not code:
            return None
        return i18n.t(self.community.locale, f"export.{kind}.{code}")

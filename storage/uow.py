"""The SQL unit of work: one session, one transaction, all repositories.

While an update is handled (`SqlUnitOfWorkFactory.per_update`), every unit of work opened in
that context joins the update's one transaction as a SAVEPOINT: its commit releases the
savepoint, leaving without commit rolls back to it – what it did alone before – and only the
update's end commits (one COMMIT, one fsync on SQLite, per update instead of one per use case).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from storage.registry_cache import RegistryCache
from storage.repos_activities import SqlActivityRepo
from storage.repos_calendars import SqlCalendarRepo
from storage.repos_care import SqlCareRepo
from storage.repos_desk import SqlDeskRepo
from storage.repos_duty import SqlDutyRepo
from storage.repos_faq import SqlFaqRepo
from storage.repos_households import SqlConsultationRepo, SqlHouseholdRepo
from storage.repos_kpi import SqlKpiRepo
from storage.repos_messaging import (
    SqlAuditRepo,
    SqlButtonRepo,
    SqlInboxRepo,
    SqlLeaseRepo,
    SqlOutboxRepo,
)
from storage.repos_notices import SqlNoticeRepo
from storage.repos_offers import SqlOfferRepo
from storage.repos_open311 import SqlOpen311Repo
from storage.repos_points import SqlPointsRepo
from storage.repos_registry import SqlChatRepo, SqlPeopleRepo, SqlRegistryRepo
from storage.repos_reports import SqlTicketExportRepo
from storage.repos_retention import SqlRetentionRepo
from storage.repos_shop import SqlShopRepo
from storage.repos_tickets import SqlTicketRepo


class SqlUnitOfWork:
    """`async with uow: ...; await uow.commit()` – leaving without commit rolls back."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outer: SqlUnitOfWork | None = None,
        cache: RegistryCache | None = None,
    ) -> None:
        self._sessions = sessions
        self._cache = cache or RegistryCache()  # a unit of work made alone caches for itself
        self._session: AsyncSession | None = None
        self._outer = outer  # the update's unit of work this one joins (a savepoint of it)
        self._savepoint: AsyncSessionTransaction | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._outer is not None:
            self._session = session = self._outer.session
            self._savepoint = await session.begin_nested()
        else:
            self._session = session = self._sessions()
            self._cache.attach(session)
        cache = self._cache
        self.registry = SqlRegistryRepo(session, cache)
        self.chats = SqlChatRepo(session, cache)
        self.people = SqlPeopleRepo(session, cache)
        self.inbox = SqlInboxRepo(session)
        self.leases = SqlLeaseRepo(session)  # one holder at a time (SQLite's inbox consumer)
        self.outbox = SqlOutboxRepo(session)
        self.audit = SqlAuditRepo(session)
        self.buttons = SqlButtonRepo(session)
        self.faq = SqlFaqRepo(session)  # FAQ: entries, cool-downs, gaps
        self.notices = SqlNoticeRepo(session)  # notices feature
        self.tickets = SqlTicketRepo(session)  # tickets: intake to verdict
        self.offers = SqlOfferRepo(session)  # tickets: offers for plain group messages
        self.duty = SqlDutyRepo(session, cache)  # duty: escalation steps, overrides, follow-ups
        self.retention = SqlRetentionRepo(session)  # erasing personal data after a while
        self.kpi = SqlKpiRepo(session)  # the committee's figures (read only)
        self.exports = SqlTicketExportRepo(session)  # reports: tickets read in batches
        self.open311 = SqlOpen311Repo(session)  # open data: public requests (read only)
        self.calendars = SqlCalendarRepo(session)  # open data: the staff's calendar links
        self.households = SqlHouseholdRepo(session)  # the household register (private)
        self.consultations = SqlConsultationRepo(session)  # consultations and ballots
        self.care = SqlCareRepo(session)  # the care list and its check-on rounds
        self.desk = SqlDeskRepo(session)  # the web desk: sign-in, the ticket list, timelines
        self.points = SqlPointsRepo(session)  # volunteer points: the ledger, proposals
        self.shop = SqlShopRepo(session)  # the points shop: stock, redemptions
        self.activities = SqlActivityRepo(session)  # volunteer activities and sign-ups
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        if self._outer is not None:
            try:
                if self._savepoint_open():  # also after a failed flush: that is how to recover
                    await self._savepoint.rollback()  # type: ignore[union-attr]
            finally:
                self._savepoint = None
                self._session = None
            return
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        if self._outer is None:
            await self.session.commit()
            return
        # keep this part; what follows in the same block is a savepoint again
        if self._savepoint_open():
            await self._savepoint.commit()  # type: ignore[union-attr]
        self._savepoint = await self.session.begin_nested()

    def _savepoint_open(self) -> bool:
        """Whether this unit of work's savepoint is the session's innermost, not yet ended."""
        savepoint = self._savepoint
        if savepoint is None or savepoint.sync_transaction is None:
            return False
        current = self.session.sync_session.get_nested_transaction()
        return current is savepoint.sync_transaction


# The unit of work of the update being handled in this context (None outside one).
_update_uow: ContextVar[SqlUnitOfWork | None] = ContextVar("update_uow", default=None)


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.registry_cache = RegistryCache()  # this database's registry, in memory

    def __call__(self) -> SqlUnitOfWork:
        outer = _update_uow.get()
        if outer is not None and outer._session is not None:
            return SqlUnitOfWork(self.sessions, outer, outer._cache)
        return SqlUnitOfWork(self.sessions, cache=self.registry_cache)

    @asynccontextmanager
    async def per_update(self) -> AsyncIterator[SqlUnitOfWork]:
        """One transaction for all the work of one update: units of work opened inside join it
        (as savepoints); commit the yielded one at the end. Not shared with other contexts."""
        async with SqlUnitOfWork(self.sessions, cache=self.registry_cache) as tx:
            connection = await tx.session.connection()
            if connection.dialect.name == "sqlite":
                # The driver begins a transaction only before its first write, and a SAVEPOINT
                # outside one would be released as a commit of its own: begin here – IMMEDIATE,
                # so the write lock is waited for now (busy timeout), and a read never goes
                # stale before a write of the same update.
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
            token = _update_uow.set(tx)
            try:
                yield tx
            finally:
                _update_uow.reset(token)

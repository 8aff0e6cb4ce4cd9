"""The SQL unit of work: one session, one transaction, all repositories."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repos_duty import SqlDutyRepo
from storage.repos_faq import SqlFaqRepo
from storage.repos_messaging import (
    SqlAuditRepo,
    SqlButtonRepo,
    SqlInboxRepo,
    SqlLeaseRepo,
    SqlOutboxRepo,
)
from storage.repos_notices import SqlNoticeRepo
from storage.repos_offers import SqlOfferRepo
from storage.repos_registry import SqlChatRepo, SqlPeopleRepo, SqlRegistryRepo
from storage.repos_retention import SqlRetentionRepo
from storage.repos_tickets import SqlTicketRepo


class SqlUnitOfWork:
    """`async with uow: ...; await uow.commit()` – leaving without commit rolls back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    async def __aenter__(self) -> SqlUnitOfWork:
        self._session = session = self._sessions()
        self.registry = SqlRegistryRepo(session)
        self.chats = SqlChatRepo(session)
        self.people = SqlPeopleRepo(session)
        self.inbox = SqlInboxRepo(session)
        self.leases = SqlLeaseRepo(session)  # one holder at a time (SQLite's inbox consumer)
        self.outbox = SqlOutboxRepo(session)
        self.audit = SqlAuditRepo(session)
        self.buttons = SqlButtonRepo(session)
        self.faq = SqlFaqRepo(session)  # FAQ: entries, cool-downs, gaps
        self.notices = SqlNoticeRepo(session)  # notices feature
        self.tickets = SqlTicketRepo(session)  # tickets: intake to verdict
        self.offers = SqlOfferRepo(session)  # tickets: offers for plain group messages
        self.duty = SqlDutyRepo(session)  # duty: escalation steps, overrides, follow-ups
        self.retention = SqlRetentionRepo(session)  # erasing personal data after a while
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        await self.session.commit()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

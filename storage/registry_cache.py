"""The registry (communities, buildings, chats, people, roster overrides and working days)
kept in memory, per database.

Every read of the registry repositories goes through `RegistryCache.read`: the first one in a
transaction reads the one-row `registry_version` table (a primary-key lookup) and forgets
everything when another process changed the registry since; the rest cost no query. Any write
to a registry table – ORM flush or a statement, from whichever repository – marks the session:
its later reads go to the database, and its commit bumps the version (so other processes see
the change at their next transaction) and empties this process's cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Table, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.sql.dml import UpdateBase

from storage.append_only import AppendOnlySession
from storage.models import Building, BuildingAlias, Chat, Community, Grid, Person, RegistryVersion
from storage.models_duty import RosterOverrideRow, WorkdayOverrideRow

T = TypeVar("T")
REGISTRY_TABLES = frozenset(
    m.__tablename__
    for m in (
        Community,
        Building,
        BuildingAlias,
        Grid,
        Chat,
        Person,
        RosterOverrideRow,  # /cover, /leave: the duty set-up of every report reads them
        WorkdayOverrideRow,  # /workday
    )
)
_CACHE, _CHECKED, _CHANGED = "registry_cache", "registry_checked", "registry_changed"


class RegistryCache:
    """Registry reads of one database, valid while its registry version stays the same."""

    def __init__(self) -> None:
        self.version: int | None = None
        self._entries: dict[Hashable, Any] = {}

    def attach(self, session: Any) -> None:
        """Let `session` (an AsyncSession) read through this cache and invalidate it."""
        session.sync_session.info[_CACHE] = self

    def clear(self) -> None:
        self._entries.clear()
        self.version = None

    async def read(self, session: Any, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The cached value of `key`, loaded with `load` when absent or stale."""
        info = session.sync_session.info
        if info.get(_CACHE) is not self or info.get(_CHANGED):
            return await load()  # this transaction changed the registry: read what it wrote
        if not info.get(_CHECKED):
            version = await session.scalar(
                select(RegistryVersion.version).where(RegistryVersion.id == 1)
            )
            info[_CHECKED] = True
            if version != self.version:
                self._entries.clear()
                self.version = version
        if key in self._entries:
            value: T = self._entries[key]
            return value
        value = await load()
        if not info.get(_CHANGED):
            self._entries[key] = value
        return value


def _tables_of(statement: Any) -> set[str]:
    table = getattr(statement, "table", None)
    return {table.name} if isinstance(table, Table) else set()


def _statement_writes(state: ORMExecuteState) -> None:
    if isinstance(state.statement, UpdateBase) and _tables_of(state.statement) & REGISTRY_TABLES:
        state.session.info[_CHANGED] = True


def _flush_writes(session: Session, _flush: UOWTransaction | None, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in REGISTRY_TABLES:
            session.info[_CHANGED] = True
            return


def _bump_version(session: Session) -> None:
    """Before the outermost commit of a transaction that changed the registry (its last flush
    comes after this hook: what it will write counts too)."""
    if session.in_nested_transaction():
        return
    _flush_writes(session, None, None)
    if session.info.get(_CHANGED):
        session.execute(
            update(RegistryVersion)
            .where(RegistryVersion.id == 1)
            .values(version=RegistryVersion.version + 1)
        )


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the transaction goes on
    session.info.pop(_CHECKED, None)
    if session.info.pop(_CHANGED, None):
        cache = session.info.get(_CACHE)
        if isinstance(cache, RegistryCache):
            cache.clear()  # committed (or not): read anew, from the new version on


event.listen(AppendOnlySession, "do_orm_execute", _statement_writes)
event.listen(AppendOnlySession, "before_flush", _flush_writes)
event.listen(AppendOnlySession, "before_commit", _bump_version)
event.listen(AppendOnlySession, "after_transaction_end", _transaction_ended)

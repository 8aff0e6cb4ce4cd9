"""The audit log and the points ledger are append-only: sessions refuse to change or delete
their rows.

Every session Loudao opens is an `AppendOnlySession`: flushing a changed or deleted row of
either, or running an UPDATE or DELETE statement on `audit_log` or `points_ledger`, raises
`AppendOnlyError` before anything reaches the database. The database says the same by trigger
(migrations 0015, 0023 and 0028), for statements that do not come through a session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.models import AuditEvent
from storage.models_points import PointsEntryRow

AUDIT_TABLE = AuditEvent.__tablename__
LEDGER_TABLE = PointsEntryRow.__tablename__
_APPEND_ONLY = (AuditEvent, PointsEntryRow)
_TABLES = frozenset({AUDIT_TABLE, LEDGER_TABLE})


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete a row of the audit log or the points ledger."""


class AppendOnlySession(Session):
    """A session in which audit and ledger rows can only be added."""


def _only_new_rows(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for row in session.deleted:
        if isinstance(row, _APPEND_ONLY):
            raise AppendOnlyError(f"{row.__tablename__} is append-only: a row cannot be deleted")
    for row in session.dirty:
        if isinstance(row, _APPEND_ONLY) and session.is_modified(row):
            raise AppendOnlyError(f"{row.__tablename__} is append-only: a row cannot be changed")


def _no_updates(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table) and table.name in _TABLES:
        raise AppendOnlyError(f"{table.name} is append-only: no UPDATE or DELETE")


event.listen(AppendOnlySession, "before_flush", _only_new_rows)
event.listen(AppendOnlySession, "do_orm_execute", _no_updates)

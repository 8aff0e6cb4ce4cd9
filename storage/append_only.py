"""The audit log is append-only: sessions refuse to change or delete its rows.

Every session Loudao opens is an `AppendOnlySession`: flushing a changed or deleted audit row,
or running an UPDATE or DELETE statement on `audit_log`, raises `AppendOnlyError` before
anything reaches the database. The database says the same by trigger (migrations 0015, 0023), for
statements that do not come through a session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.models import AuditEvent

AUDIT_TABLE = AuditEvent.__tablename__


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete a row of the audit log."""


class AppendOnlySession(Session):
    """A session in which audit rows can only be added."""


def _only_new_audit_rows(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for row in session.deleted:
        if isinstance(row, AuditEvent):
            raise AppendOnlyError(f"{AUDIT_TABLE} is append-only: a row cannot be deleted")
    for row in session.dirty:
        if isinstance(row, AuditEvent) and session.is_modified(row):
            raise AppendOnlyError(f"{AUDIT_TABLE} is append-only: a row cannot be changed")


def _no_audit_updates(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table) and table.name == AUDIT_TABLE:
        raise AppendOnlyError(f"{AUDIT_TABLE} is append-only: no UPDATE or DELETE")


event.listen(AppendOnlySession, "before_flush", _only_new_audit_rows)
event.listen(AppendOnlySession, "do_orm_execute", _no_audit_updates)
